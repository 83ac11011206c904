// `comm` of a %%workers cell: MPI-style point-to-point and collectives between the ranks of
// one cell, all blocking (workers may block). Values travel over MessagePorts; typed arrays in
// allreduce go through shared memory. Every wait gives up within about a second once a peer
// has failed, so a dead rank never leaves the others hanging.
import { receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { type ErrorKind, ParallabError } from "../../common/errors.js";
import { checkAllreduce, checkRank, REDUCE_OPS, checkScatterValues, type ReduceOp, type SpmdComm } from "../spmd/comm.js";
import type { NumberArray } from "../spmd/typed-arrays.js";

/** Shared control words: [0] failed flag, [1] barrier arrivals, [2] barrier generation, [8 + r] rank r's mailbox. */
export const CTRL_WORDS = 8 + 64;
const FAILED = 0;
const ARRIVED = 1;
const GENERATION = 2;
const WAIT_SLICE_MS = 100;

export class PeerFailedError extends ParallabError {
  override readonly kind: ErrorKind = "peer";
  override name = "PeerFailedError";
}

interface Envelope {
  source: number;
  tag: number;
  value: unknown;
}

export class Comm implements SpmdComm {
  private readonly pending: Envelope[] = [];
  private scratch: SharedArrayBuffer | null = null;
  private internalTag = -1000;

  constructor(
    readonly rank: number,
    readonly size: number,
    private readonly ctrl: Int32Array,
    /** ports[r]: this rank's end of the channel to rank r (ports[rank] is unused). */
    private readonly ports: (MessagePort | null)[],
  ) {}

  barrier(): void {
    const generation = Atomics.load(this.ctrl, GENERATION);
    if (Atomics.add(this.ctrl, ARRIVED, 1) === this.size - 1) {
      Atomics.store(this.ctrl, ARRIVED, 0);
      Atomics.add(this.ctrl, GENERATION, 1);
      Atomics.notify(this.ctrl, GENERATION);
      return;
    }
    while (Atomics.load(this.ctrl, GENERATION) === generation) {
      this.checkPeers();
      Atomics.wait(this.ctrl, GENERATION, generation, WAIT_SLICE_MS);
    }
  }

  send(value: unknown, dest: number, tag = 0): void {
    checkRank(dest, this.size, "dest");
    if (dest === this.rank) {
      this.pending.push({ source: this.rank, tag, value });
      return;
    }
    this.ports[dest]!.postMessage({ source: this.rank, tag, value } satisfies Envelope);
    Atomics.add(this.ctrl, 8 + dest, 1);
    Atomics.notify(this.ctrl, 8 + dest);
  }

  recv<T = unknown>(source: number, tag = 0): T {
    checkRank(source, this.size, "source");
    for (;;) {
      const at = this.pending.findIndex((m) => m.source === source && m.tag === tag);
      if (at >= 0) return this.pending.splice(at, 1)[0]!.value as T;
      const seen = Atomics.load(this.ctrl, 8 + this.rank);
      if (this.drain()) continue;
      this.checkPeers();
      Atomics.wait(this.ctrl, 8 + this.rank, seen, WAIT_SLICE_MS);
    }
  }

  bcast<T>(value: T, root = 0): T {
    const tag = this.nextTag();
    if (this.rank === root) {
      for (let r = 0; r < this.size; r++) if (r !== root) this.send(value, r, tag);
      return value;
    }
    return this.recv<T>(root, tag);
  }

  gather<T>(value: T, root = 0): T[] | undefined {
    const tag = this.nextTag();
    if (this.rank !== root) {
      this.send(value, root, tag);
      return undefined;
    }
    return Array.from({ length: this.size }, (_, r) => (r === root ? value : this.recv<T>(r, tag)));
  }

  allgather<T>(value: T): T[] {
    return this.bcast(this.gather(value, 0), 0)!;
  }

  scatter<T>(values: readonly T[] | undefined, root = 0): T {
    const tag = this.nextTag();
    if (this.rank === root) {
      checkScatterValues(values, this.size);
      for (let r = 0; r < this.size; r++) if (r !== root) this.send(values[r], r, tag);
      return values[root]!;
    }
    return this.recv<T>(root, tag);
  }

  /** Combines a number, or a typed array element-wise (in place, through shared memory). */
  allreduce<T extends number | NumberArray>(value: T, op: ReduceOp = "sum"): T {
    checkAllreduce(value, op);
    if (typeof value === "number") return (this.allgather(value as number) as number[]).reduce(REDUCE_OPS[op]) as T;
    const array = value as NumberArray;
    const Ctor = array.constructor as new (buffer: SharedArrayBuffer, offset?: number, length?: number) => NumberArray;
    // Rank 0 lends one shared buffer with a slot per rank and one for the result; each rank
    // reduces its own stretch of the array across all slots, and everyone copies the result back.
    const n = array.length;
    const bytes = n * array.BYTES_PER_ELEMENT;
    const shared = this.scratchBuffer(bytes * (this.size + 1));
    const slot = (r: number) => new Ctor(shared, r * bytes, n);
    slot(this.rank).set(array);
    this.barrier();
    const per = Math.ceil(n / this.size);
    const from = Math.min(n, this.rank * per);
    reduceSlots(
      Array.from({ length: this.size }, (_, r) => slot(r)),
      slot(this.size),
      from,
      Math.min(n, from + per),
      op,
    );
    this.barrier();
    array.set(slot(this.size));
    // Nobody writes the buffer again (the next allreduce) until everyone has copied the result.
    this.barrier();
    return value;
  }

  /**
   * The shared buffer of allreduce, reused while it is big enough: every rank makes the same
   * calls in the same order, so all of them know, without a message, when rank 0 lends a new one.
   * (A fresh 64 MB buffer per call costs more in page faults than the reduction itself.)
   */
  private scratchBuffer(bytes: number): SharedArrayBuffer {
    if (this.scratch && this.scratch.byteLength >= bytes) return this.scratch;
    this.scratch = this.bcast(this.rank === 0 ? new SharedArrayBuffer(bytes) : null, 0)!;
    return this.scratch;
  }

  private nextTag(): number {
    return this.internalTag--;
  }

  private drain(): boolean {
    let got = false;
    for (const port of this.ports) {
      if (!port) continue;
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
        this.pending.push(m.message as Envelope);
        got = true;
      }
    }
    return got;
  }

  private checkPeers(): void {
    const failed = Atomics.load(this.ctrl, FAILED);
    if (failed > 0) throw new PeerFailedError(`rank ${failed - 1} failed: this rank stops waiting for it`);
  }
}

/** result[i] = op over the slots' element i, for i in [from, to): one loop per op, no call per element. */
function reduceSlots(slots: NumberArray[], result: NumberArray, from: number, to: number, op: ReduceOp): void {
  result.set(slots[0]!.subarray(from, to), from);
  for (let r = 1; r < slots.length; r++) {
    const s = slots[r]!;
    switch (op) {
      case "sum":
        for (let i = from; i < to; i++) result[i] = result[i]! + s[i]!;
        break;
      case "prod":
        for (let i = from; i < to; i++) result[i] = result[i]! * s[i]!;
        break;
      case "min":
        for (let i = from; i < to; i++) if (s[i]! < result[i]! || Number.isNaN(s[i]!)) result[i] = s[i]!;
        break;
      case "max":
        for (let i = from; i < to; i++) if (s[i]! > result[i]! || Number.isNaN(s[i]!)) result[i] = s[i]!;
        break;
    }
  }
}

/** Marks rank `rank` as failed: every rank's wait gives up within WAIT_SLICE_MS. */
export function markFailed(ctrl: Int32Array, rank: number): void {
  Atomics.compareExchange(ctrl, FAILED, 0, rank + 1);
  for (let i = 0; i < CTRL_WORDS; i++) Atomics.notify(ctrl, i);
}
