// The main thread's dispatcher: shell requests run one at a time in arrival order, each
// wrapped in busy/idle status; control requests do not wait behind them.
import { ExecuteHandler } from "./requests/execute.js";
import { complete, inspect, isComplete } from "./requests/introspection.js";
import type { Reply } from "./requests/reply.js";
import type { KernelSession } from "./session.js";
import type { IncomingRequest } from "./io/bridge.js";
import { WIDGET_TARGET } from "./widgets/protocol.js";

export class Kernel {
  private readonly queue: IncomingRequest[] = [];
  private pumping = false;
  /** msg_ids of execute requests to answer `aborted` (queued when a cell failed with stop_on_error). */
  private readonly aborted = new Set<string>();
  readonly execute: ExecuteHandler;

  constructor(
    private readonly session: KernelSession,
    private readonly exit: (code: number) => Promise<never>,
  ) {
    this.execute = new ExecuteHandler(session);
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
    const { router, io } = this.session;
    const parent = request.header;
    router.publish("status", { execution_state: "busy" }, parent);
    let reply: Reply | null;
    let failedWithStop = false;
    try {
      if (request.msgType === "execute_request" && this.aborted.delete(parent.msg_id)) {
        reply = { msgType: "execute_reply", content: { status: "aborted", execution_count: this.execute.executionCount } };
      } else if (request.msgType === "execute_request") {
        const { reply: r, failed } = await this.execute.handle(request);
        reply = r;
        failedWithStop = failed && (request.content.stop_on_error ?? true) !== false;
      } else {
        reply = await this.dispatch(request);
      }
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      router.realStderr(`[parallab] ${request.msgType} failed: ${error.stack ?? error.message}\n`);
      reply = internalErrorReply(request, error, this.execute.executionCount);
    }
    // Before the reply: only what the client sent before it learnt of the error is aborted.
    if (failedWithStop) await this.abortQueued();
    if (reply) io.post({ op: "reply", channel, parent, msgType: reply.msgType, content: reply.content, metadata: reply.metadata });
    router.publish("status", { execution_state: "idle" }, parent);
    if (request.msgType === "shutdown_request") await this.exit(0);
  }

  /** After a failed cell with stop_on_error, the executes already queued are answered `aborted`. */
  private async abortQueued(): Promise<void> {
    // Let requests that are already on their way from the I/O thread arrive first.
    await new Promise((resolve) => setImmediate(resolve));
    for (const r of this.queue) if (r.msgType === "execute_request") this.aborted.add(r.header.msg_id);
  }

  private async dispatch(request: Exclude<IncomingRequest, { msgType: "execute_request" }>): Promise<Reply | null> {
    const s = this.session;
    switch (request.msgType) {
      case "complete_request":
        return complete(s, request.content);
      case "inspect_request":
        return inspect(s, request.content);
      case "is_complete_request":
        return isComplete(s, request.content);
      case "history_request":
        return { msgType: "history_reply", content: { status: "ok", history: s.history.query(request.content) } };
      case "comm_info_request": {
        const target = request.content.target_name;
        // A widget manager asks for the widget comms when it connects.
        if (target === WIDGET_TARGET) s.widgets.frontEndSeen();
        return { msgType: "comm_info_reply", content: { status: "ok", comms: s.comms.list(target) } };
      }
      case "comm_open":
      case "comm_msg":
      case "comm_close":
        // No reply: the messaging spec has none for comm messages (busy and idle still frame them).
        await s.comms.handle(request);
        return null;
      case "shutdown_request":
        return { msgType: "shutdown_reply", content: { status: "ok", restart: Boolean(request.content.restart) } };
      case "kernel_info_request":
      case "interrupt_request":
        // The I/O thread answers these itself, also while a cell is busy.
        return null;
    }
  }
}

/** The reply to a request whose handler failed (a kernel bug, not a cell's error). */
function internalErrorReply(request: IncomingRequest, error: Error, executionCount: number): Reply | null {
  const failure = { status: "error" as const, ename: error.name || "Error", evalue: error.message, traceback: [] };
  switch (request.msgType) {
    case "execute_request":
      return { msgType: "execute_reply", content: { ...failure, execution_count: executionCount, payload: [], user_expressions: {} } };
    case "complete_request":
      return { msgType: "complete_reply", content: failure };
    case "inspect_request":
      return { msgType: "inspect_reply", content: failure };
    case "is_complete_request":
      return { msgType: "is_complete_reply", content: failure };
    case "history_request":
      return { msgType: "history_reply", content: failure };
    case "comm_info_request":
      return { msgType: "comm_info_reply", content: failure };
    case "shutdown_request":
      return { msgType: "shutdown_reply", content: failure };
    case "interrupt_request":
      return { msgType: "interrupt_reply", content: failure };
    case "kernel_info_request":
    case "comm_open":
    case "comm_msg":
    case "comm_close":
      return null;
  }
}
