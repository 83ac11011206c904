import type { CpuProfile } from "../profile/sampler.js";

/** One task of a parallel.map / parallel.reduce, as sent to a worker thread. */
export interface HelperFunction {
  name: string;
  source: string;
}

export interface ChunkTask {
  /** The function's source (compiled JavaScript), compiled once per worker. */
  source: string;
  /** Values the function needs from the notebook, by name (`with`). */
  values: Record<string, unknown>;
  /** Functions passed in `with`, declared as constants next to the function (source, not a copy). */
  helpers: HelperFunction[];
  /** The names of `values` the function assigns to (variables; the others are constants). */
  writtenNames: string[];
  mode: "map" | "reduce";
  /** Index of the first of `items` in the whole input. */
  offset: number;
  /**
   * The items this task may run: one chunk (pushed), or the whole input (pulled from a work
   * queue). A count means "the indices offset … offset+count-1".
   */
  items: unknown[] | ArrayLike<unknown> | { count: number };
  /** For a SharedArrayBuffer-backed input: the whole array, and the task's range in it. */
  shared?: { array: ArrayLike<unknown>; start: number; end: number };
  /** Set when the task claims ranges of the input from a shared work queue (schedule.ts). */
  queue?: { buffer: SharedArrayBuffer; total: number; chunkSize: number; slot: number };
  /** Set while %%profile runs: the worker samples its CPU at this interval (µs) during the task. */
  profileIntervalUs?: number;
  /** reduce: the accumulator each chunk starts from. */
  init?: unknown;
  /**
   * Identifies the `with` values when they are all primitives or shared memory, which a copy
   * cannot tell apart from the original: a worker then reuses the function it bound for an
   * earlier call with the same key, whose code V8 has already optimised for those values.
   */
  valuesKey: string | null;
  /** Which parallel call this task belongs to: its workers' output is routed to that call. */
  call: string;
  /** Where the function is in its cell's script, so that its stack frames name the cell. */
  origin?: { filename: string; line: number; column: number } | null;
}

/** Worker output travels on this channel, tagged with the call it belongs to. */
export const OUTPUT_CHANNEL = "parallab:pool-output";

export interface WorkerOutput {
  call: string;
  name: "stdout" | "stderr";
  text: string;
}

/** The outcome of one chunk: the items from `start` on. */
export interface ChunkPart {
  start: number;
  results?: unknown[];
  accumulator?: unknown;
}

export interface ChunkResult {
  parts: ChunkPart[];
  /** The worker that ran the task, and how long it took there. */
  thread: number;
  busyMs: number;
  /** The worker's CPU profile of the task, when it was asked for one. */
  profile?: CpuProfile;
  /** Output messages the task sent: the caller waits for them before it returns. */
  outputs: number;
}
