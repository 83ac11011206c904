// parallel.map / parallel.reduce / parallel.shared: data-parallel loops on the kernel's pool.
import type { TypedArray } from "../spmd/typed-arrays.js";
import { dispatch, type Items } from "./dispatch.js";
import { functionSource } from "./function-source.js";
import type { PoolContext } from "./context.js";
import { prepareWithValues } from "./with-values.js";

export { ParallelScopeError } from "./with-values.js";

export interface ParallelOptions {
  /** Notebook values the function uses (closures do not cross into worker threads): data is copied, functions written in the cell are compiled again in the workers. */
  with?: Record<string, unknown>;
  /** Items a worker takes at a time; by default small enough to balance the load (32 chunks per thread). */
  chunkSize?: number;
  /** Show a live progress bar for long calls (more than 300 items or 1 s); default true. */
  progress?: boolean;
}

type TypedArrayConstructor<A extends TypedArray> = { new (buffer: SharedArrayBuffer): A; BYTES_PER_ELEMENT: number; name: string };
type ItemOf<I> = I extends number ? number : I extends ArrayLike<infer T> ? T : never;

/** `parallel` of the parallab module, over a kernel session's pool (or a standalone one). */
export function createParallel(kernel: PoolContext) {
  return {
    /** Runs `fn(item, index)` for every item on the worker pool; results come in input order. */
    async map<I extends Items<unknown>, R>(items: I, fn: (item: ItemOf<I>, index: number) => R | Promise<R>, options: ParallelOptions = {}): Promise<Awaited<R>[]> {
      const source = functionSource(fn, "parallel.map(items, fn): fn");
      const { values, helpers } = prepareWithValues(kernel.notebook, "parallel.map", source, options.with ?? {});
      const parts = await dispatch(kernel, "parallel.map", items, { source, values, helpers, mode: "map" }, options);
      return parts.flatMap((p) => p.results as Awaited<R>[]);
    },

    /** Folds each chunk with `fn(acc, item, index)` from `init`, then the chunks with `combine`. */
    async reduce<I extends Items<unknown>, A>(
      items: I,
      fn: (acc: A, item: ItemOf<I>, index: number) => A | Promise<A>,
      combine: (a: A, b: A) => A,
      init: A,
      options: ParallelOptions = {},
    ): Promise<A> {
      const source = functionSource(fn, "parallel.reduce(items, fn, combine, init): fn");
      if (typeof combine !== "function") throw new TypeError("parallel.reduce(items, fn, combine, init): combine must be a function (a, b) => …");
      const { values, helpers } = prepareWithValues(kernel.notebook, "parallel.reduce", source, options.with ?? {});
      const partials = await dispatch(kernel, "parallel.reduce", items, { source, values, helpers, mode: "reduce", init }, options);
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
      return kernel.pool.threads;
    },
  };
}

export type Parallel = ReturnType<typeof createParallel>;
