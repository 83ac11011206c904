// parallel.map / parallel.reduce / parallel.shared: data-parallel loops on the kernel's pool.
import { outsideNames, withValuesAsLocals } from "./free-identifiers.js";
import { valuesKey } from "./values-key.js";
import { kernelPool } from "./pool.js";
import { isNotebookName, originOf } from "./scope.js";
import { workerResourceLimits } from "./limits.js";
import { ProgressBar } from "./progress.js";
import type { ChunkResult, ChunkTask } from "./task.js";

export interface ParallelOptions {
  /** Notebook values the function uses (closures do not cross into worker threads). */
  with?: Record<string, unknown>;
  /** Items per task; by default about eight tasks per thread, for load balancing. */
  chunkSize?: number;
  /** Show a live progress bar for long calls (more than 300 items or 1 s); default true. */
  progress?: boolean;
}

type TypedArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;
type TypedArrayConstructor<A extends TypedArray> = { new (buffer: SharedArrayBuffer): A; BYTES_PER_ELEMENT: number; name: string };
type Items<T> = readonly T[] | ArrayLike<T> | number;
type ItemOf<I> = I extends number ? number : I extends ArrayLike<infer T> ? T : never;

export class ParallelScopeError extends Error {
  override name = "ParallelScopeError";
}

function sourceOf(fn: unknown, what: string): string {
  if (typeof fn !== "function") throw new TypeError(`${what} must be a function written in the cell, e.g. (x) => x * x`);
  const source = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}$/.test(source)) throw new TypeError(`${what} is a native or bound function: write it as an arrow or function expression in the cell`);
  if (!/^(async\s+)?(function\b|\(|[A-Za-z_$][\w$]*\s*=>)/.test(source)) throw new TypeError(`${what} must be an arrow function or a function expression (methods and classes cannot be sent to workers)`);
  return source;
}

/** Fails at once, naming the notebook variables the function uses without passing them. */
function checkScope(api: string, source: string, values: Record<string, unknown>): void {
  const missing = [...outsideNames(source)].filter((n) => !(n in values) && isNotebookName(n));
  if (missing.length === 0) return;
  const list = missing.map((n) => `\`${n}\``).join(", ");
  throw new ParallelScopeError(
    `${api}: the function uses the notebook variable${missing.length > 1 ? "s" : ""} ${list}, but it runs in worker threads, where notebook variables do not exist. ` +
      `Pass ${missing.length > 1 ? "them" : "it"} explicitly: ${api}(items, fn, { with: { ${missing.join(", ")} } })`,
  );
}

function isSharedTypedArray(items: unknown): items is TypedArray {
  return ArrayBuffer.isView(items) && !(items instanceof DataView) && items.buffer instanceof SharedArrayBuffer;
}

/** Splits the input into chunk tasks (shared arrays by range, others by copy or transfer). */
function chunks(items: Items<unknown>, base: Omit<ChunkTask, "items" | "offset">, chunkSize: number | undefined): { task: ChunkTask; transfer?: ArrayBuffer[] }[] {
  const n = typeof items === "number" ? items : items.length;
  if (typeof items === "number" && (!Number.isInteger(items) || items < 0)) throw new TypeError(`parallel: a count of items must be a whole number ≥ 0, got ${items}`);
  if (typeof items !== "number" && (items === null || typeof items !== "object" || typeof items.length !== "number")) throw new TypeError("parallel: items must be an array, a typed array or a count");
  const size = chunkSize ?? Math.max(1, Math.ceil(n / (kernelPool.threads * 8)));
  if (!Number.isInteger(size) || size < 1) throw new TypeError(`parallel: chunkSize must be a whole number ≥ 1, got ${chunkSize}`);
  const out: { task: ChunkTask; transfer?: ArrayBuffer[] }[] = [];
  for (let start = 0; start < n; start += size) {
    const end = Math.min(n, start + size);
    if (typeof items === "number") out.push({ task: { ...base, offset: start, items: { count: end - start } } });
    else if (isSharedTypedArray(items)) out.push({ task: { ...base, offset: start, items: [], shared: { array: items, start, end } } });
    else if (ArrayBuffer.isView(items)) {
      // A copy of just this range, moved (not copied again) to the worker.
      const slice = (items as TypedArray).slice(start, end);
      out.push({ task: { ...base, offset: start, items: slice }, transfer: [slice.buffer as ArrayBuffer] });
    } else out.push({ task: { ...base, offset: start, items: Array.prototype.slice.call(items, start, end) } });
  }
  return out;
}

/** Runs the chunks on the pool with output routing and a progress bar; results in order. */
async function runChunks(label: string, items: Items<unknown>, base: Omit<ChunkTask, "items" | "offset" | "call" | "valuesKey" | "writtenNames">, options: ParallelOptions): Promise<ChunkResult[]> {
  const { call, end, outputsArrived } = kernelPool.openCall();
  const names = Object.keys(base.values);
  const prepared = withValuesAsLocals(base.source, names);
  // A function that assigns to its values changes its binding: that one is never reused.
  const reuseKey = prepared.written.length === 0 ? valuesKey(base.values) : null;
  const task = { ...base, source: prepared.source, writtenNames: prepared.written, valuesKey: reuseKey, call, origin: originOf(base.source) };
  const parts = chunks(items, task, options.chunkSize);
  const total = typeof items === "number" ? items : items.length;
  const progress = new ProgressBar(label, total, options.progress ?? true);
  try {
    const results = await Promise.all(
      parts.map(async ({ task, transfer }) => {
        const size = task.shared ? task.shared.end - task.shared.start : "count" in (task.items as object) ? (task.items as { count: number }).count : (task.items as ArrayLike<unknown>).length;
        let result: ChunkResult;
        try {
          result = await kernelPool.run(task, transfer);
        } catch (err) {
          if ((err as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY") {
            throw new Error(`${label}: a worker thread ran out of memory (heap limit ${workerResourceLimits().maxOldGenerationSizeMb} MB) on items ${task.offset}–${task.offset + size - 1}; the pool replaced it. Use less memory per item, typed arrays (outside the heap), or set PARALLAB_WORKER_HEAP_MB.`);
          }
          const exited = err instanceof Error && /^worker exited with code: (-?\d+)/.exec(err.message);
          if (!exited) throw err;
          throw new Error(`${label}: a worker thread exited (code ${exited[1]}) while running items ${task.offset}–${task.offset + size - 1}; the pool replaced it and works on`);
        }
        progress.advance(size);
        return result;
      }),
    );
    await outputsArrived(results.reduce((n, r) => n + r.outputs, 0));
    return results;
  } finally {
    progress.finish();
    end();
  }
}

export const parallel = {
  /** Runs `fn(item, index)` for every item on the worker pool; results come in input order. */
  async map<I extends Items<unknown>, R>(items: I, fn: (item: ItemOf<I>, index: number) => R | Promise<R>, options: ParallelOptions = {}): Promise<Awaited<R>[]> {
    const source = sourceOf(fn, "parallel.map(items, fn): fn");
    const values = options.with ?? {};
    checkScope("parallel.map", source, values);
    const results = await runChunks("parallel.map", items, { source, values, mode: "map" }, options);
    return results.flatMap((r) => r.results as Awaited<R>[]);
  },

  /** Folds each chunk with `fn(acc, item, index)` from `init`, then the chunks with `combine`. */
  async reduce<I extends Items<unknown>, A>(items: I, fn: (acc: A, item: ItemOf<I>, index: number) => A | Promise<A>, combine: (a: A, b: A) => A, init: A, options: ParallelOptions = {}): Promise<A> {
    const source = sourceOf(fn, "parallel.reduce(items, fn, combine, init): fn");
    if (typeof combine !== "function") throw new TypeError("parallel.reduce(items, fn, combine, init): combine must be a function (a, b) => …");
    const values = options.with ?? {};
    checkScope("parallel.reduce", source, values);
    const partials = await runChunks("parallel.reduce", items, { source, values, mode: "reduce", init }, options);
    // Every chunk started from `init` (an identity such as 0 or an empty histogram), so only
    // the partial results are combined.
    const accumulators = partials.map((p) => p.accumulator as A);
    return accumulators.length === 0 ? init : accumulators.reduce((a, b) => combine(a, b));
  },

  /** A typed array on a SharedArrayBuffer: workers read and write it in place (zero-copy). */
  shared<A extends TypedArray>(type: TypedArrayConstructor<A>, length: number): A {
    if (!Number.isInteger(length) || length < 0) throw new TypeError(`parallel.shared(type, length): length must be a whole number ≥ 0, got ${length}`);
    return new type(new SharedArrayBuffer(length * type.BYTES_PER_ELEMENT));
  },

  /** Threads in the pool (`%workers N` changes it). */
  get threads(): number {
    return kernelPool.threads;
  },
};
