// The shared helpers of common/: HTML escaping, close names, dates, and the error family.
import { describe, expect, it } from "vitest";
import { isoDate, today } from "../common/dates.js";
import { DataError, type ErrorRecord, errorRecord, exitCodeOf, InterruptError, kindOf, ParallabError, UsageError } from "../common/errors.js";
import { escapeHtml } from "../common/html.js";
import { closest, editDistance } from "../common/text.js";
import { CourseError } from "../course/errors.js";
import { RankError } from "../kernel/spmd/results.js";
import { PeerFailedError } from "../kernel/pool/comm.js";
import { ServerUsageError } from "../cli/runner/jupyter-server.js";
import { FrameworkError } from "../tracker/framework/load.js";
import { GoalError } from "../tracker/goals.js";
import { TrackerConnectionError } from "../tracker/db/errors.js";

describe("escapeHtml", () => {
  it("escapes the five characters that matter in text and in quoted attributes", () => {
    expect(escapeHtml(`<a href="x" title='y'>Tom & Jerry</a>`)).toBe("&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;Tom &#38; Jerry&#60;/a&#62;");
  });
  it("leaves other text alone, shows numbers and makes null and undefined empty", () => {
    expect(escapeHtml("µs · 50% → done")).toBe("µs · 50% → done");
    expect(escapeHtml(42)).toBe("42");
    expect(escapeHtml(null)).toBe("");
    expect(escapeHtml(undefined)).toBe("");
  });
  it("escapes an ampersand once, so an escaped text escapes again as written", () => {
    expect(escapeHtml("&#60;")).toBe("&#38;#60;");
  });
});

describe("editDistance and closest", () => {
  it("counts insertions, deletions and substitutions", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("abc", "")).toBe(3);
    expect(editDistance("timeit", "timeit")).toBe(0);
    expect(editDistance("flaw", "lawn")).toBe(2);
  });
  it("suggests near names and prefixes, closest first, at most three", () => {
    const magics = ["time", "timeit", "profile", "workers", "mpi", "who", "whos"];
    expect(closest("timit", magics)).toEqual(["timeit", "time"]);
    expect(closest("prof", magics)).toEqual(["profile"]);
    expect(closest("xyzzy", magics)).toEqual([]);
    expect(closest("w", ["wa", "wb", "wc", "wd"])).toHaveLength(3);
  });
});

describe("today", () => {
  it("is the UTC calendar date as YYYY-MM-DD", () => {
    expect(today()).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(today()).toBe(new Date().toISOString().slice(0, 10));
    expect(isoDate(new Date("2026-02-28T23:59:59Z"))).toBe("2026-02-28");
  });
});

describe("the error family", () => {
  it("every error has a kind and keeps the name users see", () => {
    const usage = new UsageError("bad option");
    expect(usage).toBeInstanceOf(ParallabError);
    expect(usage).toBeInstanceOf(Error);
    expect([usage.kind, usage.name, usage.message]).toEqual(["usage", "UsageError", "bad option"]);
    const interrupt = new InterruptError();
    expect([interrupt.kind, interrupt.name, interrupt.message]).toEqual(["interrupt", "KeyboardInterrupt", "the cell was interrupted"]);
    expect(new TrackerConnectionError("down").kind).toBe("connection");
    expect(new PeerFailedError("rank 1 failed").kind).toBe("peer");
    expect(new ParallabError("?").kind).toBe("internal");
  });

  it("subclasses are instances of their family's class and carry its kind", () => {
    for (const err of [new CourseError("x"), new GoalError("x"), new FrameworkError(["a problem"], "skills")]) {
      expect(err).toBeInstanceOf(DataError);
      expect(err).toBeInstanceOf(ParallabError);
      expect(err.kind).toBe("data");
    }
    expect(new GoalError("x").name).toBe("GoalError");
    expect(new FrameworkError(["a", "b"], "skills").name).toBe("FrameworkError");
    const server = new ServerUsageError("--server x: not a URL");
    expect(server).toBeInstanceOf(UsageError);
    expect([server.kind, server.name]).toEqual(["usage", "ServerUsageError"]);
  });

  it("kindOf is undefined for anything that is not ours", () => {
    expect(kindOf(new TypeError("x"))).toBeUndefined();
    expect(kindOf("thrown string")).toBeUndefined();
    expect(kindOf(new DataError("x"))).toBe("data");
  });

  it("the CLI's exit code comes from the kind: 2 for bad data, 1 for the rest", () => {
    expect(exitCodeOf(new CourseError("x"))).toBe(2);
    expect(exitCodeOf(new DataError("x"))).toBe(2);
    expect(exitCodeOf(new UsageError("x"))).toBe(1);
    expect(exitCodeOf(new TrackerConnectionError("x"))).toBe(1);
    expect(exitCodeOf(new Error("x"))).toBe(1);
  });

  it("an error crosses a thread boundary as a record and is rebuilt with its kind", () => {
    const sent: ErrorRecord = structuredClone(errorRecord(new PeerFailedError("rank 0 failed")));
    expect(sent).toMatchObject({ name: "PeerFailedError", message: "rank 0 failed", kind: "peer" });
    const rebuilt = new RankError(1, sent.name, sent.message, sent.stack, sent.kind);
    expect(rebuilt).toBeInstanceOf(ParallabError);
    expect([rebuilt.kind, rebuilt.name, rebuilt.rank]).toEqual(["peer", "PeerFailedError", 1]);
    const plain = structuredClone(errorRecord(new TypeError("x is not a function")));
    expect(plain.kind).toBeUndefined();
    expect(new RankError(0, plain.name, plain.message, plain.stack, plain.kind).kind).toBe("cell");
  });
});
