// The kernel's comms: the targets cells register, the comms open on either side, and the
// front end's comm_open / comm_msg / comm_close (kernel.ts hands them here) run in the
// context of the message that caused them.
import { randomUUID } from "node:crypto";
import { UsageError } from "../../common/errors.js";
import type { IncomingRequest } from "../io/bridge.js";
import type { Header } from "../protocol/messages.js";
import { bufferBytes, type CommTransport, type HandlerInvoker, KernelComm } from "./comm.js";
import type { CommData, CommMessage, CommSendOptions, CommsApi, CommTargetHandler } from "./interfaces.js";

export type CommRequest = Extract<IncomingRequest, { msgType: "comm_open" | "comm_msg" | "comm_close" }>;

/** What the manager needs from the kernel session (kernel/comms/host.ts builds it). */
export interface CommHost {
  /** Publishes on iopub with the running cell's or handler's message as parent. */
  publish(msgType: string, content: Record<string, unknown>, metadata?: Record<string, unknown>, buffers?: Uint8Array[]): void;
  /**
   * Runs `fn` as the handling of the front end's message `parent`: what it prints or displays
   * goes to that message, what its handlers throw is shown there, and the kernel waits for the
   * work they start before it goes idle.
   */
  handle(parent: Header, fn: (invoke: HandlerInvoker) => void): Promise<void>;
  /** A line in the kernel's log (its stderr). */
  log(text: string): void;
}

/** A comm id as ipykernel makes them (a uuid4's hex): widget model ids are comm ids. */
export const newCommId = () => randomUUID().replaceAll("-", "");

export class CommManager implements CommsApi {
  private readonly targets = new Map<string, CommTargetHandler>();
  private readonly comms = new Map<string, KernelComm>();
  private readonly transport: CommTransport = {
    publish: (msgType, content, metadata, buffers) => this.host.publish(msgType, content, metadata, buffers),
    forget: (comm) => {
      if (this.comms.get(comm.commId) === comm) this.comms.delete(comm.commId);
    },
  };

  constructor(private readonly host: CommHost) {}

  registerTarget(targetName: string, handler: CommTargetHandler): void {
    if (typeof targetName !== "string" || targetName === "") throw new UsageError("comms.registerTarget(targetName, handler): targetName must be a non-empty string");
    if (typeof handler !== "function") throw new UsageError("comms.registerTarget(targetName, handler): handler must be a function (comm, message) => …");
    this.targets.set(targetName, handler);
  }

  unregisterTarget(targetName: string): void {
    this.targets.delete(targetName);
  }

  open(targetName: string, data: CommData = {}, options: CommSendOptions & { commId?: string } = {}): KernelComm {
    if (typeof targetName !== "string" || targetName === "") throw new UsageError("comms.open(targetName, data): targetName must be a non-empty string");
    const comm = new KernelComm(options.commId ?? newCommId(), targetName, this.transport);
    this.comms.set(comm.commId, comm);
    this.host.publish("comm_open", { comm_id: comm.commId, target_name: targetName, data }, options.metadata, bufferBytes(options.buffers));
    return comm;
  }

  list(targetName?: string): Record<string, { target_name: string }> {
    const listed: Record<string, { target_name: string }> = {};
    for (const comm of this.comms.values()) if (targetName === undefined || comm.targetName === targetName) listed[comm.commId] = { target_name: comm.targetName };
    return listed;
  }

  /** A comm message from a front end (after kernel/protocol/validate.ts checked its shape). */
  handle(request: CommRequest): Promise<void> {
    const msg: CommMessage = {
      commId: request.content.comm_id,
      data: request.content.data ?? {},
      metadata: request.metadata,
      buffers: request.buffers.map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)),
      msgId: request.header.msg_id,
    };
    return this.host.handle(request.header, (invoke) => {
      if (request.msgType === "comm_open") this.opened(request.content.target_name, msg, invoke);
      else this.arrived(request.msgType, msg, invoke);
    });
  }

  private opened(targetName: string, msg: CommMessage, invoke: HandlerInvoker): void {
    const handler = this.targets.get(targetName);
    if (!handler) {
      // As ipykernel does: the front end learns at once that nobody is listening.
      const known = [...this.targets.keys()].map((t) => JSON.stringify(t)).join(", ") || "none";
      this.host.log(`comm_open to unknown target ${JSON.stringify(targetName)} (comm ${msg.commId}): closed it. Registered targets: ${known}`);
      this.host.publish("comm_close", { comm_id: msg.commId, data: {} });
      return;
    }
    if (this.comms.has(msg.commId)) {
      this.host.log(`comm_open for comm ${msg.commId} (target ${JSON.stringify(targetName)}), which is already open: ignored`);
      return;
    }
    const comm = new KernelComm(msg.commId, targetName, this.transport);
    this.comms.set(comm.commId, comm);
    invoke(() => handler(comm, msg));
  }

  private arrived(msgType: "comm_msg" | "comm_close", msg: CommMessage, invoke: HandlerInvoker): void {
    const comm = this.comms.get(msg.commId);
    if (!comm) {
      this.host.log(`${msgType} for unknown comm ${msg.commId}: ignored (it was never opened, or is closed)`);
      return;
    }
    if (msgType === "comm_msg") comm.deliver(msg, invoke);
    else comm.deliverClose(msg, invoke);
  }
}
