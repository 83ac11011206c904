// IPython-style magics through the real kernel: syntax, output formats, help and errors.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, resultText, startKernel, stdout, type TestKernel } from "./helpers/kernel.js";
import { formatG, formatTime } from "../kernel/magics/format-time.js";

let k: TestKernel;
beforeAll(async () => {
  k = await startKernel();
});
afterAll(async () => {
  await k?.stop();
});

const TIME_REPORT = /^CPU times: user [\d.]+ (s|ms|µs|ns), sys: [\d.]+ (s|ms|µs|ns), total: [\d.]+ (s|ms|µs|ns)\nWall time: [\d.]+ (s|ms|µs|ns)\n$/;
const TIMEIT_REPORT = /^[\d.]+ (s|ms|µs|ns) ± [\d.]+ (s|ms|µs|ns) per loop \(mean ± std\. dev\. of (\d+) runs?, ([\d,]+) loops? each\)$/m;

describe("formatTime (IPython's _format_time)", () => {
  it("picks the unit and three significant digits", () => {
    expect(formatTime(1.23456)).toBe("1.23 s");
    expect(formatTime(0.0123456)).toBe("12.3 ms");
    expect(formatTime(0.000512)).toBe("512 µs");
    expect(formatTime(4e-9)).toBe("4 ns");
    expect(formatTime(0)).toBe("0 ns");
    expect(formatTime(61.5)).toBe("1min 1s");
    expect(formatG(1000, 3)).toBe("1e+03");
    expect(formatG(0.5, 3)).toBe("0.5");
  });
});

describe("%time", () => {
  it("times an expression in place and keeps its value as the cell's result", async () => {
    const { outputs } = await k.client.execute("const base = 20;\n%time base * 2 + 2");
    expect(stdout(outputs)).toMatch(TIME_REPORT);
    expect(resultText(outputs)).toBe("42");
  });

  it("assigns with `const x = %time expr`, in the cell's scope", async () => {
    const { outputs } = await k.client.execute("const slow = (n: number) => { let s = 0; for (let i = 0; i < n; i++) s += i; return s; };\nconst total = %time slow(1e6)\ntotal");
    expect(stdout(outputs)).toMatch(TIME_REPORT);
    expect(resultText(outputs)).toBe(String((1e6 * (1e6 - 1)) / 2));
  });

  it("%%time runs the whole cell and keeps its declarations", async () => {
    const { outputs } = await k.client.execute("%%time\nconst timedValue = [1, 2, 3].map((x) => x * 10);\ntimedValue");
    expect(stdout(outputs)).toMatch(TIME_REPORT);
    expect(resultText(outputs)).toBe("[ 10, 20, 30 ]");
    const again = await k.client.execute("timedValue.length");
    expect(resultText(again.outputs)).toBe("3");
  });

  it("times awaited work to its end", async () => {
    const { outputs } = await k.client.execute("%time await new Promise((r) => setTimeout(() => r('waited'), 120))");
    const wall = /Wall time: ([\d.]+) ms/.exec(stdout(outputs));
    expect(Number(wall?.[1])).toBeGreaterThanOrEqual(100);
    expect(resultText(outputs)).toBe("'waited'");
  });
});

describe("%timeit", () => {
  it("honours -n and -r and prints IPython's summary", async () => {
    const { outputs } = await k.client.execute("%timeit -n 50 -r 4 Math.sqrt(base)");
    const m = TIMEIT_REPORT.exec(stdout(outputs));
    expect(m).not.toBeNull();
    expect(m![3]).toBe("4");
    expect(m![4]).toBe("50");
  });

  it("auto-ranges the loop count to runs of at least 0.2 s", async () => {
    const { outputs } = await k.client.execute("%timeit -r 2 slow(2e4)");
    const m = TIMEIT_REPORT.exec(stdout(outputs))!;
    const loops = Number(m[4].replace(/,/g, ""));
    expect([1, 2, 5].some((b) => Number.isInteger(Math.log10(loops / b)))).toBe(true);
    expect(loops).toBeGreaterThan(1);
  });

  it("-o returns a TimeitResult and -q prints nothing", async () => {
    const { outputs } = await k.client.execute("const tr = %timeit -q -o -n 10 -r 3 slow(100)\n[tr.loops, tr.repeat, tr.allRuns.length, tr.best <= tr.average]");
    expect(stdout(outputs)).toBe("");
    expect(resultText(outputs)).toBe("[ 10, 3, 3, true ]");
  });

  it("%%timeit times the body, with setup code on the first line", async () => {
    const { outputs } = await k.client.execute("%%timeit -n 20 -r 3 const data = Array.from({ length: 1000 }, (_, i) => i);\ndata.reduce((a, b) => a + b, 0);");
    const m = TIMEIT_REPORT.exec(stdout(outputs));
    expect(m?.[4]).toBe("20");
  });

  it("rejects bad options with a UsageError that shows the usage", async () => {
    const { reply, outputs } = await k.client.execute("%timeit -n many Math.sqrt(2)");
    expect(reply.content).toMatchObject({ status: "error", ename: "UsageError" });
    expect(errorOf(outputs)!.evalue).toMatch(/-n needs a positive whole number/);
    expect(errorOf(outputs)!.evalue).toMatch(/%timeit \[-n<N>/);
  });
});

describe("magic system", () => {
  it("%lsmagic lists line and cell magics", async () => {
    const { outputs } = await k.client.execute("%lsmagic");
    expect(stdout(outputs)).toMatch(/Available line magics:\n.*%lsmagic.*%magic.*%time.*%timeit/);
    expect(stdout(outputs)).toMatch(/Available cell magics:\n.*%%mpi.*%%time.*%%timeit.*%%workers/);
  });

  it("%magic prints every magic's help", async () => {
    const { outputs } = await k.client.execute("%magic");
    expect(stdout(outputs)).toContain("%timeit [-n<N>");
    expect(stdout(outputs)).toContain("CPU times");
  });

  it("%NAME? puts the magic's help in the pager", async () => {
    const { reply } = await k.client.execute("%timeit?");
    const payload = (reply.content as { payload: { source: string; data: Record<string, string> }[] }).payload;
    expect(payload).toHaveLength(1);
    expect(payload[0]!.source).toBe("page");
    expect(payload[0]!.data["text/plain"]).toMatch(/^%timeit \[-n<N>/);
  });

  it("an unknown magic is an error that suggests the closest names", async () => {
    const { reply, outputs } = await k.client.execute("%tiemit 1 + 1");
    expect(reply.content).toMatchObject({ status: "error", ename: "UsageError" });
    expect(errorOf(outputs)!.evalue).toMatch(/Line magic `%tiemit` not found\. Did you mean %timeit/);
    const cell = await k.client.execute("%%tim\n1");
    expect(errorOf(cell.outputs)!.evalue).toMatch(/Cell magic `%%tim` not found\. Did you mean %%time/);
  });

  it("expands {expression} and $name in magic arguments from the notebook's variables, as IPython does", async () => {
    await k.client.execute("const ranks = 3;");
    const cell = await k.client.execute("%%workers -n $ranks\nsize");
    expect(resultText(cell.outputs)).toBe("[rank 0] 3\n[rank 1] 3\n[rank 2] 3");
    const line = await k.client.execute("%timeit -n {ranks * 2} -r 1 Math.sqrt(2)");
    expect(stdout(line.outputs)).toMatch(/of 1 run, 6 loops each\)/);
    // Unknown names stay as written; {{ and $$ are literal braces and dollars.
    const unknown = await k.client.execute("%%workers -n $nope\nrank");
    expect(errorOf(unknown.outputs)!.evalue).toContain('got "$nope"');
    const literal = await k.client.execute("%%workers -n {{ranks}}\nrank");
    expect(errorOf(literal.outputs)!.evalue).toContain('got "{ranks}"');
  });

  it("keeps line numbers of the cell when magics are on earlier lines", async () => {
    const { outputs } = await k.client.execute("%time 1\n\nconst broken: number = 'text';");
    expect(errorOf(outputs)!.traceback.join("\n")).toMatch(/line 3, col 7/);
  });
});
