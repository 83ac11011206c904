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

export class WorkerProfiling {
  private active: { intervalUs: number; records: WorkerRecord[] } | null = null;

  start(intervalUs: number): void {
    this.active = { intervalUs, records: [] };
  }

  /** Ends the collection and returns what the workers sent. */
  stop(): WorkerRecord[] {
    const records = this.active?.records ?? [];
    this.active = null;
    return records;
  }

  /** The sampling interval workers should profile with now, or undefined when no one profiles. */
  interval(): number | undefined {
    return this.active?.intervalUs;
  }

  record(record: WorkerRecord): void {
    this.active?.records.push(record);
  }
}
