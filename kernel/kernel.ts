// The main thread's dispatcher: shell requests run one at a time in arrival order, each
// wrapped in busy/idle status; control requests do not wait behind them.
import { ExecuteHandler } from "./requests/execute.js";
import { complete, inspect, isComplete } from "./requests/introspection.js";
import type { KernelServices, Reply } from "./requests/context.js";
import type { IncomingRequest } from "./io/bridge.js";
import type { Header, HistoryRequest } from "./protocol/messages.js";

export class Kernel {
  private readonly queue: IncomingRequest[] = [];
  private pumping = false;
  /** msg_ids of execute requests to answer `aborted` (queued when a cell failed with stop_on_error). */
  private readonly aborted = new Set<string>();
  readonly execute: ExecuteHandler;

  constructor(
    private readonly services: KernelServices,
    private readonly exit: (code: number) => Promise<never>,
  ) {
    this.execute = new ExecuteHandler(services);
  }

  onRequest(channel: "shell" | "control", request: IncomingRequest): void {
    if (channel === "control") {
      void this.handle("control", request);
      return;
    }
    this.queue.push(request);
    void this.pump();
  }

  interrupt(): void {
    this.execute.interrupt();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) await this.handle("shell", next);
    } finally {
      this.pumping = false;
    }
  }

  private async handle(channel: "shell" | "control", request: IncomingRequest): Promise<void> {
    const { router, io } = this.services;
    const parent = request.header;
    router.publish("status", { execution_state: "busy" }, parent);
    let reply: Reply | null;
    let failedWithStop = false;
    try {
      if (request.header.msg_type === "execute_request" && this.aborted.delete(parent.msg_id)) {
        reply = { msgType: "execute_reply", content: { status: "aborted", execution_count: this.execute.executionCount } };
      } else if (request.header.msg_type === "execute_request") {
        const { reply: r, failed } = await this.execute.handle(request);
        reply = r;
        failedWithStop = failed && (request.content.stop_on_error ?? true) !== false;
      } else {
        reply = await this.dispatch(channel, request);
      }
    } catch (err) {
      const error = err as Error;
      router.realStderr(`[parallab] ${request.header.msg_type} failed: ${error.stack ?? error.message}\n`);
      reply = { msgType: request.header.msg_type.replace(/_request$/, "_reply"), content: { status: "error", ename: error.name ?? "Error", evalue: error.message ?? String(err), traceback: [] } };
    }
    // Before the reply: only what the client sent before it learnt of the error is aborted.
    if (failedWithStop) await this.abortQueued();
    if (reply) io.post({ op: "reply", channel, parent, msgType: reply.msgType, content: reply.content, metadata: reply.metadata });
    router.publish("status", { execution_state: "idle" }, parent);
    if (request.header.msg_type === "shutdown_request") await this.exit(0);
  }

  /** After a failed cell with stop_on_error, the executes already queued are answered `aborted`. */
  private async abortQueued(): Promise<void> {
    // Let requests that are already on their way from the I/O thread arrive first.
    await new Promise((resolve) => setImmediate(resolve));
    for (const r of this.queue) if (r.header.msg_type === "execute_request") this.aborted.add(r.header.msg_id);
  }

  private async dispatch(channel: string, request: IncomingRequest): Promise<Reply | null> {
    const s = this.services;
    const content = request.content as never;
    switch (request.header.msg_type) {
      case "complete_request":
        return complete(s, content);
      case "inspect_request":
        return inspect(s, content);
      case "is_complete_request":
        return isComplete(s, content);
      case "history_request":
        return { msgType: "history_reply", content: { status: "ok", history: s.history.query(content as HistoryRequest) } };
      case "comm_info_request":
        // No comm targets exist yet, whatever target_name asks for.
        return { msgType: "comm_info_reply", content: { status: "ok", comms: {} } };
      case "comm_open":
        // No comm targets are registered yet: close it, as ipykernel does for unknown targets.
        s.router.publish("comm_close", { comm_id: (request.content as { comm_id?: string }).comm_id, data: {} }, request.header as Header);
        return null;
      case "comm_msg":
      case "comm_close":
        return null;
      case "shutdown_request":
        return { msgType: "shutdown_reply", content: { status: "ok", restart: Boolean((request.content as { restart?: boolean }).restart) } };
      default:
        s.router.realStderr(`[parallab] WARNING: unknown ${channel} message type ${request.header.msg_type}; ignored\n`);
        return null;
    }
  }
}
