// How a parallel call's items reach the workers, and its parts come back in input order.
//   queue: one task per thread; the workers claim ranges from a shared counter (schedule.ts),
//          for counts, shared arrays and inputs small enough to copy to every thread.
//   push:  one task per chunk, each with a copy of its own items (large plain inputs, which
//          are better copied once than once per thread).
import { withValuesAsLocals } from "./free-identifiers.js";
import { workerResourceLimits } from "./limits.js";
import type { PoolContext } from "./context.js";
import type { WorkerPool } from "./pool.js";
import { ProgressBar } from "./progress.js";
import { isTypedArray, type TypedArray } from "../spmd/typed-arrays.js";
import { createWorkQueue, currentRange, itemsDone, stop } from "./schedule.js";
import type { ChunkPart, ChunkResult, ChunkTask } from "./task.js";
import { valuesKey } from "./values-key.js";
import { explainCloneError } from "./with-values.js";

export type Items<T> = readonly T[] | ArrayLike<T> | number;

export interface DispatchOptions {
  chunkSize?: number;
  progress?: boolean;
}

/** The call's task, before it is split: the function, its values and the fold's start. */
export type CallTask = Pick<ChunkTask, "source" | "values" | "helpers" | "mode" | "init">;

/** Plain inputs up to this many items (or bytes, for typed arrays) are copied to every thread. */
const COPY_TO_EVERY_THREAD_ITEMS = 4096;
const COPY_TO_EVERY_THREAD_BYTES = 1 << 20;
/**
 * Automatic chunks per thread: claims are cheap, so many for a map (the last chunk bounds the
 * imbalance); fewer for a reduce, whose partial results the main thread combines.
 */
const QUEUE_CHUNKS_PER_THREAD = { map: 32, reduce: 8 };
/** With one message per chunk, fewer. */
const PUSH_CHUNKS_PER_THREAD = 8;
const PROGRESS_POLL_MS = 100;

function isSharedTypedArray(items: unknown): items is TypedArray {
  return isTypedArray(items) && items.buffer instanceof SharedArrayBuffer;
}

function countOf(items: Items<unknown>): number {
  if (typeof items === "number") {
    if (!Number.isInteger(items) || items < 0) throw new TypeError(`parallel: a count of items must be a whole number ≥ 0, got ${items}`);
    return items;
  }
  if (items === null || typeof items !== "object" || typeof items.length !== "number") throw new TypeError("parallel: items must be an array, a typed array or a count");
  return items.length;
}

function usesQueue(items: Items<unknown>): boolean {
  if (typeof items === "number" || isSharedTypedArray(items)) return true;
  if (ArrayBuffer.isView(items)) return items.byteLength <= COPY_TO_EVERY_THREAD_BYTES;
  return items.length <= COPY_TO_EVERY_THREAD_ITEMS;
}

function chunkSizeFor(n: number, chunkSize: number | undefined, perThread: number, threads: number): number {
  const size = chunkSize ?? Math.max(1, Math.ceil(n / (threads * perThread)));
  if (!Number.isInteger(size) || size < 1) throw new TypeError(`parallel: chunkSize must be a whole number ≥ 1, got ${chunkSize}`);
  return size;
}

/** The whole input as a task carries it to every thread. */
function wholeInput(items: Items<unknown>, n: number): Pick<ChunkTask, "items" | "shared"> {
  if (typeof items === "number") return { items: { count: n } };
  if (isSharedTypedArray(items)) return { items: [], shared: { array: items, start: 0, end: n } };
  return { items: ArrayBuffer.isView(items) ? items : Array.prototype.slice.call(items) };
}

/** Items [start, end) as a task of their own (a copy; typed array copies are moved, not copied again). */
function chunkInput(items: ArrayLike<unknown>, start: number, end: number): { input: Pick<ChunkTask, "items">; transfer?: ArrayBuffer[] } {
  if (ArrayBuffer.isView(items)) {
    const slice = (items as TypedArray).slice(start, end);
    return { input: { items: slice }, transfer: [slice.buffer as ArrayBuffer] };
  }
  return { input: { items: Array.prototype.slice.call(items, start, end) } };
}

/** Runs the call on the pool, with output routing and a progress bar; parts in input order. */
export async function dispatch(kernel: PoolContext, label: string, items: Items<unknown>, call: CallTask, options: DispatchOptions): Promise<ChunkPart[]> {
  const { pool } = kernel;
  const n = countOf(items);
  const queued = usesQueue(items);
  const chunkSize = chunkSizeFor(n, options.chunkSize, queued ? QUEUE_CHUNKS_PER_THREAD[call.mode] : PUSH_CHUNKS_PER_THREAD, pool.threads);
  if (n === 0) return [];
  const { call: callId, end, outputsArrived } = pool.openCall();
  const prepared = withValuesAsLocals(call.source, [...Object.keys(call.values), ...call.helpers.map((h) => h.name)]);
  const base: Omit<ChunkTask, "items" | "offset"> = {
    ...call,
    source: prepared.source,
    writtenNames: prepared.written,
    // A function that assigns to its values changes its binding: that one is never reused.
    valuesKey: prepared.written.length === 0 ? valuesKey(call.values) : null,
    call: callId,
    origin: kernel.notebook.originOf(call.source),
    profileIntervalUs: kernel.profiling.interval(),
  };
  const progress = new ProgressBar(kernel.output, label, n, options.progress ?? true, kernel.widgets);
  const run: CallRun = { pool, label, n, chunkSize, base, progress };
  try {
    const results = await (queued ? runQueued(run, items) : runPushed(run, items as ArrayLike<unknown>)).catch((err: unknown) => {
      throw explainCloneError(label, call.values, err);
    });
    await outputsArrived(results.reduce((count, r) => count + r.outputs, 0));
    for (const r of results) kernel.profiling.record({ kind: "pool", thread: r.thread, busyMs: r.busyMs, ...(r.profile ? { profile: r.profile } : {}) });
    return results.flatMap((r) => r.parts).sort((a, b) => a.start - b.start);
  } finally {
    progress.finish();
    end();
  }
}

/** One call on its way to the workers: where its chunks go and how far it is. */
interface CallRun {
  pool: WorkerPool;
  label: string;
  n: number;
  chunkSize: number;
  base: Omit<ChunkTask, "items" | "offset">;
  progress: ProgressBar;
}

async function runQueued({ pool, label, n, chunkSize, base, progress }: CallRun, items: Items<unknown>): Promise<ChunkResult[]> {
  const workers = Math.min(pool.threads, Math.ceil(n / chunkSize));
  const buffer = createWorkQueue(workers);
  const queue = new Int32Array(buffer);
  const input = wholeInput(items, n);
  const poll = progress.enabled ? setInterval(() => progress.set(itemsDone(queue)), PROGRESS_POLL_MS) : null;
  try {
    return await Promise.all(
      Array.from({ length: workers }, (_, slot) =>
        pool.run({ ...base, ...input, offset: 0, queue: { buffer, total: n, chunkSize, slot } }).catch((err: unknown) => {
          stop(queue);
          throw explain(label, err, currentRange(queue, slot));
        }),
      ),
    );
  } finally {
    if (poll) clearInterval(poll);
    progress.set(itemsDone(queue));
  }
}

async function runPushed({ pool, label, n, chunkSize, base, progress }: CallRun, items: ArrayLike<unknown>): Promise<ChunkResult[]> {
  const tasks: Promise<ChunkResult>[] = [];
  for (let start = 0; start < n; start += chunkSize) {
    const stop = Math.min(n, start + chunkSize);
    const { input, transfer } = chunkInput(items, start, stop);
    tasks.push(
      pool.run({ ...base, ...input, offset: start }, transfer).then(
        (result) => {
          progress.advance(stop - start);
          return result;
        },
        (err: unknown) => {
          throw explain(label, err, [start, stop]);
        },
      ),
    );
  }
  return Promise.all(tasks);
}

/** A worker that died is named with the items it was running; other errors pass as they are. */
function explain(label: string, err: unknown, range: [number, number] | null): unknown {
  const items = range ? ` on items ${range[0]}–${range[1] - 1}` : "";
  if ((err as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY") {
    return new Error(
      `${label}: a worker thread ran out of memory (heap limit ${workerResourceLimits().maxOldGenerationSizeMb} MB)${items}; the pool replaced it. Use less memory per item, typed arrays (outside the heap), or set PARALLAB_WORKER_HEAP_MB.`,
    );
  }
  const exited = err instanceof Error && /^worker exited with code: (-?\d+)/.exec(err.message);
  if (!exited) return err;
  return new Error(`${label}: a worker thread exited (code ${exited[1]}) while running items${items.replace(" on items", "")}; the pool replaced it and works on`);
}
