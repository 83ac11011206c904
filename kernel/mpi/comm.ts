// `comm` of a %%mpi cell: the methods of %%workers' comm (kernel/pool/comm.ts), with the same
// names and signatures, over MPI_COMM_WORLD through the addon. Typed arrays go to MPI raw and
// zero-copy where the call allows (allreduce in place, bcast from the root's array); other
// values travel as v8.serialize bytes. `send` never blocks (MPI_Isend from a copy), as in %%workers.
import v8 from "node:v8";
import type { ReduceOp } from "../pool/comm.js";
import { TYPED_ARRAYS, type MpiBinding, type TypedArray } from "./addon.js";

const SERIALIZED = 0;
const RAW = 1;
const OPS = new Set<string>(["sum", "min", "max", "prod"]);

type Typed = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Uint8ClampedArray;

function isTyped(value: unknown): value is TypedArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

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

export class MpiComm {
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
    this.checkRank(dest, "dest");
    this.checkTag(tag);
    if (isTyped(value)) this.mpi.send(RAW, value, dest, tag);
    else this.mpi.send(SERIALIZED, serialize(value), dest, tag);
  }

  recv<T = unknown>(source: number, tag = 0): T {
    this.checkRank(source, "source");
    this.checkTag(tag);
    const m = this.mpi.recv(source, tag);
    return (m.kind === RAW ? typedFrom(m.type, m.buffer) : deserialize<T>(new Uint8Array(m.buffer))) as T;
  }

  bcast<T>(value: T, root = 0): T {
    this.checkRank(root, "root");
    // Header: [kind, typed array type, byte length], then the bytes (a typed array's own memory).
    const header = new Float64Array(3);
    let bytes: Uint8Array | null = null;
    if (this.rank === root) {
      bytes = isTyped(value) ? bytesOf(value) : serialize(value);
      header.set([isTyped(value) ? RAW : SERIALIZED, isTyped(value) ? typeCode(value) : 0, bytes.byteLength]);
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
    this.checkRank(root, "root");
    const parts = this.mpi.gatherBytes(serialize(value), root);
    return parts?.map((p) => deserialize<T>(p));
  }

  allgather<T>(value: T): T[] {
    return this.mpi.allgatherBytes(serialize(value)).map((p) => deserialize<T>(p));
  }

  scatter<T>(values: readonly T[] | undefined, root = 0): T {
    this.checkRank(root, "root");
    let parts: Uint8Array[] | null = null;
    if (this.rank === root) {
      if (!values || values.length !== this.size) throw new RangeError(`comm.scatter: the root needs an array of exactly ${this.size} values (one per rank), got ${values?.length ?? "none"}`);
      parts = values.map(serialize);
    }
    return deserialize<T>(this.mpi.scatterBytes(parts, root));
  }

  /** Combines a number, or a typed array element-wise (in place: MPI_Allreduce with MPI_IN_PLACE). */
  allreduce<T extends number | Typed>(value: T, op: ReduceOp = "sum"): T {
    if (!OPS.has(op)) throw new RangeError(`comm.allreduce: op must be "sum", "min", "max" or "prod", got ${JSON.stringify(op)}`);
    if (typeof value === "number") return this.mpi.allreduceNumber(value, op) as T;
    if (!isTyped(value)) throw new TypeError("comm.allreduce: pass a number or a typed array");
    this.mpi.allreduce(value, op);
    return value;
  }

  private checkRank(r: number, what: string): void {
    if (!Number.isInteger(r) || r < 0 || r >= this.size) throw new RangeError(`comm: ${what} must be a rank from 0 to ${this.size - 1}, got ${r}`);
  }

  private checkTag(tag: number): void {
    if (!Number.isInteger(tag) || tag < 0 || tag > this.tagBound) throw new RangeError(`comm: an MPI tag is a whole number from 0 to ${this.tagBound}, got ${tag}`);
  }
}
