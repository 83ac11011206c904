// The kernel through a real ZMQ client: the protocol behaviours the Jupyter front ends rely on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, ofType, resultText, startKernel, stdout, stripAnsi, type TestKernel } from "./helpers/kernel.js";
import { newHeader, type Header } from "../kernel/protocol/messages.js";

let k: TestKernel;
beforeAll(async () => {
  k = await startKernel();
});
afterAll(async () => {
  await k?.stop();
});

describe("kernel_info", () => {
  it("answers ok with TypeScript's language_info and real versions", async () => {
    const { reply } = await k.client.request("shell", "kernel_info_request", {});
    const c = reply.content as Record<string, never>;
    expect(c.status).toBe("ok");
    expect(c.protocol_version).toBe("5.3");
    expect(c.implementation).toBe("parallab");
    expect(c.language_info).toMatchObject({ name: "typescript", version: "5.0.4", mimetype: "text/typescript", file_extension: ".ts", pygments_lexer: "typescript" });
    expect(c.language_info.codemirror_mode).toBeTruthy();
  });
});

describe("execute", () => {
  it("publishes execute_input, then execute_result with a text/plain bundle of the last expression", async () => {
    const { reply, outputs } = await k.client.execute("const answer: number = 6 * 7;\n({ answer, list: [1, 2, 3] })");
    expect(reply.content).toMatchObject({ status: "ok" });
    expect(outputs[0]!.header.msg_type).toBe("execute_input");
    expect(resultText(outputs)).toBe("{ answer: 42, list: [ 1, 2, 3 ] }");
    const count = (reply.content as { execution_count: number }).execution_count;
    expect((ofType(outputs, "execute_result")[0]!.content as { execution_count: number }).execution_count).toBe(count);
  });

  it("keeps declarations across cells", async () => {
    await k.client.execute("function square(x: number): number { return x * x; }");
    const { outputs } = await k.client.execute("square(answer)");
    expect(resultText(outputs)).toBe("1764");
    // tslab alone misses shorthand properties that name an earlier cell's variable.
    const shorthand = await k.client.execute("({ answer, square: typeof square })");
    expect(resultText(shorthand.outputs)).toBe("{ answer: 42, square: 'function' }");
  });

  it("runs cells against a plain object, so top-level variables stay fast and shared with later cells", async () => {
    // tslab's exports are a Proxy whose every assignment goes through a trap: ~30x slower loops.
    const plain = await k.client.execute('require("node:util").types.isProxy(exports)');
    expect(resultText(plain.outputs)).toBe("false");
    await k.client.execute("let total = 0;\nfor (let i = 1; i <= 1000; i++) total += i;\nfunction bump(by: number) { total += by; return total; }");
    const later = await k.client.execute("bump(1); bump(1)");
    expect(resultText(later.outputs)).toBe("500502");
    const imported = await k.client.execute('import { basename } from "node:path";\nlet name = basename("/a/b.txt");\nname = name.toUpperCase();\nname');
    expect(resultText(imported.outputs)).toBe("'B.TXT'");
  });

  it("awaits at the top level in every form: await (x), for await, and inside expressions", async () => {
    // A cell is a script to tslab, where `await (x)` reads as a call to a function `await`.
    const parenthesised = await k.client.execute("const awaited = await (Promise.resolve(20)); awaited + 1");
    expect(resultText(parenthesised.outputs)).toBe("21");
    const loop = await k.client.execute("async function* twoNumbers() { yield 1; yield 2; }\nlet total = 0;\nfor await (const n of twoNumbers()) total += n;\ntotal");
    expect(resultText(loop.outputs)).toBe("3");
    const typed = await k.client.execute("const doubled: number = awaited * 2; doubled");
    expect(resultText(typed.outputs)).toBe("40");
  });

  it("delivers all 100 000 lines of a burst, in order, and ends with idle", async () => {
    const { reply, outputs } = await k.client.execute("for (let i = 0; i < 100000; i++) console.log(`line ${i}`);");
    expect(reply.content).toMatchObject({ status: "ok" });
    const lines = stdout(outputs).trimEnd().split("\n");
    expect(lines.length).toBe(100000);
    expect(lines[0]).toBe("line 0");
    expect(lines[99999]).toBe("line 99999");
    expect(lines.every((l, i) => l === `line ${i}`)).toBe(true);
    // Batched: far fewer messages than lines.
    expect(ofType(outputs, "stream").length).toBeLessThan(1000);
  });

  it("reports a runtime error with ename, evalue and a traceback at the cell's own lines", async () => {
    const code = [
      "interface P { x: number }",
      "",
      "function check(p: P): number {",
      "  if (p.x > 1) {",
      "    throw new RangeError(`x too big: ${p.x}`);",
      "  }",
      "  return p.x;",
      "}",
      "check({ x: 5 })",
    ].join("\n");
    const { reply, outputs } = await k.client.execute(code);
    expect(reply.content).toMatchObject({ status: "error", ename: "RangeError", evalue: "x too big: 5" });
    const error = errorOf(outputs)!;
    const tb = stripAnsi(error.traceback.join("\n"));
    expect(tb).toMatch(/at check \(Cell\[\d+\], line 5\)/);
    expect(tb).toMatch(/Cell\[\d+\], line 9/);
    expect(tb).toContain("throw new RangeError");
  });

  it("maps errors in functions of earlier cells to those cells' lines", async () => {
    await k.client.execute("const helper = (n: number) => {\n  // two lines down\n  return (null as any).boom + n;\n};");
    const { outputs } = await k.client.execute("helper(1)");
    const tb = stripAnsi(errorOf(outputs)!.traceback.join("\n"));
    expect(tb).toMatch(/Cell\[\d+\], line 3/);
  });

  it("reports TypeScript diagnostics as an error with the line and the TS code", async () => {
    const { reply, outputs } = await k.client.execute("const ok = 1;\nconst s: string = ok;");
    expect(reply.content).toMatchObject({ status: "error", ename: "TSError" });
    const error = errorOf(outputs)!;
    expect(error.evalue).toMatch(/^TS2322: Type 'number' is not assignable to type 'string'/);
    expect(stripAnsi(error.traceback.join("\n"))).toMatch(/line 2, col 7/);
  });

  it("compiles a cell run again as the first time: the same error, the same value, nothing on stderr", async () => {
    // The compiler skips tslab's first program of a declaring cell; with the same text twice
    // in a row it must still check and emit the cell itself (and tslab must not warn).
    for (let run = 0; run < 2; run++) {
      const { outputs } = await k.client.execute("const again: number = 'text';");
      expect(errorOf(outputs)!.evalue).toMatch(/^TS2322: Type 'string' is not assignable to type 'number'/);
      expect(ofType(outputs, "stream")).toEqual([]);
    }
    for (let run = 0; run < 2; run++) {
      const { outputs } = await k.client.execute("const twice = 21;\nconst doubled = twice * 2;\ndoubled");
      expect(resultText(outputs)).toBe("42");
      expect(ofType(outputs, "stream")).toEqual([]);
    }
    const later = await k.client.execute("const last = doubled + twice; // a comment after the value\nlast");
    expect(resultText(later.outputs)).toBe("63");
  });

  it("declares names that start with two underscores, also when the cell runs again", async () => {
    // TypeScript keys such names escaped (`__x` as `___x`); tslab exported the escaped name.
    for (let run = 0; run < 3; run++) {
      const { reply } = await k.client.execute("const __scale = 3;\nfunction __twice(x: number) { return 2 * x; }");
      expect(reply.content).toMatchObject({ status: "ok" });
    }
    const { outputs } = await k.client.execute("__twice(__scale)");
    expect(resultText(outputs)).toBe("6");
  });

  it("takes `declare global { … }` in a cell, alone or with other declarations", async () => {
    const alone = await k.client.execute("declare global { var sharedCounter: number }");
    expect(alone.reply.content).toMatchObject({ status: "ok" });
    const withOthers = await k.client.execute("declare global { interface Array<T> { second(): T | undefined } }\nArray.prototype.second = function () { return this[1]; };\nconst start = 40;");
    expect(withOthers.reply.content).toMatchObject({ status: "ok" });
    const { outputs } = await k.client.execute("sharedCounter = start + 2;\n[sharedCounter, 7].second()");
    expect(resultText(outputs)).toBe("7");
  });

  it("answers a literal cell without the compiler exactly as the compiler would, and keeps the notebook's declarations", async () => {
    await k.client.execute("const keptAcrossLiterals = 5;");
    // `void 0;` first makes a cell the compiler has to check; the literal alone takes the short way.
    for (const cell of ["1 + 1", "-5n", "'a' + 1", "[1, 'a', null, [true]]", "({ a: 1, 'b c': [2.5] })", "null", "/* c */ 2 ** 10; // d"]) {
      const short = await k.client.execute(cell);
      const compiled = await k.client.execute(`void 0;\n${cell}`);
      expect(resultText(short.outputs), cell).toBe(resultText(compiled.outputs));
      expect(ofType(short.outputs, "stream")).toEqual([]);
    }
    // Type errors among literals still come from the compiler.
    for (const [cell, error] of [
      ["1 * 'a'", "TS2363"],
      ["({ a: 1, a: 2 })", "TS1117"],
      ["null + 1", "TS2365"],
      ["0777", "TS1085"],
    ]) {
      const { reply, outputs } = await k.client.execute(cell!);
      expect(reply.content, cell).toMatchObject({ status: "error", ename: "TSError" });
      expect(errorOf(outputs)!.evalue).toContain(error);
    }
    const later = await k.client.execute("keptAcrossLiterals * 2");
    expect(resultText(later.outputs)).toBe("10");
  });

  it("reports a syntax error clearly", async () => {
    const { reply, outputs } = await k.client.execute("const x = ;");
    expect(reply.content).toMatchObject({ status: "error", ename: "TSError" });
    expect(errorOf(outputs)!.evalue).toMatch(/TS1109: Expression expected/);
  });

  it("places an error at the end of a declaring cell on its last line, also when the cell runs again", async () => {
    for (let run = 0; run < 2; run++) {
      const { outputs } = await k.client.execute("function unfinished() {\n  return 1;");
      const traceback = stripAnsi(errorOf(outputs)!.traceback.join("\n"));
      expect(traceback).toContain("error TS1005: '}' expected.");
      expect(traceback).toContain("Cell[");
      expect(traceback).toMatch(/line 2, col 12\n.*function unfinished\(\) \{\n----> 2 {3}return 1;/);
    }
  });

  it("shows a thrown non-Error value as the REPL does", async () => {
    const { reply, outputs } = await k.client.execute('throw { code: 7, why: "custom" }');
    expect(reply.content).toMatchObject({ status: "error", ename: "Uncaught" });
    expect(errorOf(outputs)!.evalue).toBe("{ code: 7, why: 'custom' }");
  });

  it("runs the cells after an error when the client does not stop on error", async () => {
    const failing = k.client.execute("throw new Error('first')", { stopOnError: false });
    const next = k.client.execute("'still running'", { stopOnError: false });
    const [a, b] = await Promise.all([failing, next]);
    expect(a.reply.content).toMatchObject({ status: "error" });
    expect(b.reply.content).toMatchObject({ status: "ok" });
    expect(resultText(b.outputs)).toBe("'still running'");
  });

  it("aborts queued cells after an error only when the client asked for stop_on_error", async () => {
    const failing = k.client.execute("await new Promise((r) => setTimeout(r, 200)); throw new Error('stop here')");
    const queued = k.client.execute("'should not run'");
    const [a, b] = await Promise.all([failing, queued]);
    expect(a.reply.content).toMatchObject({ status: "error" });
    expect(b.reply.content).toMatchObject({ status: "aborted" });
    expect(resultText(b.outputs)).toBeUndefined();
    // No abort window: the next cell runs.
    const { reply } = await k.client.execute("1");
    expect(reply.content).toMatchObject({ status: "ok" });
  });

  it("routes output printed later by a cell's timer to that cell", async () => {
    const first = await k.client.execute("setTimeout(() => console.log('late from A'), 300); 'A done'");
    const firstId = (first.reply.parent_header as Header).msg_id;
    const second = await k.client.execute("await new Promise((r) => setTimeout(r, 600)); 'B done'");
    expect(stdout(second.outputs)).not.toContain("late from A");
    const late = k.client.iopubLog.find((m) => m.header.msg_type === "stream" && (m.content as { text: string }).text.includes("late from A"));
    expect((late!.parent_header as Header).msg_id).toBe(firstId);
  });

  it("keeps the kernel alive when a timer throws after its cell ended", async () => {
    const a = await k.client.execute("setTimeout(() => { throw new Error('async boom'); }, 50); 'scheduled'");
    await new Promise((r) => setTimeout(r, 300));
    const aId = (a.reply.parent_header as Header).msg_id;
    const report = k.client.iopubLog.find((m) => (m.parent_header as Header).msg_id === aId && m.header.msg_type === "stream" && (m.content as { text: string }).text.includes("async boom"));
    expect(report).toBeDefined();
    const { reply } = await k.client.execute("'alive'");
    expect(reply.content).toMatchObject({ status: "ok" });
  });

  it("does not show a result for silent requests nor count them", async () => {
    const before = await k.client.execute("1");
    const silent = await k.client.execute("2", { silent: true });
    expect(ofType(silent.outputs, "execute_input")).toHaveLength(0);
    expect(resultText(silent.outputs)).toBeUndefined();
    expect((silent.reply.content as { execution_count: number }).execution_count).toBe((before.reply.content as { execution_count: number }).execution_count);
  });

  it("evaluates user_expressions", async () => {
    const { reply } = await k.client.execute("const ue = 21;", { userExpressions: { doubled: "ue * 2", bad: "nope.nope" } });
    const ue = (reply.content as { user_expressions: Record<string, Record<string, never>> }).user_expressions;
    expect(ue.doubled).toMatchObject({ status: "ok", data: { "text/plain": "42" } });
    expect(ue.bad.status).toBe("error");
  });
});

describe("interrupt", () => {
  it("stops a busy loop that follows an await, through the control channel", async () => {
    const running = k.client.execute("await new Promise((r) => setTimeout(r, 50));\nlet spins = 0;\nwhile (true) { spins++; }");
    await new Promise((r) => setTimeout(r, 700));
    const { reply: interruptReply } = await k.client.request("control", "interrupt_request", {});
    expect(interruptReply.content).toMatchObject({ status: "ok" });
    const { reply } = await running;
    expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    const after = await k.client.execute("'alive after interrupt'");
    expect(resultText(after.outputs)).toBe("'alive after interrupt'");
  });

  it("stops a synchronous busy loop", async () => {
    const running = k.client.execute("for (;;) {}");
    await new Promise((r) => setTimeout(r, 500));
    await k.client.request("control", "interrupt_request", {});
    const { reply } = await running;
    expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
  });

  it("stops a cell that is waiting on a promise", async () => {
    const running = k.client.execute("await new Promise(() => {})");
    await new Promise((r) => setTimeout(r, 300));
    await k.client.request("control", "interrupt_request", {});
    const { reply } = await running;
    expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    const after = await k.client.execute("1 + 1");
    expect(resultText(after.outputs)).toBe("2");
  });

  it("stops a busy loop that an interrupted cell starts later in the background", async () => {
    const running = k.client.execute("await new Promise((r) => setTimeout(r, 400));\nwhile (true) {}");
    await new Promise((r) => setTimeout(r, 150));
    await k.client.request("control", "interrupt_request", {});
    expect((await running).reply.content).toMatchObject({ ename: "KeyboardInterrupt" });
    // The cell's continuation now spins with no cell running: the kernel must not stay stuck.
    await new Promise((r) => setTimeout(r, 500));
    await k.client.request("control", "interrupt_request", {});
    const after = await k.client.execute("'free again'");
    expect(resultText(after.outputs)).toBe("'free again'");
  });

  it("never stops the compiler: interrupts sent while a cell compiles wait for its code to run", async () => {
    const types = Array.from({ length: 150 }, (_, i) => `type T${i} = { v: ${i}; next: T${i + 1} | null };`).join("\n");
    const running = k.client.execute(`${types}\ntype T150 = null;\nwhile (true) {}`);
    let done = false;
    void running.then(() => (done = true));
    while (!done) {
      await k.client.request("control", "interrupt_request", {});
      await new Promise((r) => setTimeout(r, 15));
    }
    expect((await running).reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    const after = await k.client.execute("interface Later { n: number }\nconst later: Later = { n: 7 };\nlater.n * 6");
    expect(resultText(after.outputs)).toBe("42");
  });

  it("answers heartbeats and kernel_info while a cell is busy", async () => {
    const running = k.client.execute("const t0 = Date.now(); while (Date.now() - t0 < 1500) {}");
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const { reply } = await k.client.request("control", "kernel_info_request", {});
    expect(reply.content).toMatchObject({ status: "ok" });
    expect(Date.now() - started).toBeLessThan(1000);
    await running;
  });
});

describe("stdin", () => {
  it("asks the front end for input with input_request", async () => {
    const prompts: string[] = [];
    const { outputs } = await k.client.execute('import { input } from "parallab";\nconst name = await input("Your name? ");\n`hello ${name}`', {
      onInput: (prompt) => {
        prompts.push(prompt);
        return "Ada";
      },
    });
    expect(prompts).toEqual(["Your name? "]);
    expect(resultText(outputs)).toBe("'hello Ada'");
  });

  it("fails clearly when the front end does not allow stdin", async () => {
    const { outputs } = await k.client.execute('import { input as ask } from "parallab";\nawait ask("x")');
    expect(errorOf(outputs)!.evalue).toMatch(/allow_stdin is false/);
  });
});

describe("introspection", () => {
  it("answers is_complete with complete, incomplete (with indent) and invalid", async () => {
    const status = async (code: string) => (await k.client.request("shell", "is_complete_request", { code })).reply.content as { status: string; indent?: string };
    expect((await status("const a = 1")).status).toBe("complete");
    expect(await status("function f() {")).toMatchObject({ status: "incomplete" });
    expect((await status("1 +* 2")).status).toBe("invalid");
    expect((await status("const s = `open template")).status).toBe("incomplete");
    expect((await status("%time 1 + 1")).status).toBe("complete");
  });

  it("completes members, globals and magic names", async () => {
    await k.client.execute("const course = { title: 'parallel', hours: 3 };");
    const complete = async (code: string) =>
      (await k.client.request("shell", "complete_request", { code, cursor_pos: code.length })).reply.content as { matches: string[]; cursor_start: number; cursor_end: number };
    const members = await complete("course.ti");
    expect(members.matches).toContain("title");
    expect(members.cursor_start).toBe("course.".length);
    expect((await complete("%tim")).matches).toEqual(["time", "timeit"]);
    const inMagic = await complete("%time course.ho");
    expect(inMagic.matches).toContain("hours");
  });

  it("inspects a symbol's type and documentation", async () => {
    await k.client.execute("/** Adds two numbers. */\nfunction add(a: number, b: number) { return a + b; }");
    const code = "add(1, 2)";
    const { reply } = await k.client.request("shell", "inspect_request", { code, cursor_pos: 1, detail_level: 0 });
    const c = reply.content as { found: boolean; data: Record<string, string> };
    expect(c.found).toBe(true);
    expect(c.data["text/plain"]).toContain("function add(a: number, b: number): number");
    expect(c.data["text/plain"]).toContain("Adds two numbers.");
  });

  it("puts expr? help in the pager payload", async () => {
    const { reply } = await k.client.execute("add?");
    const payload = (reply.content as { payload: { source: string; data: Record<string, string> }[] }).payload;
    expect(payload[0]!.source).toBe("page");
    expect(payload[0]!.data["text/plain"]).toContain("Adds two numbers.");
  });

  it("answers comm_info with no comms", async () => {
    const { reply } = await k.client.request("shell", "comm_info_request", {});
    expect(reply.content).toEqual({ status: "ok", comms: {} });
  });
});

describe("signatures", () => {
  it("rejects a message with a bad signature and logs a warning", async () => {
    const id = await k.client.sendForged("execute_request", { code: "globalThis.forged = true", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(k.kernel.log()).toMatch(/WARNING: rejected a execute_request message with a bad signature/);
    expect(k.client.iopubLog.some((m) => (m.parent_header as Header).msg_id === id)).toBe(false);
    const { outputs } = await k.client.execute("(globalThis as any).forged === true");
    expect(resultText(outputs)).toBe("false");
  });
});

describe("malformed messages", () => {
  it("drops a signed message whose header, frames or content break the spec, publishes nothing for it, and keeps working", async () => {
    const before = k.client.iopubLog.length;
    const header = (type: string) => JSON.stringify(newHeader(type, "hostile"));
    const execute = JSON.stringify({ code: "globalThis.hostile = true", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
    // A header that is a JSON string (it used to go out as every busy/idle's parent_header).
    await k.client.sendSignedFrames(JSON.stringify("execute_request"), "{}", "{}", execute);
    await k.client.sendSignedFrames(JSON.stringify({ msg_type: "execute_request" }), "{}", "{}", execute);
    await k.client.sendSignedFrames(header("execute_request"), "[]", "{}", execute);
    await k.client.sendSignedFrames(header("execute_request"), "{}", "{}", JSON.stringify({ code: 42 }));
    await k.client.sendSignedFrames(header("complete_request"), "{}", "{}", JSON.stringify({ code: "x", cursor_pos: "end" }));
    await k.client.sendSignedFrames(header("no_such_request"), "{}", "{}", "{}");
    await new Promise((r) => setTimeout(r, 300));
    expect(k.client.iopubLog.slice(before)).toEqual([]);
    const log = k.kernel.log();
    expect(log).toContain('WARNING: dropped an invalid message on shell: header: expected an object, got the string "execute_request"');
    expect(log).toContain("WARNING: dropped an invalid message on shell: header.msg_id: expected a non-empty string, got nothing");
    expect(log).toContain("WARNING: dropped an invalid message on shell: parent_header: expected an object, got an array");
    expect(log).toContain("WARNING: dropped an invalid message on shell: content.code: expected a string, got the number 42");
    expect(log).toContain('WARNING: dropped an invalid message on shell: content.cursor_pos: expected a non-negative integer, got the string "end"');
    expect(log).toContain('WARNING: dropped an invalid message on shell: unknown message type "no_such_request"');
    const { outputs } = await k.client.execute("(globalThis as any).hostile === true");
    expect(resultText(outputs)).toBe("false");
  });
});
