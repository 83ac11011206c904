// The SPMD core both transports share (kernel/spmd/), without kernels: the rank runtime's
// bindings, its results and errors, the [rank r] line prefix and comm's argument checks.
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { checkAllreduce, checkRank, checkScatterValues, type SpmdComm } from "../kernel/spmd/comm.js";
import { type RankJob, rankFailure, runRank } from "../kernel/spmd/rank.js";
import { RankLines, RankValues } from "../kernel/spmd/results.js";

const job = (code: string, more: Partial<RankJob> = {}): RankJob => ({ code, async: false, scriptName: "cell-test", shared: {}, cwd: process.cwd(), ...more });
const comm = {} as SpmdComm;

describe("the rank runtime", () => {
  it("binds rank, size, comm and shared values as exports and as plain names (shorthand properties)", async () => {
    // tslab's output for `const me = { rank, size: size, label };\nme`: a shorthand keeps the plain name.
    const code = "exports.me = { rank, size: exports.size, label };\nexports.tsLastExpr = exports.me;";
    const done = await runRank(job(code, { lastExpressionVar: "tsLastExpr", shared: { label: "run" } }), { rank: 1, size: 2, comm });
    expect(done.value).toEqual({ rank: 1, size: 2, label: "run" });
    expect(done.text).toBe("{ rank: 1, size: 2, label: 'run' }");
    expect(done.busyMs).toBeGreaterThanOrEqual(0);
  });

  it("lets the cell declare names of its own, and runs async bodies", async () => {
    const own = await runRank(job("const size = 5;\nexports.v = size * rank;", { lastExpressionVar: "v" }), { rank: 3, size: 4, comm });
    expect(own.value).toBe(15);
    const later = await runRank(job("await new Promise((r) => setTimeout(r, 1));\nexports.v = rank;", { async: true, lastExpressionVar: "v" }), { rank: 2, size: 4, comm });
    expect(later.value).toBe(2);
    const none = await runRank(job("rank;"), { rank: 0, size: 1, comm });
    expect(none).toMatchObject({ value: undefined, text: null });
  });

  it("keeps the cell's line numbers in the stack, under the cell's script name", async () => {
    const thrown = await runRank(job("\nthrow new RangeError(`rank ${rank} broke`);"), { rank: 1, size: 2, comm }).catch((e: unknown) => e);
    const failure = rankFailure(thrown);
    expect(failure).toMatchObject({ name: "RangeError", message: "rank 1 broke" });
    expect(failure.stack).toMatch(/at cell-test:2:\d+/);
    expect(rankFailure("a string")).toMatchObject({ name: "Error", message: inspect("a string") });
  });
});

describe("results", () => {
  it("prefixes every line a rank starts, once, however its output is cut", () => {
    const lines = new RankLines(1);
    expect(["a\nb", "", "c\n", "\n", "d"].map((t) => lines.prefix(t))).toEqual(["[rank 1] a\n[rank 1] b", "", "c\n", "\n", "[rank 1] d"]);
  });

  it("shows every rank's value one line per rank, and maps to a plain array", () => {
    const values = RankValues.fromResults([
      { rank: 0, value: 1, text: "1" },
      { rank: 1, value: undefined, text: null },
    ]);
    expect(inspect(values)).toBe("[rank 0] 1\n[rank 1] undefined");
    expect(inspect(values.map((v) => v))).toBe("[ 1, undefined ]");
  });
});

describe("comm's argument checks", () => {
  it("say what is wrong the same way on threads and processes", () => {
    expect(() => checkRank(2, 2, "dest")).toThrow(new RangeError("comm: dest must be a rank from 0 to 1, got 2"));
    expect(() => checkScatterValues([1], 2)).toThrow("comm.scatter: the root needs an array of exactly 2 values (one per rank), got 1");
    expect(() => checkAllreduce(1, "mean")).toThrow('comm.allreduce: op must be "sum", "min", "max" or "prod", got "mean"');
    expect(() => checkAllreduce(1, "toString")).toThrow(RangeError);
    expect(() => checkAllreduce([1], "sum")).toThrow(new TypeError("comm.allreduce: pass a number or a typed array"));
    expect(() => checkAllreduce(new DataView(new ArrayBuffer(8)), "sum")).toThrow(TypeError);
    expect(() => checkAllreduce(Float32Array.of(1), "max")).not.toThrow();
  });
});
