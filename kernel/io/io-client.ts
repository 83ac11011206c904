import { EventEmitter } from "node:events";
import { Worker } from "node:worker_threads";
import { SHARED_SLOTS, SharedSlot, type CellState, type FromIo, type IncomingRequest, type IoThreadData, type ToIo } from "./bridge.js";
import type { ConnectionInfo } from "../protocol/connection.js";

export interface IoClientEvents {
  request: [channel: "shell" | "control", request: IncomingRequest];
  input_reply: [value: string];
  interrupt: [];
  exit: [code: number];
}

/** The main thread's handle on the I/O thread. */
export class IoClient extends EventEmitter<IoClientEvents> {
  readonly shared = new Int32Array(new SharedArrayBuffer(SHARED_SLOTS * 4));
  private readonly worker: Worker;
  readonly ready: Promise<void>;
  /** Requests that came before the kernel could serve them (the I/O thread starts first). */
  private early: [channel: "shell" | "control", request: IncomingRequest][] | null = [];

  constructor(connection: ConnectionInfo, session: string, kernelInfo: Record<string, unknown>) {
    super();
    const workerData: IoThreadData = { connection, session, kernelInfo, shared: this.shared.buffer as SharedArrayBuffer };
    this.worker = new Worker(new URL("./io-thread.js", import.meta.url), {
      workerData,
      stdout: false,
      stderr: false,
      // The I/O thread holds messages in flight only: a small young generation keeps it lean.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once("error", reject);
      this.worker.on("message", (msg: FromIo) => {
        if (msg.op === "ready") resolve();
        else if (msg.op === "request") {
          if (this.early) this.early.push([msg.channel, msg.request]);
          else this.emit("request", msg.channel, msg.request);
        } else if (msg.op === "input_reply") this.emit("input_reply", msg.value);
        else if (msg.op === "interrupt") {
          // Tell the I/O thread we took it, so it does not stop our JavaScript.
          Atomics.add(this.shared, SharedSlot.InterruptAck, 1);
          Atomics.notify(this.shared, SharedSlot.InterruptAck);
          this.emit("interrupt");
        }
      });
    });
    this.worker.on("exit", (code) => this.emit("exit", code));
  }

  /** Hands requests to `handler`: first those that came while the kernel was still loading. */
  serve(handler: (channel: "shell" | "control", request: IncomingRequest) => void): void {
    this.on("request", handler);
    const early = this.early ?? [];
    this.early = null;
    for (const [channel, request] of early) this.emit("request", channel, request);
  }

  post(msg: ToIo): void {
    this.worker.postMessage(msg);
  }

  /** True (once) when an interrupt arrived while the cell was compiling. */
  takePendingInterrupt(): boolean {
    return Atomics.exchange(this.shared, SharedSlot.InterruptPending, 0) === 1;
  }

  setCellState(state: CellState): void {
    Atomics.store(this.shared, SharedSlot.Busy, state);
    Atomics.notify(this.shared, SharedSlot.Busy);
  }

  /** Blocks until everything posted so far is on the wire (or `timeoutMs` passed). For exits. */
  flushSync(timeoutMs: number, close = false): void {
    const before = Atomics.load(this.shared, SharedSlot.Flushed);
    this.post({ op: "flush", close });
    Atomics.wait(this.shared, SharedSlot.Flushed, before, timeoutMs);
  }

  /** Same, without blocking the event loop. */
  async flush(timeoutMs = 5000, close = false): Promise<void> {
    const before = Atomics.load(this.shared, SharedSlot.Flushed);
    this.post({ op: "flush", close });
    const waited = Atomics.waitAsync(this.shared, SharedSlot.Flushed, before, timeoutMs);
    if (waited.async) await waited.value;
  }
}
