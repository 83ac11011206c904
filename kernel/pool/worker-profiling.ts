// While %%profile runs, worker threads profile themselves too: pool workers per task, ranks per
// cell. They send back their CPU profile and busy time, collected here for the report.
import type { CpuProfile } from "../profile/sampler.js";

export interface WorkerRecord {
  kind: "pool" | "rank";
  /** The worker's threadId. */
  thread: number;
  rank?: number;
  /** Time the worker spent running the task or the rank's body. */
  busyMs: number;
  profile?: CpuProfile;
}

let active: { intervalUs: number; records: WorkerRecord[] } | null = null;

export function startWorkerProfiling(intervalUs: number): void {
  active = { intervalUs, records: [] };
}

/** Ends the collection and returns what the workers sent. */
export function stopWorkerProfiling(): WorkerRecord[] {
  const records = active?.records ?? [];
  active = null;
  return records;
}

/** The sampling interval workers should profile with now, or undefined when no one profiles. */
export function workerProfileInterval(): number | undefined {
  return active?.intervalUs;
}

export function recordWorker(record: WorkerRecord): void {
  active?.records.push(record);
}
