// `comm` of an SPMD cell, as the cell's body sees it: the point-to-point calls and collectives
// that %%workers (threads, kernel/pool/comm.ts) and %%mpi (processes, kernel/mpi/comm.ts) both
// offer, with the same names, signatures and argument checks. Each transport may add its own
// (MpiComm has Wtime).
import { isTypedArray, type NumberArray } from "./typed-arrays.js";

export type ReduceOp = "sum" | "min" | "max" | "prod";

export interface SpmdComm {
  /** This rank, from 0 to size - 1. */
  readonly rank: number;
  /** How many ranks run the cell. */
  readonly size: number;
  /** Waits until every rank has called it. */
  barrier(): void;
  /** Sends a copy of `value` to rank `dest`; never blocks. */
  send(value: unknown, dest: number, tag?: number): void;
  /** Waits for the next value rank `source` sent with `tag`. */
  recv<T = unknown>(source: number, tag?: number): T;
  /** The root's value, on every rank. */
  bcast<T>(value: T, root?: number): T;
  /** Every rank's value in rank order, on the root (undefined elsewhere). */
  gather<T>(value: T, root?: number): T[] | undefined;
  /** Every rank's value in rank order, on every rank. */
  allgather<T>(value: T): T[];
  /** values[r] of the root's array, on rank r. */
  scatter<T>(values: readonly T[] | undefined, root?: number): T;
  /** Combines a number, or a typed array element-wise (in place), over all ranks. */
  allreduce<T extends number | NumberArray>(value: T, op?: ReduceOp): T;
}

export const REDUCE_OPS: Record<ReduceOp, (a: number, b: number) => number> = {
  sum: (a, b) => a + b,
  min: (a, b) => Math.min(a, b),
  max: (a, b) => Math.max(a, b),
  prod: (a, b) => a * b,
};

export function checkRank(r: number, size: number, what: string): void {
  if (!Number.isInteger(r) || r < 0 || r >= size) throw new RangeError(`comm: ${what} must be a rank from 0 to ${size - 1}, got ${r}`);
}

/** The root's array of scatter: one value per rank. */
export function checkScatterValues<T>(values: readonly T[] | undefined, size: number): asserts values is readonly T[] {
  if (!values || values.length !== size) throw new RangeError(`comm.scatter: the root needs an array of exactly ${size} values (one per rank), got ${values?.length ?? "none"}`);
}

/** allreduce's arguments: a known op, and a number or a typed array. */
export function checkAllreduce(value: unknown, op: string): asserts op is ReduceOp {
  if (!Object.hasOwn(REDUCE_OPS, op)) throw new RangeError(`comm.allreduce: op must be "sum", "min", "max" or "prod", got ${JSON.stringify(op)}`);
  if (typeof value !== "number" && !isTypedArray(value)) throw new TypeError("comm.allreduce: pass a number or a typed array");
}
