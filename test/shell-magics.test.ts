// The shell through the real kernel: `!cmd` (streamed, in order, never failing), `x = !cmd` and
// `!!cmd` (lines), %%bash, %%sh and %%script (body as a script, CalledProcessError on a non-zero
// exit), {expr}/$name expansion, stdin (input_request or EOF), and interrupts that leave no
// process behind.
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../kernel/protocol/messages.js";
import { errorOf, resultText, startKernel, stderr, stdout, stripAnsi, type TestKernel } from "./helpers/kernel.js";

let k: TestKernel;
beforeAll(async () => {
  k = await startKernel();
});
afterAll(async () => {
  await k?.stop();
});

const status = (reply: Message) => (reply.content as { status: string }).status;

/** Processes whose command line is exactly `argv` (a zombie has none: it is no longer running). */
function processesRunning(argv: string[]): number[] {
  const wanted = `${argv.join("\0")}\0`;
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8") === wanted;
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function until(check: () => boolean, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts `code`, waits for every command line of `argvs` to run, interrupts: the reply, how long
 * the reply took, and how long until none of those processes ran any more (at most 5 s).
 */
async function interruptWhileRunning(code: string, ...argvs: string[][]) {
  const running = k.client.execute(code);
  await until(() => argvs.every((argv) => processesRunning(argv).length > 0));
  const sent = Date.now();
  await k.client.request("control", "interrupt_request", {});
  const { reply } = await running;
  const replyMs = Date.now() - sent;
  await until(() => argvs.every((argv) => processesRunning(argv).length === 0), 5000).catch(() => undefined);
  return { reply, replyMs, goneMs: Date.now() - sent, left: argvs.flatMap(processesRunning) };
}

describe("!cmd", () => {
  it("streams stdout and stderr into the cell in the order the command wrote them", async () => {
    const { reply, outputs } = await k.client.execute('!for i in 1 2 3; do echo "out $i"; echo "err $i" >&2; done');
    expect(status(reply)).toBe("ok");
    expect(stdout(outputs)).toBe("out 1\nerr 1\nout 2\nerr 2\nout 3\nerr 3\n");
  });

  it("delivers a 100 000-line output whole", async () => {
    const { reply, outputs } = await k.client.execute("!seq 100000");
    expect(status(reply)).toBe("ok");
    const lines = stdout(outputs).split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(100000);
    expect(lines[0]).toBe("1");
    expect(lines[99999]).toBe("100000");
    expect(lines.every((line, i) => line === String(i + 1))).toBe(true);
  });

  it("an interrupt ends `!sleep` and its process within a second, and the kernel goes on", async () => {
    const { reply, replyMs, goneMs, left } = await interruptWhileRunning("!sleep 4242\nconsole.log('not after an interrupt')", ["sleep", "4242"]);
    expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    expect(left).toEqual([]);
    // Within a second, asserted generously (a loaded machine).
    expect(replyMs).toBeLessThan(2500);
    expect(goneMs).toBeLessThan(2500);
    const { outputs } = await k.client.execute("'next'");
    expect(resultText(outputs)).toBe("'next'");
    // The line after the interrupted command did not run later either.
    expect(k.client.iopubLog.some((m) => m.header.msg_type === "stream" && String((m.content as { text: string }).text).includes("not after"))).toBe(false);
  });

  it("a command that does not exist: the shell's message, exit status 127 on stderr and in _exit_code, and the cell goes on", async () => {
    const { reply, outputs } = await k.client.execute("!no_such_command_parallab --flag\nconsole.log('after')");
    expect(status(reply)).toBe("ok");
    expect(stdout(outputs)).toMatch(/no_such_command_parallab: (command )?not found\n/);
    expect(stdout(outputs)).toMatch(/after\n$/);
    expect(stderr(outputs)).toContain("exit status 127");
    const code = await k.client.execute("_exit_code");
    expect(resultText(code.outputs)).toBe("127");
    await k.client.execute("!exit 3");
    expect(resultText((await k.client.execute("_exit_code")).outputs)).toBe("3");
    await k.client.execute("!kill -TERM $$$$");
    expect(resultText((await k.client.execute("_exit_code")).outputs)).toBe("-15");
  });

  it("works inside a block, with the block's variables expanded", async () => {
    const { outputs } = await k.client.execute("for (let i = 0; i < 3; i++) {\n  !echo line {i} of $total\n}", {});
    // `total` is no variable yet: `$total` is left to the shell (empty there).
    expect(stdout(outputs)).toBe("line 0 of\nline 1 of\nline 2 of\n");
    const fn = await k.client.execute("const total = 2;\nasync function greet(who: string) {\n  !echo hello {who.toUpperCase()}, {total} of them\n}\nawait greet('ada');\nawait greet('bob');");
    expect(stdout(fn.outputs)).toBe("hello ADA, 2 of them\nhello BOB, 2 of them\n");
  });

  it("expands {expr} and $name from the notebook, leaves shell variables and literal braces", async () => {
    await k.client.execute('const who = "world";\nconst n = 20;');
    const { outputs } = await k.client.execute(`!echo hello {who} $who {n * 2 + 2} {{braces}} '$$who' "[$HOME]"`);
    // $HOME is no TypeScript name: the shell expands it.
    expect(stdout(outputs)).toBe(`hello world world 42 {braces} $who [${process.env.HOME}]\n`);
    const awk = await k.client.execute("!echo 3 4 | awk '{ n = $1 + $2; print n }'");
    expect(stdout(awk.outputs)).toBe("7\n");
  });

  it("reads EOF from stdin when the front end allows no input", async () => {
    const { reply, outputs } = await k.client.execute('!read -r line; echo "status $? [$line]"; cat; echo done');
    expect(status(reply)).toBe("ok");
    expect(stdout(outputs)).toBe("status 1 []\ndone\n");
  });

  it("asks the front end for a line (input_request) when a command reads stdin", async () => {
    const answers = ["Ada", "Lovelace"];
    const prompts: string[] = [];
    const { outputs } = await k.client.execute('!printf "first? "; read -r first; printf "last? "; read -r last; echo "hello $first $last"', {
      onInput: (prompt) => {
        prompts.push(prompt);
        return answers.shift()!;
      },
    });
    expect(prompts).toHaveLength(2);
    expect(stdout(outputs)).toBe("first? last? hello Ada Lovelace\n");
  });

  it("asks for a line for a program that waits with epoll (node) too", async () => {
    const { outputs } = await k.client.execute(`!node -e "process.stdin.once('data', (d) => { console.log('node got ' + String(d).trim()); process.exit(0); })"`, { onInput: () => "42" });
    expect(stdout(outputs)).toBe("node got 42\n");
  });

  it("refuses a background command, as IPython does", async () => {
    const { outputs } = await k.client.execute("!sleep 1 &");
    expect(errorOf(outputs)).toMatchObject({ ename: "UsageError" });
    expect(errorOf(outputs)!.evalue).toMatch(/^Background processes not supported\./);
  });
});

describe("x = !cmd, !!cmd, %sx", () => {
  it("gives the output's lines as a string[]", async () => {
    await k.client.execute("!touch b.ipynb a.ipynb notes.txt");
    const { outputs } = await k.client.execute("const files = !ls *.ipynb\nconst typed: string[] = files;\ntyped");
    expect(resultText(outputs)).toBe("[ 'a.ipynb', 'b.ipynb' ]");
    expect(stdout(outputs)).toBe("");
    const bang = await k.client.execute("!!printf 'one\\ntwo words\\n\\nlast'");
    expect(resultText(bang.outputs)).toBe("[ 'one', 'two words', '', 'last' ]");
    const sx = await k.client.execute("const merged = %sx echo out; echo err >&2\nmerged");
    expect(resultText(sx.outputs)).toBe("[ 'out', 'err' ]");
  });

  it("leaves TypeScript's negation alone", async () => {
    const { outputs } = await k.client.execute("const finished = false;\nconst id = true;\nconst notDone = !finished;\nlet flipped = !id\nconst both = [notDone, flipped, !!finished];\nboth");
    expect(resultText(outputs)).toBe("[ true, false, false ]");
  });
});

describe("%%bash, %%sh, %%script", () => {
  it("runs the body as a script, stdout and stderr each to its stream", async () => {
    const { reply, outputs } = await k.client.execute('%%bash\nfor i in 1 2; do echo "out $i"; done\necho "to stderr" >&2\necho "$BASH_VERSION" | cut -c1-2 | grep -q . && echo bash');
    expect(status(reply)).toBe("ok");
    expect(stdout(outputs)).toBe("out 1\nout 2\nbash\n");
    expect(stderr(outputs)).toBe("to stderr\n");
    const sh = await k.client.execute('%%sh\necho "sh says $(( 6 * 7 ))"');
    expect(stdout(sh.outputs)).toBe("sh says 42\n");
  });

  it("fails the cell on a non-zero exit with IPython 8's CalledProcessError, unless --no-raise-error", async () => {
    const { reply, outputs } = await k.client.execute("%%bash\necho before\nexit 3");
    expect(status(reply)).toBe("error");
    expect(stdout(outputs)).toBe("before\n");
    const error = errorOf(outputs)!;
    expect(error.ename).toBe("CalledProcessError");
    expect(error.evalue).toBe("Command 'echo before\\nexit 3\\n' returned non-zero exit status 3.");
    expect(stripAnsi(error.traceback.join("\n"))).toContain("returned non-zero exit status 3.");
    const missing = await k.client.execute("%%bash\nno_such_command_parallab");
    expect(stderr(missing.outputs)).toMatch(/no_such_command_parallab: command not found/);
    expect(errorOf(missing.outputs)!.evalue).toMatch(/returned non-zero exit status 127\.$/);
    const kept = await k.client.execute("%%bash --no-raise-error\necho going on\nexit 3");
    expect(status(kept.reply)).toBe("ok");
    expect(stdout(kept.outputs)).toBe("going on\n");
  });

  it("%%script PROGRAM gives the body to the program", async () => {
    const { reply, outputs } = await k.client.execute('%%script python3\nimport sys\nprint("python", sys.version_info[0])\nprint("oops", file=sys.stderr)');
    expect(status(reply)).toBe("ok");
    expect(stdout(outputs)).toBe("python 3\n");
    expect(stderr(outputs)).toBe("oops\n");
    const failing = await k.client.execute("%%script python3 --no-raise-error -u\nraise SystemExit(4)");
    expect(status(failing.reply)).toBe("ok");
    const nothing = await k.client.execute("%%script\necho hi");
    expect(errorOf(nothing.outputs)).toMatchObject({ ename: "UsageError" });
  });

  it("expands the first line", async () => {
    await k.client.execute('const interpreter = "python3";\nconst flag = "-S";');
    const { outputs } = await k.client.execute("%%script {interpreter} $flag\nimport sys\nprint(sys.flags.no_site)");
    expect(stdout(outputs)).toBe("1\n");
  });

  it("a command of a %%bash body that reads stdin gets a line from the front end, or EOF", async () => {
    const asked = await k.client.execute('%%bash\nread -r x\necho "x=[$x]"', { onInput: () => "typed" });
    expect(stdout(asked.outputs)).toBe("x=[typed]\n");
    const eof = await k.client.execute('%%bash\nread -r x\necho "x=[$x] $?"');
    expect(stdout(eof.outputs)).toBe("x=[] 1\n");
  });

  it("an interrupt ends the script and every process it started, with KeyboardInterrupt", async () => {
    // bash leaves SIGINT ignored in a job it starts with `&`: that one goes with SIGKILL.
    const { reply, replyMs, goneMs, left } = await interruptWhileRunning("%%bash\nsleep 4243 &\nsleep 4244\necho never", ["sleep", "4243"], ["sleep", "4244"]);
    expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    expect(left).toEqual([]);
    expect(replyMs).toBeLessThan(2500);
    expect(goneMs).toBeLessThan(2500);
  });

  it("an interrupt ends the cell even when a process that left the group holds the output open", async () => {
    const escaped = ["sleep", "4245"];
    const running = k.client.execute("%%bash\nsetsid sleep 4245 &\nsleep 4246");
    await until(() => processesRunning(escaped).length > 0 && processesRunning(["sleep", "4246"]).length > 0);
    try {
      const sent = Date.now();
      await k.client.request("control", "interrupt_request", {});
      const { reply } = await running;
      expect(reply.content).toMatchObject({ ename: "KeyboardInterrupt" });
      expect(Date.now() - sent).toBeLessThan(4000);
    } finally {
      // setsid took it out of the command's reach, as it would in IPython: the test ends it.
      for (const pid of processesRunning(escaped)) process.kill(pid, "SIGKILL");
    }
  });
});

describe("help and introspection", () => {
  it("%lsmagic, %magic and %NAME? cover the shell magics", async () => {
    const ls = stdout((await k.client.execute("%lsmagic")).outputs);
    expect(ls).toMatch(/%sx\b/);
    expect(ls).toMatch(/%system\b/);
    for (const name of ["%%bash", "%%script", "%%sh"]) expect(ls).toContain(name);
    const help = (await k.client.execute("%system?")).reply.content as { payload: { data: Record<string, string> }[] };
    expect(help.payload[0]!.data["text/plain"]).toMatch(/^%system COMMAND {3}\(or !COMMAND\)/);
    const script = (await k.client.execute("%%script?")).reply.content as { payload: { data: Record<string, string> }[] };
    expect(script.payload[0]!.data["text/plain"]).toMatch(/^%%script \[--no-raise-error\] PROGRAM \[ARGS\]/);
    expect(stdout((await k.client.execute("%magic")).outputs)).toContain("%%bash");
  });

  it("masks `!` lines for completion and is_complete", async () => {
    const code = "const listing = !ls -la\n!echo {listing.length}\nlisting.len";
    const { reply } = await k.client.request("shell", "complete_request", { code, cursor_pos: code.length });
    expect((reply.content as { matches: string[] }).matches).toContain("length");
    const complete = await k.client.request("shell", "is_complete_request", { code: "const listing = !ls -la" });
    expect((complete.reply.content as { status: string }).status).toBe("complete");
  });
});
