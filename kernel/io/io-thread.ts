// Entry point of the I/O thread: binds the five sockets, verifies and decodes requests, hands
// them to the main thread, and sends what the main thread produces. It also answers what must
// never wait for a busy cell: heartbeats, kernel_info and interrupts.
import { writeSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import * as zmq from "zeromq";
import { endpoint } from "../protocol/connection.js";
import { newHeader, type Header, type Message } from "../protocol/messages.js";
import { createSigner } from "../protocol/signer.js";
import { checkInputReply, checkRequest, type ValidRequest } from "../protocol/validate.js";
import { BadSignatureError, decode, type OutgoingMessage } from "../protocol/wire.js";
import { SharedSlot, type FromIo, type IoThreadData, type ToIo } from "./bridge.js";
import { Interrupter } from "./interrupter.js";
import { SendQueue } from "./send-queue.js";

const data = workerData as IoThreadData;
const port = parentPort!;
const info = data.connection;
const signer = createSigner(info.key, info.signature_scheme);
const shared = new Int32Array(data.shared);
// Straight to fd 2: a worker's process.stderr is piped through the main thread, whose writes
// belong to the cells.
const log = (text: string) => writeSync(2, `[parallab] ${text}\n`);

const shell = new zmq.Router({ linger: 0 });
const control = new zmq.Router({ linger: 0 });
const stdin = new zmq.Router({ linger: 0 });
const iopub = new zmq.Publisher({ linger: 1000, sendHighWaterMark: 0 });
const heartbeat = new zmq.Reply({ linger: 0 });

const onSendError = (err: Error) => log(`send failed: ${err.message}`);
const queues = {
  shell: new SendQueue(shell, signer, onSendError),
  control: new SendQueue(control, signer, onSendError),
  stdin: new SendQueue(stdin, signer, onSendError),
  iopub: new SendQueue(iopub, signer, onSendError),
};

/** Routing frames of requests still waiting for their reply (and for input requests). */
const pendingIdentities = new Map<string, Buffer[]>();
const interrupter = new Interrupter(shared, port);

function publish(parent: Header | null, msgType: string, content: unknown, metadata?: Record<string, unknown>, buffers?: Uint8Array[]): void {
  queues.iopub.push({
    identities: [Buffer.from(`kernel.${data.session}.${msgType}`)],
    header: newHeader(msgType, data.session),
    parent_header: parent ?? {},
    metadata,
    content,
    buffers,
  });
}

function reply(channel: "shell" | "control", parent: Header, msgType: string, content: unknown, metadata?: Record<string, unknown>): void {
  const identities = pendingIdentities.get(parent.msg_id) ?? [];
  pendingIdentities.delete(parent.msg_id);
  const msg: OutgoingMessage = { identities, header: newHeader(msgType, data.session), parent_header: parent, metadata, content };
  queues[channel].push(msg);
}

function toMain(msg: FromIo): void {
  port.postMessage(msg);
}

/** Requests answered here, without the main thread; returns false for the rest. */
async function answerLocally(channel: "shell" | "control", msg: ValidRequest): Promise<boolean> {
  switch (msg.msgType) {
    case "kernel_info_request":
      publish(msg.header, "status", { execution_state: "busy" });
      reply(channel, msg.header, "kernel_info_reply", data.kernelInfo);
      publish(msg.header, "status", { execution_state: "idle" });
      return true;
    case "interrupt_request": {
      publish(msg.header, "status", { execution_state: "busy" });
      await interrupter.interrupt();
      reply(channel, msg.header, "interrupt_reply", { status: "ok" });
      publish(msg.header, "status", { execution_state: "idle" });
      return true;
    }
    case "shutdown_request":
      // A busy cell would hold the shutdown back: stop it first.
      await interrupter.interrupt();
      return false;
    default:
      return false;
  }
}

async function serve(channel: "shell" | "control", socket: zmq.Router): Promise<void> {
  for await (const frames of socket) {
    let msg: Message;
    try {
      msg = decode(frames, signer);
    } catch (err) {
      if (err instanceof BadSignatureError) log(`WARNING: ${err.message} on ${channel}; ignored`);
      else log(`WARNING: dropped an undecodable message on ${channel}: ${(err as Error).message}`);
      continue;
    }
    // Nothing is published for a message the kernel cannot read: not even busy/idle.
    const checked = checkRequest(msg);
    if (!checked.ok) {
      log(`WARNING: dropped an invalid message on ${channel}: ${checked.problem}`);
      continue;
    }
    const request = checked.value;
    pendingIdentities.set(request.header.msg_id, request.identities);
    if (await answerLocally(channel, request)) continue;
    const { identities: _routing, ...forMain } = request;
    toMain({ op: "request", channel, request: forMain });
  }
}

async function serveStdin(): Promise<void> {
  for await (const frames of stdin) {
    try {
      const checked = checkInputReply(decode(frames, signer));
      if (checked.ok) toMain({ op: "input_reply", value: checked.value.value });
      else log(`WARNING: dropped an invalid message on stdin: ${checked.problem}`);
    } catch (err) {
      log(`WARNING: ${(err as Error).message} on stdin; ignored`);
    }
  }
}

async function serveHeartbeat(): Promise<void> {
  for await (const frames of heartbeat) await heartbeat.send(frames);
}

port.on("message", (msg: ToIo) => {
  switch (msg.op) {
    case "publish":
      publish(msg.parent, msg.msgType, msg.content, msg.metadata, msg.buffers);
      break;
    case "stream":
      publish(msg.parent, "stream", { name: msg.name, text: msg.text });
      break;
    case "reply":
      reply(msg.channel, msg.parent, msg.msgType, msg.content, msg.metadata);
      break;
    case "input_request":
      queues.stdin.push({
        identities: pendingIdentities.get(msg.parent.msg_id) ?? [],
        header: newHeader("input_request", data.session),
        parent_header: msg.parent,
        content: { prompt: msg.prompt, password: msg.password },
      });
      break;
    case "flush":
      void Promise.all(Object.values(queues).map((q) => q.idle())).then(() => {
        if (msg.close) closeSockets();
        Atomics.add(shared, SharedSlot.Flushed, 1);
        Atomics.notify(shared, SharedSlot.Flushed);
      });
      break;
  }
});

let closed = false;
function closeSockets(): void {
  if (closed) return;
  closed = true;
  for (const socket of [shell, control, stdin, iopub, heartbeat]) socket.close();
}

async function start(): Promise<void> {
  await Promise.all([
    shell.bind(endpoint(info, info.shell_port)),
    control.bind(endpoint(info, info.control_port)),
    stdin.bind(endpoint(info, info.stdin_port)),
    iopub.bind(endpoint(info, info.iopub_port)),
    heartbeat.bind(endpoint(info, info.hb_port)),
  ]);
  publish(null, "status", { execution_state: "starting" });
  toMain({ op: "ready" });
  const loops = [serve("shell", shell), serve("control", control), serveStdin(), serveHeartbeat()];
  await Promise.all(loops.map((loop) => loop.catch((err) => closed || log(`socket loop ended: ${(err as Error).message}`))));
}

start().catch((err) => {
  log(`cannot start the sockets: ${(err as Error).message}`);
  process.exit(1);
});
