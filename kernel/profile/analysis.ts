// Pure analysis of a V8 CPU profile (node:inspector's `Profiler.stop` result, the `.cpuprofile`
// schema) into what a profiler report shows: per-function self/total time, a line_profiler-style
// table for the profiled cell, an icicle (flame) chart of the call tree and a one-line verdict.
// No I/O: the caller captures the profile and supplies a SourceLocator for notebook code.
import path from "node:path";
import { fileURLToPath } from "node:url";

// ---------------------------------------------------------------------------------------------
// Input: the `.cpuprofile` schema. Optional fields match node:inspector's `Profiler.Profile`, so
// its `Profiler.stop` result can be passed as is.

export interface CallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  /** 0-based; -1 for V8's special and native frames. */
  lineNumber: number;
  /** 0-based; -1 for V8's special and native frames. */
  columnNumber: number;
}

export interface PositionTick {
  /** 1-based line in the script of the node's function (for a native frame: its caller's script). */
  line: number;
  ticks: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
  positionTicks?: PositionTick[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  /** µs */
  startTime: number;
  /** µs */
  endTime: number;
  /** The leaf node id of each sample. */
  samples?: number[];
  /** µs since the previous sample (the first: since startTime). */
  timeDeltas?: number[];
}

export interface SourceLocator {
  /** A frame's script URL and 1-based line/0-based column → where that is in the notebook: the cell label (e.g. "Cell[3]") and 1-based cell line; null when it is not notebook code. */
  locate(url: string, line: number, column: number): { cell: string; line: number } | null;
}

export interface AnalyseOptions {
  /** The profiled cell's label ("Cell[7]"): the per-line table covers it. */
  focusCell?: string;
  /** That cell's source lines, for the table's text column (and its row count). */
  cellLines?: string[];
  /** Base for relative paths of non-package files; defaults to process.cwd(). */
  cwd?: string;
  /** Directories of the kernel's own scripts (its dist/): their frames are the kernel's, like tslab's and Node's. */
  kernelDirs?: readonly string[];
  /** Flame nodes below this fraction of the busy time fold into their parent (default 0.005). */
  flameMinFraction?: number;
  /** At most this many flame nodes (default 300). */
  flameMaxNodes?: number;
}

// ---------------------------------------------------------------------------------------------
// Output.

export type CodeKind = "notebook" | "package" | "node" | "native" | "file";

export interface FunctionStat {
  /** functionName, or "(anonymous)". */
  name: string;
  /** "Cell[3], line 12" | "@tensorflow/tfjs-core" | "node:fs" | "node (internal)" | "(native)" | "src/x.js". */
  where: string;
  kind: CodeKind;
  isNotebook: boolean;
  /** The kernel's own code (its scripts, tslab, Node, native frames), which runs every cell. */
  kernel: boolean;
  /** Notebook definition site (null for other code). */
  cell: string | null;
  line: number | null;
  /** The raw identity the entry merges nodes by. */
  url: string;
  lineNumber: number;
  columnNumber: number;
  /** Samples whose leaf is this function. */
  samples: number;
  selfMs: number;
  /** Inclusive: each sample counts once even when the function recurses. */
  totalMs: number;
  selfPercent: number;
  totalPercent: number;
  /** Notebook functions only: self time plus the library/native time they called into directly or
   * through other non-notebook code (see ProfileAnalysis.lines). 0 for other code. */
  attributedMs: number;
  attributedPercent: number;
}

export interface LineStat {
  /** 1-based cell line. */
  line: number;
  text: string;
  samples: number;
  ms: number;
  percent: number;
  /** The part of `ms` placed here rather than sampled here: time in library/native code called by
   * the function defined on this line (or, for a native callee, called on this line), including
   * library code V8 inlined into it. */
  calleeMs: number;
}

export interface FlameData {
  ids: string[];
  labels: string[];
  /** "" for the root. */
  parents: string[];
  /** Inclusive ms; a parent's value ≥ the sum of its children's. */
  values: number[];
  branchvalues: "total";
}

/** A cell's script runs its wrapper function (line 0, column 0): the wrapper is the cell. */
export const isCellWrapper = (f: Pick<FunctionStat, "isNotebook" | "lineNumber" | "columnNumber">): boolean => f.isNotebook && f.lineNumber === 0 && f.columnNumber === 0;

/** The function the wrapper runs: the cell's top-level code, at its first line. */
export const isCellTopLevel = (f: Pick<FunctionStat, "isNotebook" | "name" | "line">): boolean => f.isNotebook && f.name === "(anonymous)" && f.line === 1;

export interface HotSpot {
  name: string;
  cell: string;
  /** The hottest line inside the function. */
  line: number;
  /** The function's definition line. */
  functionLine: number;
  /** The function's self + attributed time. */
  ms: number;
  percent: number;
  /** Time on `line` alone. */
  lineMs: number;
  linePercent: number;
  /** Where the code it calls lives ("@tensorflow/tfjs-core", "(native)"…) when over half its time
   * was spent there, else null. */
  mostlyIn: string | null;
  /** "82% of CPU in distance() at Cell[3], line 12", plus ", mostly in calls into X" with mostlyIn. */
  summary: string;
}

export interface ProfileAnalysis {
  /** endTime - startTime. */
  totalMs: number;
  /** Sum of the per-sample durations. */
  sampledMs: number;
  sampleCount: number;
  /** sampledMs - idleMs: the base of every percent. */
  busyMs: number;
  idleMs: number;
  gcMs: number;
  /** "(program)" (V8/native work outside JS) plus the rare samples on "(root)" itself. */
  programMs: number;
  /** Special nodes excluded; in profile order. */
  functions: FunctionStat[];
  bySelf: FunctionStat[];
  byTotal: FunctionStat[];
  /** Per-line table of `focusCell` ([] without one). */
  lines: LineStat[];
  flame: FlameData;
  hot: HotSpot | null;
}

// ---------------------------------------------------------------------------------------------
// URL naming.

/** npm package a script URL belongs to (the innermost node_modules entry, so pnpm's
 * `.pnpm/x@1/node_modules/x` gives `x`), or null. */
export function packageNameFromUrl(url: string): string | null {
  const parts = url.replace(/\\/g, "/").split("/");
  const at = parts.lastIndexOf("node_modules");
  if (at < 0) return null;
  const first = safeDecode(parts[at + 1] ?? "");
  if (first === "" || first.startsWith(".")) return null;
  if (!first.startsWith("@")) return first;
  const second = safeDecode(parts[at + 2] ?? "");
  return second === "" ? null : `${first}/${second}`;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Where non-notebook code lives, for the report's "where" column. */
export function describeUrl(url: string, cwd: string = process.cwd()): { where: string; kind: Exclude<CodeKind, "notebook"> } {
  if (url === "") return { where: "(native)", kind: "native" };
  if (url.startsWith("node:")) {
    return url.startsWith("node:internal/") ? { where: "node (internal)", kind: "node" } : { where: url, kind: "node" };
  }
  const pkg = packageNameFromUrl(url);
  if (pkg !== null) return { where: pkg, kind: "package" };
  let file: string | null = null;
  if (url.startsWith("file:")) {
    try {
      file = fileURLToPath(url);
    } catch {
      file = null;
    }
  } else if (path.isAbsolute(url)) {
    file = url;
  }
  if (file === null) return { where: url, kind: "file" };
  const rel = path.relative(cwd, file);
  // Outside cwd a chain of "../" reads worse than the absolute path.
  return { where: rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file, kind: "file" };
}

// ---------------------------------------------------------------------------------------------
// Analysis.

const SPECIAL_NAMES = new Set(["(root)", "(program)", "(idle)", "(garbage collector)"]);

function isSpecial(frame: CallFrame): boolean {
  return frame.url === "" && SPECIAL_NAMES.has(frame.functionName);
}

interface FnAcc {
  stat: Omit<FunctionStat, "selfMs" | "totalMs" | "selfPercent" | "totalPercent" | "attributedMs" | "attributedPercent" | "samples">;
  selfUs: number;
  samples: number;
  totalUs: number;
  attributedUs: number;
  /** "cell\nline" → µs, for the hot spot's line. */
  lineUs: Map<string, number>;
  /** Where the code it calls lives → µs spent below it there. */
  calleeUs: Map<string, number>;
}

interface LineAcc {
  cell: string;
  line: number;
  us: number;
  samples: number;
  calleeUs: number;
}

/** Per-sample durations in µs: sample i lasts until the next one (timeDeltas[i+1]); the last one,
 * having no successor, gets the mean interval. timeDeltas[0] is the gap from startTime to the
 * first sample (profiler start-up) and so is no sample's duration. Negative deltas (V8 can emit
 * out-of-order samples) clamp to 0. */
export function sampleDurations(profile: Pick<CpuProfile, "samples" | "timeDeltas" | "startTime" | "endTime">): number[] {
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const n = samples.length;
  if (n === 0) return [];
  const gaps: number[] = [];
  for (let i = 1; i < n; i++) gaps.push(Math.max(0, deltas[i] ?? 0));
  const mean = gaps.length > 0 ? gaps.reduce((a, b) => a + b, 0) / gaps.length : Math.max(0, profile.endTime - profile.startTime);
  return [...gaps, mean];
}

/** Splits `count` samples and `us` µs over positionTicks lines, in proportion to ticks (which
 * sample hit which line is not recorded, so the per-line time is proportional, not exact).
 * Largest-remainder rounding keeps sample counts integral and summing to `count`. */
function splitByTicks(count: number, us: number, ticks: readonly PositionTick[]): { line: number; samples: number; us: number }[] {
  const total = ticks.reduce((a, t) => a + t.ticks, 0);
  if (total <= 0) return [];
  const shares = ticks.map((t) => {
    const exact = (count * t.ticks) / total;
    return { line: t.line, samples: Math.floor(exact), rest: exact - Math.floor(exact), us: (us * t.ticks) / total };
  });
  let left = count - shares.reduce((a, s) => a + s.samples, 0);
  for (const s of [...shares].sort((a, b) => b.rest - a.rest)) {
    if (left <= 0) break;
    s.samples++;
    left--;
  }
  return shares.map(({ line, samples, us: u }) => ({ line, samples, us: u }));
}

/**
 * Turns a V8 CPU profile into a report's numbers.
 *
 * Attribution of samples to notebook lines (the `lines` table, `attributedMs`, `hot`): each sample
 * belongs to one notebook location at most.
 * - Leaf in notebook code: the leaf node's positionTicks say which lines (mapped through the
 *   locator; column 0). Builtins such as JSON.stringify or Array.prototype.sort have no frame of
 *   their own in V8's profile, so their time already lands here, on the calling line.
 * - Leaf in library/native code: the nearest notebook ancestor frame gets it. V8 does not record
 *   the line a frame called from, so this is the ancestor function's *definition* line, with one
 *   exception: a native (C++) frame called straight from notebook code carries positionTicks in
 *   its caller's script, which do give the call line.
 * - No notebook ancestor (GC, "(program)", idle, library-only stacks): no line. V8 puts
 *   "(garbage collector)" directly under "(root)", so GC is never charged to the allocating code.
 * Time that cannot be put on a sampled line goes to the definition line and is counted in that
 * row's `calleeMs`. That includes ticks V8 reports on a notebook node at lines of library code it
 * inlined there: those lines belong to another script, so the locator (or the check that a line
 * cannot come before the definition) rejects them. An inlined line that happens to fall inside
 * the cell cannot be told apart.
 */
export function analyseProfile(profile: CpuProfile, locator: SourceLocator, options: AnalyseOptions = {}): ProfileAnalysis {
  const cwd = options.cwd ?? process.cwd();
  const kernelDirs = options.kernelDirs ?? [];
  const isKernel = (url: string, other: ReturnType<typeof describeUrl>): boolean =>
    other.kind === "node" || other.kind === "native" || other.where === "tslab" || kernelDirs.some((d) => url.replace(/^file:\/\//, "").startsWith(d));
  const nodes = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) nodes.set(node.id, node);
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const locateCache = new Map<string, { cell: string; line: number } | null>();
  const locate = (url: string, line: number, column: number): { cell: string; line: number } | null => {
    if (url === "" || line < 1) return null;
    const key = `${url}\n${line}\n${column}`;
    let hit = locateCache.get(key);
    if (hit === undefined) {
      hit = locator.locate(url, line, column);
      locateCache.set(key, hit);
    }
    return hit;
  };

  // Self time per node, from the sample stream.
  const samples = profile.samples ?? [];
  const durations = sampleDurations(profile);
  const selfUs = new Map<number, number>();
  const selfCount = new Map<number, number>();
  let sampledUs = 0;
  samples.forEach((id, i) => {
    const d = durations[i] ?? 0;
    sampledUs += d;
    selfUs.set(id, (selfUs.get(id) ?? 0) + d);
    selfCount.set(id, (selfCount.get(id) ?? 0) + 1);
  });

  let idleUs = 0;
  let gcUs = 0;
  let programUs = 0;
  for (const [id, us] of selfUs) {
    const frame = nodes.get(id)?.callFrame;
    if (frame === undefined || !isSpecial(frame)) continue;
    if (frame.functionName === "(idle)") idleUs += us;
    else if (frame.functionName === "(garbage collector)") gcUs += us;
    else programUs += us;
  }
  const busyUs = Math.max(0, sampledUs - idleUs);
  const pct = (us: number): number => (busyUs > 0 ? (100 * us) / busyUs : 0);

  // One accumulator per function identity (url + line + column + name).
  const fns = new Map<string, FnAcc>();
  const fnOfNode = new Map<number, FnAcc>();
  const defOfNode = new Map<number, { cell: string; line: number } | null>();
  for (const node of profile.nodes) {
    const f = node.callFrame;
    if (isSpecial(f)) continue;
    const def = locate(f.url, f.lineNumber + 1, f.columnNumber);
    defOfNode.set(node.id, def);
    const key = `${f.url}\n${f.lineNumber}\n${f.columnNumber}\n${f.functionName}`;
    let acc = fns.get(key);
    if (acc === undefined) {
      const other = def === null ? describeUrl(f.url, cwd) : null;
      acc = {
        stat: {
          name: f.functionName === "" ? "(anonymous)" : f.functionName,
          where: def !== null ? `${def.cell}, line ${def.line}` : other!.where,
          kind: def !== null ? "notebook" : other!.kind,
          isNotebook: def !== null,
          kernel: other !== null && isKernel(f.url, other),
          cell: def?.cell ?? null,
          line: def?.line ?? null,
          url: f.url,
          lineNumber: f.lineNumber,
          columnNumber: f.columnNumber,
        },
        selfUs: 0,
        samples: 0,
        totalUs: 0,
        attributedUs: 0,
        lineUs: new Map(),
        calleeUs: new Map(),
      };
      fns.set(key, acc);
    }
    fnOfNode.set(node.id, acc);
  }

  const lineAccs = new Map<string, LineAcc>();
  const addLine = (fn: FnAcc, loc: { cell: string; line: number }, us: number, count: number, callee: boolean): void => {
    const key = `${loc.cell}\n${loc.line}`;
    let acc = lineAccs.get(key);
    if (acc === undefined) {
      acc = { cell: loc.cell, line: loc.line, us: 0, samples: 0, calleeUs: 0 };
      lineAccs.set(key, acc);
    }
    acc.us += us;
    acc.samples += count;
    if (callee) acc.calleeUs += us;
    fn.attributedUs += us;
    fn.lineUs.set(key, (fn.lineUs.get(key) ?? 0) + us);
  };

  for (const [id, us] of selfUs) {
    const fn = fnOfNode.get(id);
    if (fn === undefined) continue; // special node
    const count = selfCount.get(id) ?? 0;
    fn.selfUs += us;
    fn.samples += count;

    // Inclusive time: each distinct function on the stack once, so recursion is not double counted.
    const seen = new Set<FnAcc>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = fnOfNode.get(at);
      if (f !== undefined && !seen.has(f)) {
        seen.add(f);
        f.totalUs += us;
      }
    }

    // Attribution to a notebook location (see the doc comment above).
    let target: number | undefined = id;
    let below: number | undefined; // the frame the notebook function called, on this stack
    while (target !== undefined && (defOfNode.get(target) ?? null) === null) {
      below = target;
      target = parent.get(target);
    }
    if (target === undefined) continue;
    const owner = fnOfNode.get(target)!;
    const def = defOfNode.get(target)!;
    const node = nodes.get(id)!;
    const targetFrame = nodes.get(target)!.callFrame;
    const ownLeaf = target === id;
    // A native frame's positionTicks are lines of its caller's script; usable only when that
    // caller is the notebook frame itself.
    const ticksUsable = ownLeaf || (node.callFrame.url === "" && below === id);
    let placedUs = 0;
    let placedCount = 0;
    if (ticksUsable) {
      for (const part of splitByTicks(count, us, node.positionTicks ?? [])) {
        // V8 can report lines of code it inlined into the function (another script's lines) as
        // the function's own; a line before the definition cannot be the function's, and a
        // locator returns null for lines its cell does not have.
        if (part.line < targetFrame.lineNumber + 1) continue;
        const loc = locate(targetFrame.url, part.line, 0);
        if (loc === null) continue;
        addLine(owner, loc, part.us, part.samples, !ownLeaf);
        placedUs += part.us;
        placedCount += part.samples;
      }
    }
    const restUs = Math.max(0, us - placedUs);
    const restCount = Math.max(0, count - placedCount);
    if (restUs > 0 || restCount > 0) addLine(owner, def, restUs, restCount, true);
    if (below !== undefined) {
      const where = fnOfNode.get(below)?.stat.where ?? "(native)";
      owner.calleeUs.set(where, (owner.calleeUs.get(where) ?? 0) + us);
    }
  }

  const ms = (us: number): number => us / 1000;
  const functions: FunctionStat[] = [...fns.values()].map((f) => ({
    ...f.stat,
    samples: f.samples,
    selfMs: ms(f.selfUs),
    totalMs: ms(f.totalUs),
    selfPercent: pct(f.selfUs),
    totalPercent: pct(f.totalUs),
    attributedMs: ms(f.attributedUs),
    attributedPercent: pct(f.attributedUs),
  }));
  const byName = (a: FunctionStat, b: FunctionStat): number => a.name.localeCompare(b.name) || a.where.localeCompare(b.where);
  const bySelf = functions.filter((f) => f.samples > 0).sort((a, b) => b.selfMs - a.selfMs || byName(a, b));
  const byTotal = functions.filter((f) => f.totalMs > 0).sort((a, b) => b.totalMs - a.totalMs || byName(a, b));

  // Per-line table of the focus cell: every source line, plus any sampled line past the end.
  const lines: LineStat[] = [];
  if (options.focusCell !== undefined) {
    const cellLines = options.cellLines ?? [];
    const hits = [...lineAccs.values()].filter((l) => l.cell === options.focusCell);
    const count = Math.max(cellLines.length, ...hits.map((l) => l.line));
    const byLine = new Map(hits.map((l) => [l.line, l]));
    for (let line = 1; line <= count; line++) {
      const l = byLine.get(line);
      lines.push({
        line,
        text: cellLines[line - 1] ?? "",
        samples: l?.samples ?? 0,
        ms: ms(l?.us ?? 0),
        percent: pct(l?.us ?? 0),
        calleeMs: ms(l?.calleeUs ?? 0),
      });
    }
  }

  // Hottest notebook function by self + attributed time, and its hottest line.
  let hot: HotSpot | null = null;
  const best = [...fns.values()].filter((f) => f.stat.isNotebook && f.attributedUs > 0).sort((a, b) => b.attributedUs - a.attributedUs)[0];
  if (best !== undefined) {
    const [lineKey, lineUs] = [...best.lineUs].sort((a, b) => b[1] - a[1])[0]!;
    const [cell, line] = lineKey.split("\n") as [string, string];
    const percent = pct(best.attributedUs);
    const what = best.stat.name === "(anonymous)" ? "anonymous code" : `${best.stat.name}()`;
    // When its callees took most of the time, the line alone would mislead: name them.
    const callees = [...best.calleeUs].sort((a, b) => b[1] - a[1]);
    const calleeTotal = callees.reduce((a, [, us]) => a + us, 0);
    const mostlyIn = calleeTotal * 2 > best.attributedUs ? callees[0]![0] : null;
    const calleePhrase = mostlyIn === null ? "" : `, mostly in calls into ${mostlyIn === "(native)" ? "native code" : mostlyIn === "node (internal)" ? "Node internals" : mostlyIn}`;
    hot = {
      name: best.stat.name,
      cell,
      line: Number(line),
      functionLine: best.stat.line!,
      ms: ms(best.attributedUs),
      percent,
      lineMs: ms(lineUs),
      linePercent: pct(lineUs),
      mostlyIn,
      summary: `${formatPercent(percent)} of CPU in ${what} at ${cell}, line ${line}${calleePhrase}`,
    };
  }

  return {
    totalMs: ms(profile.endTime - profile.startTime),
    sampledMs: ms(sampledUs),
    sampleCount: samples.length,
    busyMs: ms(busyUs),
    idleMs: ms(idleUs),
    gcMs: ms(gcUs),
    programMs: ms(programUs),
    functions,
    bySelf,
    byTotal,
    lines,
    flame: buildFlame(profile, nodes, selfUs, fnOfNode, {
      minFraction: options.flameMinFraction ?? 0.005,
      maxNodes: options.flameMaxNodes ?? 300,
      rootCell: options.focusCell ?? null,
    }),
    hot,
  };
}

/** "82%", "4.5%", "0.3%": whole numbers once the first digit is not the interesting one. */
function formatPercent(p: number): string {
  return p >= 10 ? `${Math.round(p)}%` : `${p.toFixed(1)}%`;
}

function flameLabel(node: ProfileNode, fn: FnAcc | undefined): string {
  if (fn === undefined) return node.callFrame.functionName; // special nodes: "(garbage collector)"
  const where = fn.stat.where.replace(/^\((.*)\)$/, "$1").replace(" (internal)", " internal");
  return `${fn.stat.name} (${where})`;
}

/**
 * Icicle data of the call tree (idle excluded), rooted at the cell: the kernel's frames that only
 * lead to the cell (the executor, vm, tslab, the event loop) are left out, as the tables leave
 * them out, the cell's wrapper and top-level code are the root itself, and what they called
 * moves up to the root; the same function reached through several of them is one node. Nodes under `minFraction` of the root fold into
 * their parent (its inclusive value already holds them), then the `maxNodes` largest are kept:
 * ordering by value, ties by depth, keeps every kept node's ancestors, since a node's inclusive
 * value never exceeds its parent's.
 */
function buildFlame(
  profile: CpuProfile,
  nodes: Map<number, ProfileNode>,
  selfUs: Map<number, number>,
  fnOfNode: Map<number, FnAcc>,
  limits: { minFraction: number; maxNodes: number; rootCell: string | null },
): FlameData {
  const empty: FlameData = { ids: [], labels: [], parents: [], values: [], branchvalues: "total" };
  const childOf = new Set<number>();
  for (const node of profile.nodes) for (const c of node.children ?? []) childOf.add(c);
  const root = profile.nodes.find((n) => !childOf.has(n.id));
  if (root === undefined) return empty;

  const isIdle = (n: ProfileNode): boolean => n.callFrame.url === "" && n.callFrame.functionName === "(idle)";
  // Iterative pre-order, parents first (profiles of deep recursion can be deeper than the JS stack allows).
  const order: { node: ProfileNode; parent: number | null }[] = [];
  const stack: { node: ProfileNode; parent: number | null }[] = [{ node: root, parent: null }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    order.push(item);
    for (const c of item.node.children ?? []) {
      const child = nodes.get(c);
      if (child !== undefined && !isIdle(child)) stack.push({ node: child, parent: item.node.id });
    }
  }
  const inclusive = new Map<number, number>();
  for (let i = order.length - 1; i >= 0; i--) {
    const { node, parent } = order[i]!;
    const value = (inclusive.get(node.id) ?? 0) + (selfUs.get(node.id) ?? 0);
    inclusive.set(node.id, value);
    if (parent !== null) inclusive.set(parent, (inclusive.get(parent) ?? 0) + value);
  }

  // The chart's tree: each profile node maps to a chart node (a left-out one to its parent's).
  const chart: { parent: number | null; label: string; depth: number; selfUs: number; children: number[] }[] = [
    { parent: null, label: limits.rootCell ?? "(root)", depth: 0, selfUs: 0, children: [] },
  ];
  const chartOf = new Map<number, number>();
  const underNotebook = new Map<number, boolean>();
  const cellNodes = new Set<number>();
  const byIdentity = new Map<string, number>();
  const identities = new Map<FnAcc, number>();
  for (const { node, parent } of order) {
    const own = selfUs.get(node.id) ?? 0;
    if (parent === null) {
      chartOf.set(node.id, 0);
      underNotebook.set(node.id, false);
      chart[0]!.selfUs += own;
      continue;
    }
    const fn = fnOfNode.get(node.id);
    const into = chartOf.get(parent)!;
    // Below notebook code (other than the cell itself) every frame is the cell's work.
    const under = underNotebook.get(parent)! || ((fnOfNode.get(parent)?.stat.isNotebook ?? false) && !cellNodes.has(parent));
    underNotebook.set(node.id, under);
    // The root is the cell: its wrapper and its top-level code are the root, their time its own.
    const isCell = !under && fn !== undefined && (isCellWrapper(fn.stat) || (fn.stat.cell === limits.rootCell && isCellTopLevel(fn.stat)));
    if (isCell) cellNodes.add(node.id);
    const leftOut = isCell || (!under && fn !== undefined && fn.stat.kernel && own < 0.01 * inclusive.get(node.id)!);
    let at = into;
    if (!leftOut) {
      if (fn !== undefined && !identities.has(fn)) identities.set(fn, identities.size);
      const key = `${into}\n${fn === undefined ? node.callFrame.functionName : identities.get(fn)}`;
      let found = byIdentity.get(key);
      if (found === undefined) {
        found = chart.length;
        chart.push({ parent: into, label: flameLabel(node, fn), depth: chart[into]!.depth + 1, selfUs: 0, children: [] });
        chart[into]!.children.push(found);
        byIdentity.set(key, found);
      }
      at = found;
    }
    chartOf.set(node.id, at);
    chart[at]!.selfUs += own;
  }
  // Children come after their parents, so one backward pass sums the inclusive values.
  const value = chart.map((c) => c.selfUs);
  for (let i = chart.length - 1; i > 0; i--) value[chart[i]!.parent!]! += value[i]!;
  const rootUs = value[0]!;
  if (rootUs <= 0) return empty;

  const threshold = rootUs * limits.minFraction;
  const kept = new Set<number>([0]);
  for (let i = 1; i < chart.length; i++) if (kept.has(chart[i]!.parent!) && value[i]! > 0 && value[i]! >= threshold) kept.add(i);
  const chosen = new Set([...kept].sort((a, b) => value[b]! - value[a]! || chart[a]!.depth - chart[b]!.depth).slice(0, Math.max(1, limits.maxNodes)));

  const out = empty;
  const visit: number[] = [0];
  while (visit.length > 0) {
    const i = visit.pop()!;
    const c = chart[i]!;
    out.ids.push(String(i));
    out.labels.push(c.label);
    out.parents.push(c.parent === null ? "" : String(c.parent));
    out.values.push(value[i]! / 1000);
    // Largest child first in the output; push in reverse so it pops first.
    for (const child of c.children.filter((x) => chosen.has(x)).sort((a, b) => value[a]! - value[b]!)) visit.push(child);
  }
  return out;
}
