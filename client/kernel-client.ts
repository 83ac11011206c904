// A Jupyter client over ZMQ: what the tests, the demo and the notebook runner use to talk to
// a kernel (ours or any other) without Python.
import { randomUUID } from "node:crypto";
import * as zmq from "zeromq";
import { endpoint, type ConnectionInfo } from "../kernel/protocol/connection.js";
import { newHeader, type Header, type Message } from "../kernel/protocol/messages.js";
import { createSigner, type Signer } from "../kernel/protocol/signer.js";
import { decode, encode } from "../kernel/protocol/wire.js";

export interface ExecuteOptions {
  silent?: boolean;
  storeHistory?: boolean;
  stopOnError?: boolean;
  userExpressions?: Record<string, string>;
  /** Answers input requests; without it the cell runs with allow_stdin false. */
  onInput?: (prompt: string, password: boolean) => string | Promise<string>;
  /** Sees every iopub message of the request as it arrives. */
  onOutput?: (msg: Message) => void;
  timeoutMs?: number;
}

/** What a request may carry besides its content, and whether a reply comes. */
export interface RequestOptions extends ExecuteOptions {
  metadata?: Record<string, unknown>;
  /** Binary buffers, sent as extra frames (comm messages of widgets). */
  buffers?: (ArrayBuffer | ArrayBufferView)[];
  /** False for messages the kernel does not reply to (comm_open, comm_msg, comm_close): the request ends at its idle. */
  expectReply?: boolean;
}

export interface RequestResult {
  /** The reply; for a request with no reply (a comm message), its own header and content. */
  reply: Message;
  /** iopub messages of the request between busy and idle (status messages excluded). */
  outputs: Message[];
}

interface Pending {
  reply?: Message;
  expectReply: boolean;
  sent: Message;
  idle: boolean;
  outputs: Message[];
  onOutput?: (msg: Message) => void;
  onInput?: ExecuteOptions["onInput"];
  resolve: (r: RequestResult) => void;
  reject: (err: Error) => void;
}

export class KernelClient {
  readonly session = randomUUID();
  private readonly signer: Signer;
  private readonly shell: zmq.Dealer;
  private readonly control: zmq.Dealer;
  private readonly stdin: zmq.Dealer;
  private readonly iopub: zmq.Subscriber;
  private readonly pending = new Map<string, Pending>();
  /** Every iopub message received, in order (late output of finished requests included). */
  readonly iopubLog: Message[] = [];
  private closed = false;

  constructor(readonly connection: ConnectionInfo) {
    this.signer = createSigner(connection.key, connection.signature_scheme);
    const routingId = this.session;
    this.shell = new zmq.Dealer({ routingId, linger: 0 });
    this.control = new zmq.Dealer({ routingId, linger: 0 });
    this.stdin = new zmq.Dealer({ routingId, linger: 0 });
    this.iopub = new zmq.Subscriber({ linger: 0 });
    this.shell.connect(endpoint(connection, connection.shell_port));
    this.control.connect(endpoint(connection, connection.control_port));
    this.stdin.connect(endpoint(connection, connection.stdin_port));
    this.iopub.connect(endpoint(connection, connection.iopub_port));
    this.iopub.subscribe();
    void this.receive(this.shell, (m) => this.onReply(m));
    void this.receive(this.control, (m) => this.onReply(m));
    void this.receive(this.iopub, (m) => this.onIopub(m));
    void this.receive(this.stdin, (m) => void this.onStdin(m));
  }

  /** Waits until the kernel answers kernel_info and its iopub reaches us (no lost first outputs). */
  async ready(timeoutMs = 30000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Retried quickly: until our iopub subscription is live, the kernel's status is not seen.
      const attempt = this.request("shell", "kernel_info_request", {}, { timeoutMs: 250 }).catch(() => null);
      const result = await attempt;
      if (result && this.iopubLog.some((m) => (m.parent_header as Header).msg_id === (result.reply.parent_header as Header).msg_id)) return result.reply;
      if (Date.now() > deadline) throw new Error(`the kernel did not answer kernel_info within ${timeoutMs} ms`);
    }
  }

  execute(code: string, options: ExecuteOptions = {}): Promise<RequestResult> {
    return this.request(
      "shell",
      "execute_request",
      {
        code,
        silent: options.silent ?? false,
        store_history: options.storeHistory ?? !options.silent,
        user_expressions: options.userExpressions ?? {},
        allow_stdin: Boolean(options.onInput),
        stop_on_error: options.stopOnError ?? true,
      },
      options,
    );
  }

  /** Sends a request; resolves when both its reply and its `idle` status have arrived. */
  request(channel: "shell" | "control", msgType: string, content: unknown, options: RequestOptions = {}): Promise<RequestResult> {
    const header = newHeader(msgType, this.session, "parallab-client");
    const timeoutMs = options.timeoutMs ?? 60000;
    const metadata = options.metadata ?? {};
    const buffers = (options.buffers ?? []).map((b) => (ArrayBuffer.isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b)));
    return new Promise<RequestResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(header.msg_id);
        reject(new Error(`${msgType} got no reply and idle status within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(header.msg_id, {
        idle: false,
        expectReply: options.expectReply ?? true,
        sent: { identities: [], header, parent_header: {}, metadata, content: content as Record<string, unknown>, buffers: buffers.map((b) => Buffer.from(b)) },
        outputs: [],
        onOutput: options.onOutput,
        onInput: options.onInput,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      const socket = channel === "shell" ? this.shell : this.control;
      socket.send(encode({ header, parent_header: {}, metadata, content, buffers }, this.signer)).catch(reject);
    });
  }

  /**
   * Sends a comm message (comm_open, comm_msg or comm_close) as a front end does: on shell, with
   * no reply; resolves at its idle with what the kernel published in answer (its `reply` is the
   * message sent, whose msg_id is the parent of that output).
   */
  sendComm(msgType: "comm_open" | "comm_msg" | "comm_close", content: Record<string, unknown>, options: Omit<RequestOptions, "expectReply"> = {}): Promise<RequestResult> {
    return this.request("shell", msgType, content, { ...options, expectReply: false });
  }

  /** Sends a message with a wrong signature (for tests of the kernel's checks). */
  async sendForged(msgType: string, content: unknown): Promise<string> {
    const header = newHeader(msgType, this.session);
    const frames = encode({ header, parent_header: {}, metadata: {}, content }, this.signer);
    const sigIndex = frames.indexOf("<IDS|MSG>") + 1;
    frames[sigIndex] = "0".repeat(64);
    await this.shell.send(frames);
    return header.msg_id;
  }

  /** Sends four JSON frames as they are, correctly signed (for tests of malformed messages). */
  async sendSignedFrames(header: string, parentHeader: string, metadata: string, content: string): Promise<void> {
    const parts = [header, parentHeader, metadata, content];
    await this.shell.send(["<IDS|MSG>", this.signer.sign(parts), ...parts]);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [this.shell, this.control, this.stdin, this.iopub]) s.close();
    for (const p of this.pending.values()) p.reject(new Error("the client was closed before the reply came"));
    this.pending.clear();
  }

  private async receive(socket: zmq.Dealer | zmq.Subscriber, handle: (m: Message) => void): Promise<void> {
    try {
      for await (const frames of socket) {
        try {
          // A DEALER gets no routing frames: the delimiter comes first.
          handle(decode(frames, this.signer));
        } catch {
          // Unsigned or malformed messages are ignored, as jupyter_client does.
        }
      }
    } catch (err) {
      if (!this.closed) throw err;
    }
  }

  private onReply(msg: Message): void {
    const id = (msg.parent_header as Header).msg_id;
    const p = this.pending.get(id);
    if (!p) return;
    p.reply = msg;
    this.settle(id, p);
  }

  private onIopub(msg: Message): void {
    this.iopubLog.push(msg);
    const id = (msg.parent_header as Header).msg_id;
    const p = id ? this.pending.get(id) : undefined;
    if (!p) return;
    if (msg.header.msg_type === "status") {
      if ((msg.content as { execution_state?: string }).execution_state === "idle") {
        p.idle = true;
        this.settle(id, p);
      }
      return;
    }
    p.outputs.push(msg);
    p.onOutput?.(msg);
  }

  private async onStdin(msg: Message): Promise<void> {
    const p = this.pending.get((msg.parent_header as Header).msg_id);
    if (msg.header.msg_type !== "input_request" || !p?.onInput) return;
    const { prompt, password } = msg.content as { prompt: string; password: boolean };
    const value = await p.onInput(prompt, password);
    const header = newHeader("input_reply", this.session, "parallab-client");
    await this.stdin.send(encode({ header, parent_header: msg.header, metadata: {}, content: { value } }, this.signer));
  }

  private settle(id: string, p: Pending): void {
    if (!p.expectReply) p.reply ??= p.sent;
    if (!p.reply || !p.idle) return;
    this.pending.delete(id);
    p.resolve({ reply: p.reply, outputs: p.outputs });
  }
}
