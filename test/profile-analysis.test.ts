// kernel/profile/analysis.ts on real V8 CPU profiles captured in this process with node:inspector.
// "Notebook" code is compiled with vm under the filename "cell-7", which the locator maps 1:1 onto
// Cell[7] lines. Assertions are about rankings and presence, never about exact times.
import { Session } from "node:inspector/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import util from "node:util";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { analyseProfile, describeUrl, packageNameFromUrl, sampleDurations, type CpuProfile, type FunctionStat, type ProfileAnalysis, type SourceLocator } from "../kernel/profile/analysis.js";

const CELL_FILE = "cell-7";

/** The cell's script lines are its lines, 1:1; like a real locator, lines the cell lacks are not notebook code. */
function locatorFor(cellLines: string[]): SourceLocator {
  return { locate: (url, line) => (url === CELL_FILE && line >= 1 && line <= cellLines.length ? { cell: "Cell[7]", line } : null) };
}

function compileCell<T>(lines: string[]): T {
  return vm.runInThisContext(lines.join("\n"), { filename: CELL_FILE }) as T;
}

/** Runs `work` repeatedly for at least `minMs` (so even a fast machine yields plenty of samples). */
function keepBusy(work: () => unknown, minMs = 150): void {
  const start = performance.now();
  do work();
  while (performance.now() - start < minMs);
}

async function capture(run: () => unknown): Promise<CpuProfile> {
  const session = new Session();
  session.connect();
  try {
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 100 });
    await session.post("Profiler.start");
    await run();
    const { profile } = await session.post("Profiler.stop");
    return profile;
  } finally {
    session.disconnect();
  }
}

function fn(a: ProfileAnalysis, name: string): FunctionStat {
  const found = a.functions.find((f) => f.name === name && f.isNotebook);
  expect(found, `notebook function ${name}`).toBeDefined();
  return found!;
}

const HOT_CELL = [
  "(function () {", // 1
  "function setup(n) {", // 2
  "  const xs = [];", // 3
  "  for (let i = 0; i < n; i++) xs.push(i % 13);", // 4
  "  return xs;", // 5
  "}", // 6
  "function distance(xs, rounds) {", // 7
  "  let s = 0;", // 8
  "  for (let r = 0; r < rounds; r++) {", // 9
  "    for (let i = 0; i < xs.length; i++) {", // 10
  "      s += Math.sqrt(xs[i] * xs[i] + r) / (1 + (i % 7));", // 11
  "    }", // 12
  "  }", // 13
  "  return s;", // 14
  "}", // 15
  "return { setup, distance };", // 16
  "})", // 17
];

describe("a hot notebook function", async () => {
  const cell = compileCell<() => { setup(n: number): number[]; distance(xs: number[], rounds: number): number }>(HOT_CELL)();
  const profile = await capture(() => keepBusy(() => cell.distance(cell.setup(10_000), 50), 200));
  const a = analyseProfile(profile, locatorFor(HOT_CELL), { focusCell: "Cell[7]", cellLines: HOT_CELL });

  it("counts samples and time from the profile", () => {
    expect(a.sampleCount).toBe(profile.samples!.length);
    expect(a.sampleCount).toBeGreaterThan(0);
    expect(a.totalMs).toBeCloseTo((profile.endTime - profile.startTime) / 1000, 6);
    expect(a.sampledMs).toBeGreaterThan(0);
    expect(a.busyMs).toBeCloseTo(a.sampledMs - a.idleMs, 6);
  });

  it("ranks it first by self time, named with its cell line", () => {
    const top = a.bySelf[0]!;
    expect(top.name).toBe("distance");
    expect(top.where).toBe("Cell[7], line 7");
    expect(top.isNotebook).toBe(true);
    expect(top.kind).toBe("notebook");
    expect(top.selfPercent).toBeGreaterThan(a.bySelf[1]?.selfPercent ?? 0);
    expect(top.totalMs).toBeGreaterThanOrEqual(top.selfMs);
    // Sorted, and V8's special nodes are reported as totals, not as functions.
    for (let i = 1; i < a.bySelf.length; i++) expect(a.bySelf[i - 1]!.selfMs).toBeGreaterThanOrEqual(a.bySelf[i]!.selfMs);
    for (let i = 1; i < a.byTotal.length; i++) expect(a.byTotal[i - 1]!.totalMs).toBeGreaterThanOrEqual(a.byTotal[i]!.totalMs);
    expect(a.functions.map((f) => f.name)).not.toContain("(root)");
    expect(a.functions.map((f) => f.name)).not.toContain("(program)");
  });

  it("puts most of the per-line samples on the hot loop's line", () => {
    expect(a.lines).toHaveLength(HOT_CELL.length);
    expect(a.lines.map((l) => l.line)).toEqual(HOT_CELL.map((_, i) => i + 1));
    expect(a.lines[10]!.text).toBe(HOT_CELL[10]);
    const hottest = [...a.lines].sort((x, y) => y.samples - x.samples)[0]!;
    expect(hottest.line).toBe(11);
    expect(hottest.percent).toBeGreaterThan(0);
    const lineSamples = a.lines.reduce((s, l) => s + l.samples, 0);
    expect(hottest.samples * 2).toBeGreaterThan(lineSamples);
  });

  it("gives a verdict on the hottest notebook location", () => {
    expect(a.hot).not.toBeNull();
    expect(a.hot!.name).toBe("distance");
    expect(a.hot!.cell).toBe("Cell[7]");
    expect(a.hot!.line).toBe(11);
    expect(a.hot!.functionLine).toBe(7);
    expect(a.hot!.mostlyIn).toBeNull();
    expect(a.hot!.summary).toMatch(/^\d+(\.\d)?% of CPU in distance\(\) at Cell\[7\], line 11$/);
  });
});

describe("recursion", async () => {
  const FIB = ["(function fib(n) {", "  return n < 2 ? n : fib(n - 1) + fib(n - 2);", "})"];
  const fib = compileCell<(n: number) => number>(FIB);
  const profile = await capture(() => keepBusy(() => fib(24)));
  const a = analyseProfile(profile, locatorFor(FIB));

  it("counts a function once per sample however deep it recurses", () => {
    expect(profile.nodes.filter((n) => n.callFrame.functionName === "fib").length).toBeGreaterThan(3);
    const f = fn(a, "fib");
    expect(f.totalMs).toBeGreaterThanOrEqual(f.selfMs);
    expect(f.totalMs).toBeLessThanOrEqual(a.busyMs + 1e-9);
    expect(f.totalPercent).toBeLessThanOrEqual(100 + 1e-9);
  });
});

const LIB_CELL = [
  "(function (lib) {", // 1
  "function report(rows) {", // 2
  "  let out = 0;", // 3
  "  for (let k = 0; k < 5; k++) {", // 4
  "    out += lib.inspect(rows, { depth: 4 }).length;", // 5
  "  }", // 6
  "  return out;", // 7
  "}", // 8
  "function hexy(buf) {", // 9
  "  let t = 0;", // 10
  "  for (let k = 0; k < 5; k++) t += buf.hexSlice(0, buf.length).length;", // 11
  "  return t;", // 12
  "}", // 13
  "function serialise(rows) {", // 14
  "  let t = 0;", // 15
  "  for (let k = 0; k < 5; k++) {", // 16
  "    t += JSON.stringify(rows).length;", // 17
  "  }", // 18
  "  return t;", // 19
  "}", // 20
  "return { report, hexy, serialise };", // 21
  "})", // 22
];

describe("library and native time", async () => {
  type Lib = { report(rows: unknown[]): number; hexy(buf: Buffer): number; serialise(rows: unknown[]): number };
  const cell = compileCell<(lib: typeof util) => Lib>(LIB_CELL)(util);
  const rows = Array.from({ length: 500 }, (_, i) => ({ id: i, name: `row ${i}`, tags: ["a", "b", { deep: [i] }] }));
  const buf = Buffer.alloc(1 << 16, 7);
  const profile = await capture(() => {
    keepBusy(() => cell.report(rows));
    keepBusy(() => cell.hexy(buf));
    keepBusy(() => cell.serialise(rows));
  });
  const locator = locatorFor(LIB_CELL);
  const a = analyseProfile(profile, locator, { focusCell: "Cell[7]", cellLines: LIB_CELL });
  const row = (line: number) => a.lines[line - 1]!;
  const reportOnly = analyseProfile(await capture(() => keepBusy(() => cell.report(rows))), locator, { focusCell: "Cell[7]", cellLines: LIB_CELL });

  it("names node's own library code and native frames", () => {
    const internal = a.bySelf.filter((f) => f.where === "node (internal)");
    expect(internal.length).toBeGreaterThan(0);
    expect(internal.every((f) => !f.isNotebook && f.kind === "node")).toBe(true);
    expect(a.functions.some((f) => f.where === "(native)" && f.kind === "native" && f.samples > 0)).toBe(true);
  });

  it("attributes library JS (util.inspect) to the calling notebook function, at its definition line", () => {
    const report = fn(a, "report");
    // Most of report's time is spent inside util.inspect, below it on the stack.
    expect(report.attributedMs).toBeGreaterThan(report.selfMs);
    expect(report.totalMs).toBeGreaterThanOrEqual(report.attributedMs - 1e-9);
    expect(row(2).calleeMs).toBeGreaterThan(0);
    expect(row(2).samples).toBeGreaterThan(0);
    // The call line itself is unknown to V8's profile, so it gets no callee time.
    expect(row(5).calleeMs).toBe(0);
    expect(a.lines).toHaveLength(LIB_CELL.length);
  });

  it("says when the hot spot's time is mostly in the code it calls", () => {
    expect(reportOnly.hot?.name).toBe("report");
    expect(reportOnly.hot?.line).toBe(2);
    expect(reportOnly.hot?.mostlyIn).toBe("node (internal)");
    expect(reportOnly.hot?.summary).toMatch(/% of CPU in report\(\) at Cell\[7\], line 2, mostly in calls into Node internals$/);
  });

  it("places a native callee (Buffer#hexSlice) on its call line", () => {
    const hexy = fn(a, "hexy");
    expect(hexy.attributedMs).toBeGreaterThan(hexy.selfMs);
    expect(row(11).calleeMs).toBeGreaterThan(0);
    expect(row(11).samples).toBeGreaterThan(row(9).samples);
  });

  it("keeps builtin time (JSON.stringify) on the calling line", () => {
    const serialise = fn(a, "serialise");
    expect(serialise.attributedMs).toBeGreaterThan(0);
    const own = a.lines.filter((l) => l.line >= 14 && l.line <= 20);
    expect([...own].sort((x, y) => y.samples - x.samples)[0]!.line).toBe(17);
  });

  it("never attributes more than the busy time", () => {
    const attributed = a.functions.reduce((s, f) => s + f.attributedMs, 0);
    expect(attributed).toBeLessThanOrEqual(a.busyMs + 1e-6);
    expect(a.lines.reduce((s, l) => s + l.ms, 0)).toBeLessThanOrEqual(attributed + 1e-6);
    expect(a.hot?.name).toMatch(/^(report|hexy|serialise)$/);
  });

  it("builds consistent icicle data", () => {
    const { ids, labels, parents, values, branchvalues } = a.flame;
    expect(branchvalues).toBe("total");
    expect(new Set([ids.length, labels.length, parents.length, values.length]).size).toBe(1);
    expect(new Set(ids).size).toBe(ids.length);
    expect(parents.filter((p) => p === "")).toHaveLength(1);
    expect(ids.length).toBeLessThanOrEqual(300);
    const valueById = new Map(ids.map((id, i) => [id, values[i]!]));
    const childSum = new Map<string, number>();
    parents.forEach((p, i) => {
      if (p === "") return;
      expect(valueById.has(p), `parent ${p} of ${ids[i]}`).toBe(true);
      expect(ids.indexOf(p)).toBeLessThan(i); // parents come first
      expect(values[i]!).toBeLessThanOrEqual(valueById.get(p)!);
      childSum.set(p, (childSum.get(p) ?? 0) + values[i]!);
    });
    for (const [p, sum] of childSum) expect(sum).toBeLessThanOrEqual(valueById.get(p)! * (1 + 1e-9));
    const rootValue = values[parents.indexOf("")]!;
    expect(rootValue).toBeCloseTo(a.busyMs, 6);
    for (const v of values) expect(v).toBeGreaterThanOrEqual(rootValue * 0.005);
    expect(labels).toContain("report (Cell[7], line 2)");
    expect(labels.some((l) => l.endsWith("(node internal)"))).toBe(true);
  });

  it("caps the icicle at maxNodes, keeping every kept node's parent", () => {
    const small = analyseProfile(profile, locator, { flameMaxNodes: 8 }).flame;
    expect(small.ids.length).toBeLessThanOrEqual(8);
    for (const p of small.parents) if (p !== "") expect(small.ids).toContain(p);
  });
});

describe("garbage collection", async () => {
  const CHURN = [
    "(function churn(n) {",
    "  const keep = [];",
    "  let k = 0;",
    "  for (let i = 0; i < n; i++) {",
    '    keep.push({ x: i, y: [i, i + 1], s: "v" + i });',
    "    if (keep.length > 1000) keep.length = 0;",
    "    k += keep.length;",
    "  }",
    "  return k;",
    "})",
  ];
  const churn = compileCell<(n: number) => number>(CHURN);
  const profile = await capture(() => keepBusy(() => churn(200_000), 250));
  const a = analyseProfile(profile, locatorFor(CHURN));

  it("reports time in the garbage collector separately", () => {
    expect(a.gcMs).toBeGreaterThan(0);
    expect(a.gcMs).toBeLessThanOrEqual(a.busyMs);
    expect(a.functions.map((f) => f.name)).not.toContain("(garbage collector)");
    expect(fn(a, "churn").selfMs).toBeGreaterThan(0);
  });
});

describe("idle time", async () => {
  // Idle only shows up while the event loop waits, so sleep inside the profiled window.
  const profile = await capture(() => new Promise((r) => setTimeout(r, 60)));
  const a = analyseProfile(profile, locatorFor([]));

  it("keeps idle out of the percent base and out of the icicle", () => {
    expect(a.idleMs).toBeGreaterThan(0);
    expect(a.busyMs).toBeLessThan(a.sampledMs);
    for (const f of a.functions) expect(f.totalPercent).toBeLessThanOrEqual(100 + 1e-9);
    expect(a.flame.labels).not.toContain("(idle)");
    expect(a.hot).toBeNull(); // no notebook code ran
  });
});

describe("the flame chart of a cell run by the kernel", () => {
  // A synthetic profile of what a kernel's cell looks like: the event loop, the kernel's
  // executor and node:vm above the cell's wrapper, whose top-level code calls the cell's function; an await
  // resumes the cell from the event loop; a kernel handler does work of its own.
  const frame = (functionName: string, url: string, lineNumber = -1, columnNumber = -1) => ({ functionName, scriptId: "0", url, lineNumber, columnNumber });
  const KERNEL = "file:///pkg/dist/kernel";
  const nodes = [
    { id: 1, callFrame: frame("(root)", ""), children: [2, 3, 4, 10] },
    { id: 2, callFrame: frame("(program)", "") },
    { id: 3, callFrame: frame("(garbage collector)", "") },
    { id: 4, callFrame: frame("processTicksAndRejections", "node:internal/process/task_queues", 70, 34), children: [5, 11, 13] },
    { id: 5, callFrame: frame("execute", `${KERNEL}/execute/tslab-adapter.js`, 120, 2), children: [6] },
    { id: 6, callFrame: frame("runInThisContext", "node:vm", 300, 18), children: [7] },
    { id: 7, callFrame: frame("", "cell-7", 0, 0), children: [14] },
    { id: 14, callFrame: frame("", "cell-7", 0, 1), children: [8] },
    { id: 8, callFrame: frame("hot", "cell-7", 1, 10), children: [9] },
    { id: 9, callFrame: frame("sqrt", "") },
    { id: 10, callFrame: frame("(idle)", "") },
    { id: 11, callFrame: frame("", "cell-7", 0, 0), children: [12] },
    { id: 12, callFrame: frame("hot", "cell-7", 1, 10) },
    { id: 13, callFrame: frame("onMessage", `${KERNEL}/pool/pool.js`, 40, 4) },
  ];
  const samples = [...Array(10).fill(8), ...Array(5).fill(9), ...Array(4).fill(12), ...Array(2).fill(14), 2, 3, 3, ...Array(3).fill(13), ...Array(3).fill(10)];
  const profile: CpuProfile = { nodes, startTime: 0, endTime: samples.length * 100, samples, timeDeltas: samples.map(() => 100) };
  const a = analyseProfile(profile, locatorFor(["x", "y", "z"]), { focusCell: "Cell[7]", cellLines: ["x", "y", "z"], kernelDirs: ["/pkg/dist/"] });
  const { ids, labels, parents, values } = a.flame;
  const at = (label: string) => labels.indexOf(label);

  it("is rooted at the cell, without the kernel's frames above it", () => {
    expect(labels[0]).toBe("Cell[7]");
    expect(parents[0]).toBe("");
    expect(values[0]).toBeCloseTo(a.busyMs, 9);
    for (const kernel of ["processTicksAndRejections", "execute", "runInThisContext", "(anonymous)"]) expect(labels.some((l) => l.startsWith(`${kernel} (`))).toBe(false);
    // The cell's top-level code is the root's own time: the root is more than its children.
    const children = values.filter((_, i) => parents[i] === ids[0]).reduce((x, y) => x + y, 0);
    expect(values[0]! - children).toBeCloseTo(0.2, 9);
  });

  it("puts what those frames called under the root, one node per function", () => {
    const hot = at("hot (Cell[7], line 2)");
    expect(labels.filter((l) => l.startsWith("hot ("))).toHaveLength(1);
    expect(parents[hot]).toBe(ids[0]);
    // Both calls of hot, through the wrapper and after the await, with the native code it called.
    expect(values[hot]).toBeCloseTo(1.9, 9);
    expect(parents[at("sqrt (native)")]).toBe(ids[hot]);
    expect(parents[at("(garbage collector)")]).toBe(ids[0]);
  });

  it("keeps a kernel frame that did work of its own", () => {
    const handler = labels.findIndex((l) => l.startsWith("onMessage ("));
    expect(handler).toBeGreaterThan(0);
    expect(parents[handler]).toBe(ids[0]);
    expect(values[handler]).toBeCloseTo(0.3, 9);
    expect(a.functions.find((f) => f.name === "onMessage")?.kernel).toBe(true);
    expect(a.functions.find((f) => f.name === "hot")?.kernel).toBe(false);
  });
});

describe("per-sample durations", () => {
  it("gives sample i the gap to sample i+1 and the last one the mean gap", () => {
    const d = sampleDurations({ startTime: 0, endTime: 100, samples: [1, 1, 1], timeDeltas: [40, 10, 30] });
    expect(d).toEqual([10, 30, 20]);
    expect(sampleDurations({ startTime: 0, endTime: 100, samples: [], timeDeltas: [] })).toEqual([]);
    expect(sampleDurations({ startTime: 0, endTime: 100, samples: [1, 1], timeDeltas: [5, -3] })).toEqual([0, 0]);
  });
});

describe("naming library code", () => {
  it("derives npm package names from node_modules URLs", () => {
    expect(packageNameFromUrl("file:///x/node_modules/@tensorflow/tfjs-core/dist/ops/mat_mul.js")).toBe("@tensorflow/tfjs-core");
    expect(packageNameFromUrl("/x/node_modules/piscina/dist/index.js")).toBe("piscina");
    expect(packageNameFromUrl("file:///x/node_modules/.pnpm/piscina@5.3.2/node_modules/piscina/dist/worker.js")).toBe("piscina");
    expect(packageNameFromUrl("file:///x/node_modules/a/node_modules/@scope/b/index.js")).toBe("@scope/b");
    expect(packageNameFromUrl("file:///x/node_modules/%40tensorflow/tfjs/dist/index.js")).toBe("@tensorflow/tfjs");
    expect(packageNameFromUrl("C:\\x\\node_modules\\zeromq\\lib\\index.js")).toBe("zeromq");
    expect(packageNameFromUrl("file:///x/src/node_modules")).toBeNull();
    expect(packageNameFromUrl("node:fs")).toBeNull();
    expect(packageNameFromUrl("")).toBeNull();
  });

  it("describes node, native and plain files", () => {
    const cwd = path.resolve("/work/project");
    expect(describeUrl("node:internal/util/inspect", cwd)).toEqual({ where: "node (internal)", kind: "node" });
    expect(describeUrl("node:fs", cwd)).toEqual({ where: "node:fs", kind: "node" });
    expect(describeUrl("", cwd)).toEqual({ where: "(native)", kind: "native" });
    expect(describeUrl("file:///x/node_modules/piscina/dist/index.js", cwd)).toEqual({ where: "piscina", kind: "package" });
    expect(describeUrl(pathToFileURL(path.join(cwd, "dist", "kernel", "api.js")).href, cwd)).toEqual({ where: path.join("dist", "kernel", "api.js"), kind: "file" });
    expect(describeUrl(path.join(cwd, "bench", "run.js"), cwd).where).toBe(path.join("bench", "run.js"));
    expect(describeUrl(pathToFileURL(path.resolve("/elsewhere/x.js")).href, cwd).where).toBe(path.resolve("/elsewhere/x.js"));
    expect(describeUrl("evalmachine.<anonymous>", cwd)).toEqual({ where: "evalmachine.<anonymous>", kind: "file" });
  });
});
