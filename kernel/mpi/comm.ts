// `comm` of a %%mpi cell: the methods every SPMD comm has (kernel/spmd/comm.ts), as %%workers'
// comm has them, and Wtime, over MPI_COMM_WORLD through the addon. Typed arrays go to MPI raw and
// zero-copy where the call allows (allreduce in place, bcast from the root's array); other
// values travel as v8.serialize bytes. `send` never blocks (MPI_Isend from a copy), as in %%workers.
import v8 from "node:v8";
import { checkAllreduce, checkRank, checkScatterValues, type ReduceOp, type SpmdComm } from "../spmd/comm.js";
import { isTypedArray, type NumberArray, TYPED_ARRAYS, type TypedArray } from "../spmd/typed-arrays.js";
import type { MpiBinding } from "./addon.js";

const SERIALIZED = 0;
const RAW = 1;

function typeCode(array: TypedArray): number {
  const code = TYPED_ARRAYS.findIndex((C) => array instanceof C);
  if (code < 0) throw new TypeError("comm: unsupported typed array");
  return code;
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function typedFrom(type: number, buffer: ArrayBuffer): TypedArray {
  const Ctor = TYPED_ARRAYS[type] as unknown as (new (b: ArrayBuffer) => TypedArray) | undefined;
  if (!Ctor) throw new TypeError(`comm: unknown typed array type ${type} received`);
  return new Ctor(buffer);
}

const serialize = (value: unknown): Uint8Array => {
  try {
    return v8.serialize(value);
  } catch (err) {
    throw new TypeError(`comm: this value cannot be sent to another rank (${(err as Error).message}); send plain data or typed arrays`);
  }
};
const deserialize = <T>(bytes: Uint8Array): T => v8.deserialize(bytes) as T;

export class MpiComm implements SpmdComm {
  private readonly tagBound: number;

  constructor(
    readonly rank: number,
    readonly size: number,
    private readonly mpi: MpiBinding,
  ) {
    this.tagBound = mpi.tagUpperBound();
  }

  /** MPI_Wtime: seconds since some moment in the past, for timing between barriers. */
  Wtime(): number {
    return this.mpi.wtime();
  }

  barrier(): void {
    this.mpi.barrier();
  }

  send(value: unknown, dest: number, tag = 0): void {
    checkRank(dest, this.size, "dest");
    this.checkTag(tag);
    if (isTypedArray(value)) this.mpi.send(RAW, value, dest, tag);
    else this.mpi.send(SERIALIZED, serialize(value), dest, tag);
  }

  recv<T = unknown>(source: number, tag = 0): T {
    checkRank(source, this.size, "source");
    this.checkTag(tag);
    const m = this.mpi.recv(source, tag);
    return (m.kind === RAW ? typedFrom(m.type, m.buffer) : deserialize<T>(new Uint8Array(m.buffer))) as T;
  }

  bcast<T>(value: T, root = 0): T {
    checkRank(root, this.size, "root");
    // Header: [kind, typed array type, byte length], then the bytes (a typed array's own memory).
    const header = new Float64Array(3);
    let bytes: Uint8Array | null = null;
    if (this.rank === root) {
      bytes = isTypedArray(value) ? bytesOf(value) : serialize(value);
      header.set([isTypedArray(value) ? RAW : SERIALIZED, isTypedArray(value) ? typeCode(value) : 0, bytes.byteLength]);
    }
    this.mpi.bcast(header, root);
    if (this.rank === root) {
      this.mpi.bcast(bytes!, root);
      return value;
    }
    const buffer = new ArrayBuffer(header[2]!);
    this.mpi.bcast(new Uint8Array(buffer), root);
    return (header[0] === RAW ? typedFrom(header[1]!, buffer) : deserialize<T>(new Uint8Array(buffer))) as T;
  }

  gather<T>(value: T, root = 0): T[] | undefined {
    checkRank(root, this.size, "root");
    const parts = this.mpi.gatherBytes(serialize(value), root);
    return parts?.map((p) => deserialize<T>(p));
  }

  allgather<T>(value: T): T[] {
    return this.mpi.allgatherBytes(serialize(value)).map((p) => deserialize<T>(p));
  }

  scatter<T>(values: readonly T[] | undefined, root = 0): T {
    checkRank(root, this.size, "root");
    let parts: Uint8Array[] | null = null;
    if (this.rank === root) {
      checkScatterValues(values, this.size);
      parts = values.map(serialize);
    }
    return deserialize<T>(this.mpi.scatterBytes(parts, root));
  }

  /** Combines a number, or a typed array element-wise (in place: MPI_Allreduce with MPI_IN_PLACE). */
  allreduce<T extends number | NumberArray>(value: T, op: ReduceOp = "sum"): T {
    checkAllreduce(value, op);
    if (typeof value === "number") return this.mpi.allreduceNumber(value, op) as T;
    this.mpi.allreduce(value, op);
    return value;
  }

  private checkTag(tag: number): void {
    if (!Number.isInteger(tag) || tag < 0 || tag > this.tagBound) throw new RangeError(`comm: an MPI tag is a whole number from 0 to ${this.tagBound}, got ${tag}`);
  }
}
