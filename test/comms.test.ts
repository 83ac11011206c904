// Comms through a real kernel and our ZMQ client acting as the front end: the parallab module's
// `comms` both ways, comm_info, buffers, and the handlers' output going to the message that
// caused it. Bad comm messages leave a line in the kernel's log and the kernel working.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Header, Message } from "../kernel/protocol/messages.js";
import { errorOf, ofType, resultText, startKernel, stdout, type TestKernel } from "./helpers/kernel.js";

let k: TestKernel;
beforeAll(async () => {
  k = await startKernel();
  const { reply } = await k.client.execute('import { comms } from "parallab";');
  expect(reply.content).toMatchObject({ status: "ok" });
});
afterAll(async () => {
  await k?.stop();
});

const parentOf = (m: Message) => (m.parent_header as Header).msg_id;
const commInfo = async (target?: string) => {
  const { reply } = await k.client.request("shell", "comm_info_request", target === undefined ? {} : { target_name: target });
  expect(reply.content).toMatchObject({ status: "ok" });
  return (reply.content as { comms: Record<string, { target_name: string }> }).comms;
};
/** Waits until the kernel's log has `pattern` (it is written as the message is handled). */
async function logged(pattern: RegExp): Promise<string> {
  for (let i = 0; i < 100 && !pattern.test(k.kernel.log()); i++) await new Promise((r) => setTimeout(r, 50));
  return k.kernel.log();
}

describe("a target registered by a cell, opened by the front end", () => {
  it("runs the target's handler with the comm_open's data and metadata; the handler's output has the comm_open as parent", async () => {
    await k.client.execute(`
      const received: unknown[] = [];
      comms.registerTarget("echo", (comm, open) => {
        console.log("opened", comm.commId, comm.targetName, JSON.stringify(open.data), JSON.stringify(open.metadata));
        comm.onMsg((msg) => {
          received.push(msg.data);
          console.log("got", JSON.stringify(msg.data), "with", msg.buffers.length, "buffers:", msg.buffers.map((b) => Array.from(b).join(",")).join(" "));
          comm.send({ echo: msg.data }, { buffers: [new Uint8Array([9, 8, 7])] });
        });
        comm.onClose((msg) => console.log("closed by the front end:", JSON.stringify(msg.data)));
      });`);
    const open = await k.client.sendComm("comm_open", { comm_id: "c1", target_name: "echo", data: { hello: "kernel" } }, { metadata: { version: "x" } });
    expect(stdout(open.outputs)).toBe('opened c1 echo {"hello":"kernel"} {"version":"x"}\n');
    for (const m of ofType(open.outputs, "stream")) expect(parentOf(m)).toBe(open.reply.header.msg_id);
    expect(await commInfo()).toMatchObject({ c1: { target_name: "echo" } });
    expect(await commInfo("echo")).toEqual({ c1: { target_name: "echo" } });
    expect(await commInfo("nothing.here")).toEqual({});
  });

  it("delivers the front end's comm_msg with its buffers, and the kernel's answer comes back as a comm_msg with buffers", async () => {
    const sent = await k.client.sendComm("comm_msg", { comm_id: "c1", data: { n: 1 } }, { buffers: [new Uint8Array([1, 2, 3]), new Uint8Array([4])] });
    expect(stdout(sent.outputs)).toBe('got {"n":1} with 2 buffers: 1,2,3 4\n');
    const answer = ofType(sent.outputs, "comm_msg")[0]!;
    expect(answer.content).toEqual({ comm_id: "c1", data: { echo: { n: 1 } } });
    expect(parentOf(answer)).toBe(sent.reply.header.msg_id);
    expect(answer.buffers.map((b) => [...b])).toEqual([[9, 8, 7]]);
    const { outputs } = await k.client.execute("received");
    expect(resultText(outputs)).toBe("[ { n: 1 } ]");
  });

  it("runs the close handler when the front end closes the comm, and forgets the comm", async () => {
    const closed = await k.client.sendComm("comm_close", { comm_id: "c1", data: { bye: true } });
    expect(stdout(closed.outputs)).toBe('closed by the front end: {"bye":true}\n');
    expect(await commInfo()).not.toHaveProperty("c1");
  });
});

describe("a comm the cell opens", () => {
  it("publishes comm_open with the cell as parent, sends, receives and closes", async () => {
    const { reply, outputs } = await k.client.execute(`
      const mine = comms.open("front.target", { from: "kernel" }, { metadata: { m: 1 }, buffers: [new Uint8Array([5])] });
      mine.onMsg((msg) => console.log("the front end says", JSON.stringify(msg.data)));
      mine.onClose(() => console.log("the front end closed it"));
      mine.send({ step: 1 });
      mine.commId`);
    const opened = ofType(outputs, "comm_open")[0]!;
    const id = opened.content.comm_id as string;
    expect(resultText(outputs)).toBe(`'${id}'`);
    expect(opened.content).toEqual({ comm_id: id, target_name: "front.target", data: { from: "kernel" } });
    expect(opened.metadata).toEqual({ m: 1 });
    expect(opened.buffers.map((b) => [...b])).toEqual([[5]]);
    expect(parentOf(opened)).toBe((reply.parent_header as Header).msg_id);
    expect(ofType(outputs, "comm_msg").map((m) => m.content)).toEqual([{ comm_id: id, data: { step: 1 } }]);
    expect(await commInfo("front.target")).toEqual({ [id]: { target_name: "front.target" } });

    const said = await k.client.sendComm("comm_msg", { comm_id: id, data: { ok: true } });
    expect(stdout(said.outputs)).toBe('the front end says {"ok":true}\n');

    const { outputs: closing } = await k.client.execute("mine.close({ reason: 'done' }); mine.isClosed");
    expect(ofType(closing, "comm_close").map((m) => m.content)).toEqual([{ comm_id: id, data: { reason: "done" } }]);
    expect(resultText(closing)).toBe("true");
    expect(await commInfo()).not.toHaveProperty(id);
    const { outputs: late } = await k.client.execute("mine.send({ late: true })");
    expect(errorOf(late)?.evalue).toMatch(/is closed: it cannot send/);
  });
});

describe("handlers", () => {
  it("are awaited before idle when async, and their error shows under the comm message and in the log", async () => {
    await k.client.execute(`
      comms.registerTarget("slow", (comm) => {
        comm.onMsg(async (msg) => {
          await new Promise((r) => setTimeout(r, 50));
          console.log("after the wait");
          if (msg.data.fail) throw new Error("the handler failed on purpose");
        });
      });`);
    await k.client.sendComm("comm_open", { comm_id: "s1", target_name: "slow", data: {} });
    const waited = await k.client.sendComm("comm_msg", { comm_id: "s1", data: {} });
    expect(stdout(waited.outputs)).toBe("after the wait\n");
    const failed = await k.client.sendComm("comm_msg", { comm_id: "s1", data: { fail: true } });
    expect(errorOf(failed.outputs)?.evalue).toBe("the handler failed on purpose");
    expect(parentOf(ofType(failed.outputs, "error")[0]!)).toBe(failed.reply.header.msg_id);
    expect(await logged(/a handler of comm_msg .* failed: Error: the handler failed on purpose/)).toMatch(/failed: Error: the handler failed on purpose/);
    const { outputs } = await k.client.execute("1 + 1");
    expect(resultText(outputs)).toBe("2");
  });
});

describe("an interrupt", () => {
  it("stops waiting for a handler that never settles: KeyboardInterrupt under its message, and the next request runs", async () => {
    await k.client.execute(`
      comms.registerTarget("stuck", (comm) => {
        comm.onMsg(() => new Promise(() => console.log("waiting forever")));
      });`);
    await k.client.sendComm("comm_open", { comm_id: "stuck-1", target_name: "stuck", data: {} });
    const waiting = k.client.sendComm("comm_msg", { comm_id: "stuck-1", data: {} });
    for (let i = 0; i < 100 && !k.client.iopubLog.some((m) => (m.content as { text?: string }).text === "waiting forever\n"); i++) await new Promise((r) => setTimeout(r, 50));
    await k.client.request("control", "interrupt_request", {});
    const { outputs } = await waiting;
    expect(errorOf(outputs)?.ename).toBe("KeyboardInterrupt");
    expect(await logged(/the handling of comm_msg .* was interrupted/)).toMatch(/was interrupted/);
    const { outputs: after } = await k.client.execute("'still here'");
    expect(resultText(after)).toBe("'still here'");
  });
});

describe("bad comm messages", () => {
  it("a comm_open to an unknown target is closed at once, with a log line naming the registered targets", async () => {
    const open = await k.client.sendComm("comm_open", { comm_id: "u1", target_name: "no.such.target", data: {} });
    expect(ofType(open.outputs, "comm_close").map((m) => m.content)).toEqual([{ comm_id: "u1", data: {} }]);
    expect(await logged(/no\.such\.target/)).toMatch(/comm_open to unknown target "no\.such\.target" \(comm u1\): closed it\. Registered targets: .*"jupyter\.widget"/);
  });

  it("a comm_msg or comm_close for an unknown comm id is ignored with a log line", async () => {
    const sent = await k.client.sendComm("comm_msg", { comm_id: "never-opened", data: { x: 1 } });
    expect(sent.outputs).toEqual([]);
    await k.client.sendComm("comm_close", { comm_id: "never-opened-2", data: {} });
    const log = await logged(/never-opened-2/);
    expect(log).toMatch(/comm_msg for unknown comm never-opened: ignored \(it was never opened, or is closed\)/);
    expect(log).toMatch(/comm_close for unknown comm never-opened-2: ignored/);
  });

  it("a comm message whose content breaks the spec is dropped by the I/O thread with a log line", async () => {
    await k.client.sendSignedFrames(
      JSON.stringify({ msg_id: "bad-comm", msg_type: "comm_msg", session: k.client.session, username: "u", date: new Date().toISOString(), version: "5.3" }),
      "{}",
      "{}",
      JSON.stringify({ comm_id: 7, data: {} }),
    );
    expect(await logged(/content\.comm_id/)).toMatch(/dropped an invalid message on shell: content\.comm_id: expected a string, got the number 7/);
  });

  it("leaves the kernel working", async () => {
    const { reply, outputs } = await k.client.execute("[...'ok'].join('')");
    expect(reply.content).toMatchObject({ status: "ok" });
    expect(resultText(outputs)).toBe("'ok'");
  });
});
