// The wire format and the send queue, with real zeromq sockets.
import * as zmq from "zeromq";
import { describe, expect, it } from "vitest";
import { newHeader } from "../kernel/protocol/messages.js";
import { createSigner } from "../kernel/protocol/signer.js";
import { BadSignatureError, decode, encode } from "../kernel/protocol/wire.js";
import { SendQueue } from "../kernel/io/send-queue.js";
import { checkInputReply, checkRequest } from "../kernel/protocol/validate.js";

const signer = createSigner("secret-key");

describe("wire format", () => {
  it("round-trips a message with routing frames and buffers", () => {
    const header = newHeader("execute_request", "s1");
    const frames = encode({ identities: [Buffer.from("client")], header, parent_header: {}, content: { code: "1" }, buffers: [new Uint8Array([1, 2])] }, signer);
    const msg = decode(
      frames.map((f) => Buffer.from(f)),
      signer,
    );
    expect(msg.identities.map((b) => b.toString())).toEqual(["client"]);
    expect(msg.header).toEqual(header);
    expect(msg.content).toEqual({ code: "1" });
    expect([...msg.buffers[0]!]).toEqual([1, 2]);
  });

  it("rejects a wrong signature, and a right one made with another key", () => {
    const frames = encode({ header: newHeader("kernel_info_request", "s"), parent_header: {}, content: {} }, createSigner("other-key")).map((f) => Buffer.from(f));
    expect(() => decode(frames, signer)).toThrow(BadSignatureError);
    const truncated = encode({ header: newHeader("kernel_info_request", "s"), parent_header: {}, content: {} }, signer).map((f) => Buffer.from(f));
    truncated[1] = truncated[1]!.subarray(0, 10);
    expect(() => decode(truncated, signer)).toThrow(/bad signature/);
  });

  it("signs HMAC-SHA256 over the four JSON frames, as jupyter_client does", async () => {
    const { createHmac } = await import("node:crypto");
    const parts = ['{"a":1}', "{}", "{}", '{"b":2}'];
    const expected = createHmac("sha256", "secret-key").update(parts.join("")).digest("hex");
    expect(signer.sign(parts)).toBe(expected);
    expect(createSigner("").sign(parts)).toBe("");
  });
});

describe("send queue", () => {
  it("delivers every message in order over a real socket and coalesces stream bursts", async () => {
    const server = new zmq.Router();
    await server.bind("tcp://127.0.0.1:*");
    const client = new zmq.Dealer({ routingId: "c" });
    client.connect(server.lastEndpoint!);
    // A ROUTER drops messages for peers it has not heard from: say hello first, as clients do.
    await client.send("hello");
    await server.receive();
    const errors: Error[] = [];
    const queue = new SendQueue(server, signer, (e) => errors.push(e));
    const parent = newHeader("execute_request", "s");
    for (let i = 0; i < 5000; i++) {
      queue.push({ identities: [Buffer.from("c")], header: newHeader("stream", "s"), parent_header: parent, content: { name: "stdout", text: `${i}\n` } });
    }
    queue.push({ identities: [Buffer.from("c")], header: newHeader("status", "s"), parent_header: parent, content: { execution_state: "idle" } });
    await queue.idle();
    let text = "";
    let messages = 0;
    for (;;) {
      const msg = decode(await client.receive(), signer);
      messages++;
      if (msg.header.msg_type === "status") break;
      text += (msg.content as { text: string }).text;
    }
    expect(text).toBe(Array.from({ length: 5000 }, (_, i) => `${i}\n`).join(""));
    expect(messages).toBeLessThan(100);
    expect(errors).toEqual([]);
    client.close();
    server.close();
  });
});

describe("message checks", () => {
  const message = (header: unknown, content: unknown, parent: unknown = {}) => ({ identities: [], header, parent_header: parent, metadata: {}, content, buffers: [] }) as never;

  it("accepts a request of each handled type and narrows its content; null optional fields read as absent", () => {
    const execute = checkRequest(message(newHeader("execute_request", "s"), { code: "1 + 1", silent: null, user_expressions: { a: "x" } }));
    expect(execute).toMatchObject({ ok: true, value: { msgType: "execute_request", content: { code: "1 + 1", silent: undefined, user_expressions: { a: "x" } } } });
    expect(checkRequest(message(newHeader("history_request", "s"), { hist_access_type: "tail", n: 10, output: false, raw: true }))).toMatchObject({ ok: true });
    expect(checkRequest(message(newHeader("comm_open", "s"), { comm_id: "c", target_name: "t", data: {} }))).toMatchObject({ ok: true });
    // Unknown fields stay: a newer client's additions are not an error.
    expect(checkRequest(message(newHeader("kernel_info_request", "s"), { future: 1 }))).toMatchObject({ ok: true, value: { content: { future: 1 } } });
  });

  it("names what is wrong: header, frames, content, type", () => {
    const problem = (m: never) => {
      const r = checkRequest(m);
      return r.ok ? "accepted" : r.problem;
    };
    expect(problem(message("execute_request", { code: "" }))).toBe('header: expected an object, got the string "execute_request"');
    expect(problem(message({ ...newHeader("execute_request", "s"), msg_id: "" }, { code: "" }))).toBe("header.msg_id: expected a non-empty string, got an empty string");
    expect(problem(message(newHeader("execute_request", "s"), { code: "" }, "parent"))).toBe('parent_header: expected an object, got the string "parent"');
    expect(problem(message(newHeader("execute_request", "s"), ["code"]))).toBe("content: expected an object, got an array");
    expect(problem(message(newHeader("inspect_request", "s"), { code: "x", cursor_pos: -1 }))).toBe("content.cursor_pos: expected a non-negative integer, got the number -1");
    expect(problem(message(newHeader("history_request", "s"), { hist_access_type: "all" }))).toBe('content.hist_access_type: expected one of "range", "tail", "search", got the string "all"');
    expect(problem(message(newHeader("made_up", "s"), {}))).toBe('unknown message type "made_up"');
    expect(checkInputReply(message(newHeader("input_reply", "s"), { value: 3 }))).toMatchObject({ ok: false, problem: "content.value: expected a string, got the number 3" });
    expect(checkInputReply(message(newHeader("execute_request", "s"), { value: "x" }))).toEqual({ ok: false, problem: 'unexpected "execute_request" on stdin' });
  });
});
