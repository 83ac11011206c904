// Whole-kernel behaviours: restart with persistent history, clean deaths, signals, and a
// notebook run by Jupyter's own nbclient.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resultText, startKernel, stderr, stdout, type TestKernel } from "./helpers/kernel.js";
import type { Header } from "../kernel/protocol/messages.js";

const running: TestKernel[] = [];
afterEach(async () => {
  for (const k of running.splice(0)) await k.stop();
});
async function kernel(dataDir?: string): Promise<TestKernel> {
  const k = await startKernel({ dataDir });
  running.push(k);
  return k;
}
const exitOf = (k: TestKernel) =>
  new Promise<number | null>((resolve) => (k.kernel.process.exitCode !== null ? resolve(k.kernel.process.exitCode) : k.kernel.process.once("exit", (code) => resolve(code))));

describe("restart and history", () => {
  it("shuts down on request (restart), and the next kernel keeps the history under the Jupyter data dir", async () => {
    const first = await kernel();
    await first.client.execute("const kept = 'from session 1';");
    await first.client.execute("kept.length");
    const { reply } = await first.client.request("control", "shutdown_request", { restart: true });
    expect(reply.content).toEqual({ status: "ok", restart: true });
    expect(await exitOf(first)).toBe(0);

    const second = await kernel(first.dataDir);
    const fresh = await second.client.execute("typeof (globalThis as any).kept");
    expect(resultText(fresh.outputs)).toBe("'undefined'");
    await second.client.execute("'session two'");
    const tail = (await second.client.request("shell", "history_request", { hist_access_type: "tail", n: 10, output: true, raw: true })).reply.content as {
      history: [number, number, [string, string | null]][];
    };
    const inputs = tail.history.map((h) => h[2][0]);
    expect(inputs).toEqual(["const kept = 'from session 1';", "kept.length", "typeof (globalThis as any).kept", "'session two'"]);
    expect(tail.history[1]).toEqual([1, 2, ["kept.length", "14"]]);
    expect(tail.history[3]![0]).toBe(2);

    const range = (await second.client.request("shell", "history_request", { hist_access_type: "range", session: -1, start: 1, stop: 2, raw: true, output: false })).reply.content as {
      history: unknown[];
    };
    expect(range.history).toEqual([[1, 1, "const kept = 'from session 1';"]]);
    const search = (await second.client.request("shell", "history_request", { hist_access_type: "search", pattern: "*session*", unique: true, raw: true, output: false })).reply.content as {
      history: [number, number, string][];
    };
    expect(search.history.map((h) => h[2])).toEqual(["const kept = 'from session 1';", "'session two'"]);
  });
});

describe("clean deaths and survival", () => {
  it("a cell that calls process.exit() delivers its output, then the kernel exits with that code", async () => {
    const k = await kernel();
    const pending = k.client.execute("console.log('last words'); process.exit(3)").catch(() => null);
    expect(await exitOf(k)).toBe(3);
    await new Promise((r) => setTimeout(r, 200));
    const texts = k.client.iopubLog
      .filter((m) => m.header.msg_type === "stream")
      .map((m) => (m.content as { text: string }).text)
      .join("");
    expect(texts).toContain("last words");
    expect(texts).toContain("process.exit(3) was called: the kernel is exiting.");
    k.client.close();
    await pending;
  });

  it("SIGINT stops a synchronous loop and the kernel lives on", async () => {
    const k = await kernel();
    await k.client.execute("'compiler loaded'");
    const cell = k.client.execute("while (true) {}");
    await new Promise((r) => setTimeout(r, 500));
    k.kernel.process.kill("SIGINT");
    const { reply } = await cell;
    expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    const after = await k.client.execute("'ok'");
    expect(resultText(after.outputs)).toBe("'ok'");
  });

  it("SIGINT ends a cell that is awaiting", async () => {
    const k = await kernel();
    await k.client.execute("'compiler loaded'");
    const cell = k.client.execute("await new Promise(() => {})");
    await new Promise((r) => setTimeout(r, 300));
    k.kernel.process.kill("SIGINT");
    const { reply } = await cell;
    expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
  });

  it("an unhandled rejection is reported under its cell and the kernel lives on", async () => {
    const k = await kernel();
    const a = await k.client.execute("Promise.reject(new Error('nobody catches me')); 'sent'");
    await new Promise((r) => setTimeout(r, 200));
    const id = (a.reply.parent_header as Header).msg_id;
    const report = k.client.iopubLog.filter((m) => (m.parent_header as Header).msg_id === id && m.header.msg_type === "stream");
    expect(report.map((m) => (m.content as { text: string }).text).join("")).toMatch(/Uncaught \(in promise\) Error: nobody catches me/);
    expect(stdout(a.outputs) + stderr(a.outputs)).not.toContain("parallab]");
  });
});

describe("Jupyter's nbclient", () => {
  const prefix = mkdtempSync(path.join(os.tmpdir(), "parallab-nbclient-"));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "parallab-nbclient-data-"));
  execFileSync(process.execPath, ["dist/cli/parallab.js", "install", "--prefix", prefix]);
  const env = { ...process.env, JUPYTER_PATH: path.join(prefix, "share", "jupyter"), JUPYTER_DATA_DIR: dataDir };
  const notebook = path.join(prefix, "errors.ipynb");
  const cell = (source: string, i: number) => ({ cell_type: "code", id: `c${i}`, metadata: {}, source, outputs: [], execution_count: null });
  writeFileSync(
    notebook,
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "parallab", display_name: "TypeScript (Parallab)", language: "typescript" } },
      cells: ["const a = 40;", "throw new Error('in the middle')", "a + 2"].map(cell),
    }),
  );
  const run = (allowErrors: boolean) =>
    spawnSync(
      "/usr/bin/python3",
      [
        "-c",
        `import nbformat, nbclient, sys\nnb = nbformat.read(sys.argv[1], 4)\ntry:\n    nbclient.NotebookClient(nb, kernel_name="parallab", allow_errors=${allowErrors ? "True" : "False"}, timeout=60).execute()\nfinally:\n    nbformat.write(nb, sys.argv[2])`,
        notebook,
        `${notebook}.${allowErrors}.out.ipynb`,
      ],
      { env, encoding: "utf8", timeout: 120_000 },
    );

  it("with --allow-errors runs every cell after an error cell", () => {
    const result = run(true);
    expect(result.status, result.stderr).toBe(0);
    const out = JSON.parse(readFileSync(`${notebook}.true.out.ipynb`, "utf8"));
    expect(out.cells[1].outputs[0]).toMatchObject({ output_type: "error", ename: "Error", evalue: "in the middle" });
    expect(out.cells[2].outputs[0]).toMatchObject({ output_type: "execute_result" });
    expect([out.cells[2].outputs[0].data["text/plain"]].flat().join("")).toBe("42");
    expect(out.cells.map((c: { execution_count: number }) => c.execution_count)).toEqual([1, 2, 3]);
  });

  it("without it stops at the error cell", () => {
    const result = run(false);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("in the middle");
    const out = JSON.parse(readFileSync(`${notebook}.false.out.ipynb`, "utf8"));
    expect(out.cells[2].outputs).toEqual([]);
  });
});
