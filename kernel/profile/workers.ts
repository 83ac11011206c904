// The worker side of a profile: busy time per pool worker or rank, utilization, imbalance, and
// each one's own hottest code (from its own CPU profile).
import type { WorkerRecord } from "../pool/worker-profiling.js";
import { analyseProfile, type FunctionStat, type HotSpot, type SourceLocator } from "./analysis.js";

export interface WorkerRow {
  label: string;
  busyMs: number;
  tasks: number;
  hot: HotSpot | null;
  top: FunctionStat[];
}

export interface WorkerSummary {
  count: number;
  /** The longest a worker was busy: how long the parallel part took. */
  wallMs: number;
  busyMs: number;
  /** Busy time over (workers × the profiled run's wall time). */
  utilization: number;
  /** The busiest worker over the mean, minus one: 0 is perfectly even. */
  imbalance: number;
  rows: WorkerRow[];
}

export function summariseWorkers(records: WorkerRecord[], wallMs: number, locator: SourceLocator): WorkerSummary | null {
  if (records.length === 0) return null;
  const byWorker = new Map<string, WorkerRecord[]>();
  for (const r of records) {
    const label = r.kind === "rank" ? `rank ${r.rank}` : `worker ${r.thread}`;
    byWorker.set(label, [...(byWorker.get(label) ?? []), r]);
  }
  const rows: WorkerRow[] = [...byWorker].map(([label, list]) => {
    // A worker's tasks of one call: merge their profiles' findings by taking the busiest one's.
    const profiled = list.filter((r) => r.profile).sort((a, b) => b.busyMs - a.busyMs)[0];
    const analysis = profiled?.profile ? analyseProfile(profiled.profile, locator) : null;
    return { label, busyMs: list.reduce((s, r) => s + r.busyMs, 0), tasks: list.length, hot: analysis?.hot ?? null, top: analysis?.bySelf.slice(0, 3) ?? [] };
  });
  rows.sort((a, b) => a.label.localeCompare(b.label, undefined, { numeric: true }));
  const busy = rows.map((r) => r.busyMs);
  const total = busy.reduce((a, b) => a + b, 0);
  const mean = total / rows.length;
  return {
    count: rows.length,
    wallMs: Math.max(...busy),
    busyMs: total,
    utilization: Math.min(1, total / (rows.length * Math.max(wallMs, 1e-6))),
    imbalance: mean > 0 ? Math.max(...busy) / mean - 1 : 0,
    rows,
  };
}
