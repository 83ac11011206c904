// One comm of the kernel: sends on iopub through its manager, and runs the handlers of what the
// front end sends on it.
import { UsageError } from "../../common/errors.js";
import type { CommBuffers, CommData, CommMessage, CommSendOptions, JupyterComm } from "./interfaces.js";

/** What a comm needs from its manager. */
export interface CommTransport {
  /** Publishes a comm message with the running cell's or handler's message as parent. */
  publish(msgType: "comm_open" | "comm_msg" | "comm_close", content: Record<string, unknown>, metadata?: Record<string, unknown>, buffers?: Uint8Array[]): void;
  /** The comm is closed: the manager forgets it. */
  forget(comm: KernelComm): void;
}

/** Bytes for the wire, without copying (ZMQ frames are copied once, when they cross to the I/O thread). */
export function bufferBytes(buffers: CommBuffers | undefined): Uint8Array[] {
  return (buffers ?? []).map((b) => (ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b)));
}

/** Calls a handler, reporting what it throws and waiting for what it returns (the comm host's). */
export type HandlerInvoker = (call: () => unknown) => void;

export class KernelComm implements JupyterComm {
  private readonly messageHandlers = new Set<(msg: CommMessage) => unknown>();
  private readonly closeHandlers = new Set<(msg: CommMessage) => unknown>();
  private closed = false;

  constructor(
    readonly commId: string,
    readonly targetName: string,
    private readonly transport: CommTransport,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  send(data: CommData = {}, options: CommSendOptions = {}): void {
    if (this.closed) throw new UsageError(`comm ${this.commId} (target ${JSON.stringify(this.targetName)}) is closed: it cannot send`);
    this.transport.publish("comm_msg", { comm_id: this.commId, data }, options.metadata, bufferBytes(options.buffers));
  }

  close(data: CommData = {}, options: CommSendOptions = {}): void {
    if (this.closed) return;
    this.closed = true;
    this.transport.publish("comm_close", { comm_id: this.commId, data }, options.metadata, bufferBytes(options.buffers));
    this.transport.forget(this);
  }

  onMsg(handler: (msg: CommMessage) => unknown): () => void {
    this.messageHandlers.add(handler);
    return () => this.messageHandlers.delete(handler);
  }

  onClose(handler: (msg: CommMessage) => unknown): () => void {
    this.closeHandlers.add(handler);
    return () => this.closeHandlers.delete(handler);
  }

  /** A comm_msg from the front end: every handler runs through `invoke` (one that fails does not stop the next). */
  deliver(msg: CommMessage, invoke: HandlerInvoker): void {
    for (const handler of [...this.messageHandlers]) invoke(() => handler(msg));
  }

  /** A comm_close from the front end: the comm is closed without sending one back. */
  deliverClose(msg: CommMessage, invoke: HandlerInvoker): void {
    this.closed = true;
    this.transport.forget(this);
    for (const handler of [...this.closeHandlers]) invoke(() => handler(msg));
  }
}
