// Where the time went, in one sentence, and the next step: the course's first best practice is
// "identify the bottleneck, then parallelize", so the verdict names the bottleneck and, when it
// is code on the main thread, the speed-up Amdahl's law allows on this machine's cores.
import type { HotSpot, ProfileAnalysis } from "./analysis.js";
import type { ProfileRecord } from "./session.js";
import type { WorkerSummary } from "./workers.js";

export type Bottleneck = "main-thread CPU" | "garbage collection" | "waiting on workers" | "tensor kernels" | "idle / I/O";

export interface Verdict {
  bottleneck: Bottleneck;
  /** Share of the wall time per category (0–1). */
  shares: Record<Bottleneck, number>;
  text: string;
}

/** Amdahl's law: the speed-up of a run whose parallel fraction p runs on n cores. */
export function amdahl(p: number, n: number): number {
  return 1 / (1 - p + p / n);
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** The share of GC time from which the verdict is "allocate less". */
const GC_FIRST = 0.25;

/** "hotSum() at Cell[3], line 3", or for code that is not a named function, what it is. */
function describeHot(hot: HotSpot): string {
  if (hot.name !== "(anonymous)") return `${hot.name}() at ${hot.cell}, line ${hot.line}`;
  return hot.functionLine === 1 ? `the code at ${hot.cell}, line ${hot.line}` : `the function at ${hot.cell}, line ${hot.line}`;
}

export function verdict(record: ProfileRecord, main: ProfileAnalysis, workers: WorkerSummary | null): Verdict {
  const wall = Math.max(record.stats.wallMs, 1e-6);
  const gcMs = Math.max(main.gcMs, record.stats.gc.ms);
  const tensorMs = (record.tensors ?? []).reduce((sum, k) => sum + k.ms, 0);
  const mainCpuMs = Math.max(0, main.busyMs - main.gcMs - tensorMs);
  // While workers ran, an idle main thread was waiting for them.
  const waitingMs = workers ? Math.min(main.idleMs, workers.wallMs) : 0;
  const shares: Record<Bottleneck, number> = {
    "main-thread CPU": mainCpuMs / wall,
    "garbage collection": gcMs / wall,
    "waiting on workers": waitingMs / wall,
    "tensor kernels": tensorMs / wall,
    "idle / I/O": Math.max(0, main.idleMs - waitingMs) / wall,
  };
  // Collection time beyond a quarter of the run is the first thing to fix even when the
  // allocating code itself takes more: that code's CPU is mostly the allocating.
  const bottleneck = shares["garbage collection"] >= GC_FIRST ? "garbage collection" : (Object.entries(shares) as [Bottleneck, number][]).sort((a, b) => b[1] - a[1])[0]![0];
  return { bottleneck, shares, text: advice(bottleneck, shares, record, main.hot, workers, gcMs) };
}

function advice(bottleneck: Bottleneck, shares: Record<Bottleneck, number>, record: ProfileRecord, hot: HotSpot | null, workers: WorkerSummary | null, gcMs: number): string {
  const cores = record.cores;
  switch (bottleneck) {
    case "main-thread CPU": {
      if (!hot) return `${pct(shares["main-thread CPU"])} of the time is CPU on the main thread, in library code rather than the notebook's: look at the top functions below.`;
      const p = Math.min(1, hot.ms / record.stats.wallMs);
      const where = describeHot(hot);
      return (
        `${hot.percent.toFixed(0)}% of CPU in \`${where}\` on the main thread${hot.mostlyIn ? ` (${hot.mostlyIn})` : ""}: move this loop into \`parallel.map\` (or a \`%%workers\` cell). ` +
        `It is ${pct(p)} of the run, so on this machine's ${cores} cores Amdahl's law allows at most ${amdahl(p, cores).toFixed(2)}× (1 / (${(1 - p).toFixed(2)} + ${p.toFixed(2)}/${cores})).`
      );
    }
    case "garbage collection":
      return `Garbage collection took ${pct(shares["garbage collection"])} of the time (${gcMs.toFixed(0)} ms in ${record.stats.gc.count} collections): the code allocates many short-lived objects. Reuse buffers (typed arrays) and avoid temporary arrays and objects in the hot loop${hot ? ` (${describeHot(hot)})` : ""}.`;
    case "waiting on workers": {
      if (!workers) return "The main thread waited for worker threads most of the time.";
      const parallel = `The main thread waited on ${workers.count} worker${workers.count === 1 ? "" : "s"} for ${pct(shares["waiting on workers"])} of the time; pool utilization ${pct(workers.utilization)}, imbalance ${pct(workers.imbalance)}`;
      if (workers.imbalance > 0.2) return `${parallel}: the work is split unevenly. Use smaller chunks (chunkSize) so that the dynamic scheduling can even it out, or split the slow items.`;
      if (workers.count < cores) return `${parallel}: more workers would help (\`%workers ${cores}\`: this machine has ${cores} cores).`;
      const p = workers.busyMs / (workers.busyMs + Math.max(0, record.stats.wallMs - workers.wallMs));
      return `${parallel}: the workers are busy and even, so the parallel part is as fast as these ${cores} cores allow (parallel fraction ${pct(p)}, Amdahl's limit ${amdahl(p, cores).toFixed(2)}×). Speed up the work per item, or move the remaining serial part off the main thread.`;
    }
    case "tensor kernels": {
      const top = record.tensors?.[0];
      return `tfjs kernels took ${pct(shares["tensor kernels"])} of the time${top ? `, most in ${top.name} (${top.ms.toFixed(1)} ms over ${top.calls} calls)` : ""}: check the backend with %gpu (a GPU, or wasm with the OpenBLAS matMul, is much faster than cpu), and batch small ops into larger ones.`;
    }
    case "idle / I/O":
      return `The main thread was idle for ${pct(shares["idle / I/O"])} of the time (waiting for I/O, timers or promises): CPU is not the bottleneck here.`;
  }
}
