// Runs code under the profilers: V8's sampler on the main thread, the workers' own samplers
// (pool tasks and %%workers ranks), run statistics and, when the cell uses tensors, tf.profile.
// A run that throws still yields its profile, with the error.
import type { CodeClock } from "../execute/code-clock.js";
import { defaultThreads } from "../pool/pool.js";
import type { WorkerProfiling, WorkerRecord } from "../pool/worker-profiling.js";
import { type Tf, tfLoaded } from "../tensors/tfjs.js";
import { RunStatsRecorder, type RunStats } from "./run-stats.js";
import { CpuSampler, type CpuProfile } from "./sampler.js";
import { type ErrorKind, kindOf, ParallabError } from "../../common/errors.js";

export interface TensorKernelTime {
  name: string;
  calls: number;
  ms: number;
}

export interface ProfileRecord {
  /** What ran: "Cell[5]" or the statement of %profile. */
  subject: string;
  /** The cell label whose lines the per-line table shows, when it is a cell. */
  cell: string | null;
  intervalUs: number;
  stats: RunStats;
  main: CpuProfile;
  workers: WorkerRecord[];
  /** Threads of the pool, and of this machine. */
  threads: number;
  cores: number;
  /** tfjs kernels by time, when the code used tensors. */
  tensors: TensorKernelTime[] | null;
  /** Set when the code threw (the profile covers the run up to the error). */
  failed: boolean;
}

export interface ProfileOptions {
  intervalUs: number;
  subject: string;
  cell: string | null;
  /** Whether the code may use tensors (then tf.profile times its kernels). */
  usesTensors: boolean;
  /** Start when the cell's own code starts (after it compiled), rather than at once. */
  atUserCode: boolean;
}

/**
 * Runs `run` profiled; `failed(result)` says whether its outcome is an error. The record is null
 * when the code never started (it did not compile).
 */
/** What a profiled run needs from the kernel session. */
export interface ProfilingContext {
  clock: CodeClock;
  profiling: WorkerProfiling;
  pool: { readonly threads: number };
  tensors: { ready(): Promise<Tf> };
}

export async function profileRun<T>(kernel: ProfilingContext, run: () => Promise<T>, options: ProfileOptions, failed: (result: T) => boolean): Promise<{ result: T; record: ProfileRecord | null }> {
  const tf = options.usesTensors || tfLoaded() ? await kernel.tensors.ready() : null;
  const sampler = new CpuSampler({ keepWarm: true });
  let stats: RunStatsRecorder | null = null;
  const begin = () => {
    sampler.startNow(options.intervalUs);
    // After the profiler: its first start in a kernel takes a moment that is not the run's.
    stats = new RunStatsRecorder();
  };
  kernel.profiling.start(options.intervalUs);
  let cancel = () => {};
  if (options.atUserCode) cancel = kernel.clock.atUserCodeStart(begin);
  else begin();
  let result!: T;
  let tensors: TensorKernelTime[] | null = null;
  let thrown: { error: unknown } | null = null;
  try {
    if (tf) {
      const info = await tf.profile(async () => {
        result = await run();
        return [];
      });
      const byName = new Map<string, TensorKernelTime>();
      for (const k of info.kernels) {
        const entry = byName.get(k.name) ?? { name: k.name, calls: 0, ms: 0 };
        entry.calls++;
        entry.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
        byName.set(k.name, entry);
      }
      tensors = [...byName.values()].sort((a, b) => b.ms - a.ms);
    } else result = await run();
  } catch (error) {
    thrown = { error };
  }
  cancel();
  const workers = kernel.profiling.stop();
  if (!sampler.running || !stats) {
    if (thrown) throw thrown.error;
    return { result, record: null };
  }
  // Finished before the profiler stops: stopping serialises the profile, which is not the run's time.
  const runStats = await (stats as RunStatsRecorder).finish();
  const main = await sampler.stop();
  const record: ProfileRecord = {
    subject: options.subject,
    cell: options.cell,
    intervalUs: options.intervalUs,
    stats: runStats,
    main,
    workers,
    threads: kernel.pool.threads,
    cores: defaultThreads(),
    tensors,
    failed: thrown !== null || failed(result),
  };
  if (thrown) throw Object.assign(new ProfiledError(thrown.error), { record });
  return { result, record };
}

/** An error thrown by profiled code, carrying the profile up to the error. */
export class ProfiledError extends ParallabError {
  override name = "ProfiledError";
  /** The kind of what the profiled code threw: its own for a ParallabError, else "cell". */
  override readonly kind: ErrorKind;
  record!: ProfileRecord;
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.kind = kindOf(cause) ?? "cell";
  }
}
