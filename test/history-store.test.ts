// The kernel's input history file (kernel/history/store.ts) on a real file: a session takes its
// number from the file's end without reading it all, what it appends is there when history is
// read, torn lines are skipped, and a file grown too big is cut back when a session starts.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HistoryStore } from "../kernel/history/store.js";

const scratch = mkdtempSync(path.join(os.tmpdir(), "parallab-history-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const line = (s: number, n: number, i: string) => `${JSON.stringify({ s, n, i })}\n`;

describe("the history file", () => {
  it("a new session is numbered after the highest session at the file's end, whatever its length", () => {
    const file = path.join(scratch, "long.jsonl");
    // 6 000 entries (more than the end a session reads), then two sessions interleaved.
    writeFileSync(file, Array.from({ length: 6000 }, (_, k) => line(1 + Math.floor(k / 100), k % 100, `x${k} = ${k}`)).join(""));
    appendFileSync(file, `${line(70, 1, "a")}${line(69, 5, "b")}{torn`);
    const store = new HistoryStore(file);
    expect(store.session).toBe(71);
  });

  it("what a session stores is in the history it reads later, with the cell that is running", () => {
    const file = path.join(scratch, "appended.jsonl");
    writeFileSync(file, line(3, 1, "old = 1"));
    const store = new HistoryStore(file);
    store.begin(1, "const a = 1;");
    store.append(1, "const a = 1;");
    store.begin(2, "a + 1");
    expect(store.thisSession().map((h) => [h.session, h.line, h.input])).toEqual([
      [4, 1, "const a = 1;"],
      [4, 2, "a + 1"],
    ]);
    store.append(2, "a + 1", "2");
    expect(store.query({ hist_access_type: "tail", n: 3, output: true })).toEqual([
      [3, 1, ["old = 1", null]],
      [4, 1, ["const a = 1;", null]],
      [4, 2, ["a + 1", "2"]],
    ]);
    expect(new HistoryStore(file).session).toBe(5);
  });

  it("a file past 8 MB is cut to its last 20 000 entries when a session starts", () => {
    const file = path.join(scratch, "big.jsonl");
    const filler = "y".repeat(400);
    writeFileSync(file, Array.from({ length: 24_000 }, (_, k) => line(1, k, `${filler}${k}`)).join(""));
    expect(statSync(file).size).toBeGreaterThan(8 * 1024 * 1024);
    const store = new HistoryStore(file);
    expect(store.session).toBe(2);
    const kept = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(kept).toHaveLength(20_000);
    expect(JSON.parse(kept[0]!).n).toBe(4000);
  });
});
