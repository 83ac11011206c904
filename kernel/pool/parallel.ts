// parallel.map / parallel.reduce / parallel.shared: data-parallel loops on the kernel's pool.
import { dispatch, type Items, type TypedArray } from "./dispatch.js";
import { outsideNames } from "./free-identifiers.js";
import { kernelPool } from "./pool.js";
import { isNotebookName } from "./scope.js";

export interface ParallelOptions {
  /** Notebook values the function uses (closures do not cross into worker threads). */
  with?: Record<string, unknown>;
  /** Items a worker takes at a time; by default small enough to balance the load (32 chunks per thread). */
  chunkSize?: number;
  /** Show a live progress bar for long calls (more than 300 items or 1 s); default true. */
  progress?: boolean;
}

type TypedArrayConstructor<A extends TypedArray> = { new (buffer: SharedArrayBuffer): A; BYTES_PER_ELEMENT: number; name: string };
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

export const parallel = {
  /** Runs `fn(item, index)` for every item on the worker pool; results come in input order. */
  async map<I extends Items<unknown>, R>(items: I, fn: (item: ItemOf<I>, index: number) => R | Promise<R>, options: ParallelOptions = {}): Promise<Awaited<R>[]> {
    const source = sourceOf(fn, "parallel.map(items, fn): fn");
    const values = options.with ?? {};
    checkScope("parallel.map", source, values);
    const parts = await dispatch("parallel.map", items, { source, values, mode: "map" }, options);
    return parts.flatMap((p) => p.results as Awaited<R>[]);
  },

  /** Folds each chunk with `fn(acc, item, index)` from `init`, then the chunks with `combine`. */
  async reduce<I extends Items<unknown>, A>(items: I, fn: (acc: A, item: ItemOf<I>, index: number) => A | Promise<A>, combine: (a: A, b: A) => A, init: A, options: ParallelOptions = {}): Promise<A> {
    const source = sourceOf(fn, "parallel.reduce(items, fn, combine, init): fn");
    if (typeof combine !== "function") throw new TypeError("parallel.reduce(items, fn, combine, init): combine must be a function (a, b) => …");
    const values = options.with ?? {};
    checkScope("parallel.reduce", source, values);
    const partials = await dispatch("parallel.reduce", items, { source, values, mode: "reduce", init }, options);
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
