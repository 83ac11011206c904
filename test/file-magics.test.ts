// Files and folders through the real kernel: %cd, %pwd, %%writefile, %load and %run, in
// IPython's words, their errors, and the completion of paths after them.
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../kernel/protocol/messages.js";
import { MagicRegistry } from "../kernel/magics/registry.js";
import type { LineMagicCall } from "../kernel/magics/contract.js";
import { NotebookScope } from "../kernel/pool/scope.js";
import type { KernelSession } from "../kernel/session.js";
import { errorOf, resultText, startKernel, stderr, stdout, stripAnsi, type TestKernel } from "./helpers/kernel.js";

let k: TestKernel;
/** The kernel's folder when it started (a fresh temporary one). */
let home: string;

beforeAll(async () => {
  k = await startKernel();
  const { outputs } = await k.client.execute("process.cwd()");
  home = JSON.parse(resultText(outputs)!.replace(/^'|'$/g, '"'));
});
afterAll(async () => {
  await k?.stop();
});

const run = (code: string) => k.client.execute(code, { timeoutMs: 120_000 });
const at = (...parts: string[]) => path.join(home, ...parts);
const traceback = (outputs: Message[]) => stripAnsi(errorOf(outputs)?.traceback.join("\n") ?? "");
const payloadOf = (reply: Message) => (reply.content as { payload: Record<string, unknown>[] }).payload;
const complete = async (code: string, cursor = code.length) =>
  (await k.client.request("shell", "complete_request", { code, cursor_pos: cursor })).reply.content as { matches: string[]; cursor_start: number; cursor_end: number };

describe("%pwd and %cd", () => {
  it("%pwd's value is the kernel's folder as a string", async () => {
    const { outputs } = await run("const here = %pwd\n[typeof here, here === process.cwd()]");
    expect(resultText(outputs)).toBe("[ 'string', true ]");
    const shown = await run("%pwd");
    expect(resultText(shown.outputs)).toBe(`'${home}'`);
  });

  it("%cd DIR prints the new folder, %cd - goes back, %cd alone goes home", async () => {
    mkdirSync(at("data", "inner"), { recursive: true });
    const into = await run("%cd data/inner");
    expect(stdout(into.outputs)).toBe(`${at("data", "inner")}\n`);
    expect(resultText((await run("process.cwd()")).outputs)).toBe(`'${at("data", "inner")}'`);
    const back = await run("%cd -");
    expect(stdout(back.outputs)).toBe(`${home}\n`);
    const forth = await run("%cd -");
    expect(stdout(forth.outputs)).toBe(`${at("data", "inner")}\n`);
    const up = await run("%cd ../..");
    expect(stdout(up.outputs)).toBe(`${home}\n`);
    const homeDir = await run("%cd");
    expect(stdout(homeDir.outputs)).toBe(`${realpathSync(os.homedir())}\n`);
    const quiet = await run(`%cd -q ${home}`);
    expect(stdout(quiet.outputs)).toBe("");
    expect(resultText((await run("%pwd")).outputs)).toBe(`'${home}'`);
  });

  it("relative paths in cells and %%writefile follow %cd", async () => {
    await run("%cd -q data");
    const wrote = await run("%%writefile here.txt\nin data");
    expect(stdout(wrote.outputs)).toBe("Writing here.txt\n");
    expect(readFileSync(at("data", "here.txt"), "utf8")).toBe("in data\n");
    const read = await run('import { readFileSync as readHere } from "node:fs";\nreadHere("here.txt", "utf8")');
    expect(resultText(read.outputs)).toBe("'in data\\n'");
    await run(`%cd -q ${home}`);
  });

  it("relative imports of the cells after %cd start from the new folder", async () => {
    mkdirSync(at("pkg"), { recursive: true });
    writeFileSync(at("pkg", "units.ts"), "export const metres = (km: number): number => km * 1000;\n");
    writeFileSync(at("pkg", "legacy.js"), "exports.legacyName = 'from pkg';\n");
    await run("%cd -q pkg");
    const { outputs } = await run('import { metres } from "./units";\nimport { legacyName } from "./legacy.js";\n[metres(2), legacyName]');
    expect(resultText(outputs)).toBe("[ 2000, 'from pkg' ]");
    await run(`%cd -q ${home}`);
  });

  it("a cell compiles the local modules it imports through their own imports, and reports their type errors", async () => {
    mkdirSync(at("deep"), { recursive: true });
    writeFileSync(at("deep", "outer.ts"), 'import { base } from "./inner";\nexport const twice = (): number => base * 2;\n');
    writeFileSync(at("deep", "inner.ts"), "export const base: number = 21;\n");
    writeFileSync(at("deep", "uses-bad.ts"), 'import { wrong } from "./bad";\nexport const shown = wrong;\n');
    writeFileSync(at("deep", "bad.ts"), 'export const wrong: number = "not a number";\n');
    const { outputs } = await run('import { twice } from "./deep/outer";\ntwice()');
    expect(resultText(outputs)).toBe("42");
    const failed = await run('import { shown } from "./deep/uses-bad";\nshown');
    expect(failed.reply.content).toMatchObject({ status: "error" });
    expect(traceback(failed.outputs)).toContain("Type 'string' is not assignable to type 'number'");
    expect(resultText((await run("twice() + 1")).outputs)).toBe("43");
  });

  it("%cd to a missing folder is a UsageError that leaves the kernel where it was", async () => {
    const { reply, outputs } = await run("%cd no/such/place");
    expect(reply.content).toMatchObject({ status: "error", ename: "UsageError" });
    expect(errorOf(outputs)!.evalue).toBe(`%cd no/such/place: no such folder (${at("no", "such", "place")}). %pwd shows where the kernel is.`);
    writeFileSync(at("plain.txt"), "x");
    const onFile = await run("%cd plain.txt");
    expect(errorOf(onFile.outputs)!.evalue).toContain("is a file, not a folder");
    expect(resultText((await run("%pwd")).outputs)).toBe(`'${home}'`);
  });
});

describe("%%writefile", () => {
  it("writes, overwrites and appends, printing IPython's messages", async () => {
    const first = await run("%%writefile notes.txt\nline one");
    expect(stdout(first.outputs)).toBe("Writing notes.txt\n");
    expect(readFileSync(at("notes.txt"), "utf8")).toBe("line one\n");
    const again = await run("%%writefile notes.txt\nline two\n");
    expect(stdout(again.outputs)).toBe("Overwriting notes.txt\n");
    expect(readFileSync(at("notes.txt"), "utf8")).toBe("line two\n");
    const more = await run("%%writefile -a notes.txt\nline three");
    expect(stdout(more.outputs)).toBe("Appending to notes.txt\n");
    expect(readFileSync(at("notes.txt"), "utf8")).toBe("line two\nline three\n");
    const fresh = await run("%%writefile --append fresh.txt\nnew");
    expect(stdout(fresh.outputs)).toBe("Writing fresh.txt\n");
  });

  it("takes a quoted name with spaces and {expression} names", async () => {
    await run('const stem = "report";');
    const quoted = await run('%%writefile "my notes.txt"\nspaced');
    expect(stdout(quoted.outputs)).toBe("Writing my notes.txt\n");
    expect(readFileSync(at("my notes.txt"), "utf8")).toBe("spaced\n");
    const expanded = await run("%%writefile {stem}.md\n# title");
    expect(stdout(expanded.outputs)).toBe("Writing report.md\n");
    expect(readFileSync(at("report.md"), "utf8")).toBe("# title\n");
  });

  it("into a folder that does not exist: an error that says to create it, and nothing written", async () => {
    const { reply, outputs } = await run("%%writefile missing/dir/out.txt\ntext");
    expect(reply.content).toMatchObject({ status: "error", ename: "UsageError" });
    expect(errorOf(outputs)!.evalue).toContain("the folder missing/dir does not exist");
    expect(errorOf(outputs)!.evalue).toContain("create it first");
    expect(stdout(outputs)).toBe("");
    const missingName = await run("%%writefile\ntext");
    expect(errorOf(missingName.outputs)!.evalue).toMatch(/^%%writefile needs the FILE to write\.\n%%writefile \[-a\] FILE/);
  });
});

describe("%load", () => {
  it("puts the file into the cell through the reply's set_next_input payload", async () => {
    const source = "const loadedValue = 6 * 7;\nloadedValue\n";
    writeFileSync(at("loaded.ts"), source);
    const { reply, outputs } = await run("%load loaded.ts");
    expect(reply.content).toMatchObject({ status: "ok" });
    expect(payloadOf(reply)).toEqual([{ source: "set_next_input", text: `# %load loaded.ts\n${source}`, replace: true }]);
    expect(stdout(outputs)).toBe("");
    // The cell the front end now holds runs: its first line is a comment.
    const again = await run(`# %load loaded.ts\n${source}`);
    expect(resultText(again.outputs)).toBe("42");
  });

  it("a missing file is a UsageError that says where the kernel looked", async () => {
    const { reply, outputs } = await run("%load nowhere.ts");
    expect(reply.content).toMatchObject({ status: "error", ename: "UsageError" });
    expect(errorOf(outputs)!.evalue).toBe(`%load: File \`nowhere.ts\` not found in ${home}. %pwd shows the kernel's folder; %cd changes it.`);
  });
});

describe("%run FILE (a script in its own process)", () => {
  it("runs TypeScript with its arguments in process.argv, its local imports and top-level await", async () => {
    writeFileSync(at("shapes.ts"), "export const area = (w: number, h: number): number => w * h;\n");
    writeFileSync(
      at("script.ts"),
      'import { area } from "./shapes.js";\nconst [w, h] = process.argv.slice(2).map(Number);\nawait new Promise((r) => setTimeout(r, 10));\nconsole.log(`area ${area(w!, h!)} in ${process.cwd()}`);\nconsole.error("to stderr");\n',
    );
    const { reply, outputs } = await run("%run script.ts 6 7");
    expect(reply.content).toMatchObject({ status: "ok" });
    expect(stdout(outputs)).toBe(`area 42 in ${home}\n`);
    expect(stderr(outputs)).toBe("to stderr\n");
  });

  it("runs a CommonJS script that requires a local TypeScript file, and plain JavaScript", async () => {
    writeFileSync(at("twice.ts"), "exports.twice = (n: number) => n * 2;\n");
    writeFileSync(at("common.ts"), 'const { twice } = require("./twice");\nconsole.log(twice(21), typeof __filename);\n');
    const cjs = await run("%run common.ts");
    expect(stdout(cjs.outputs)).toBe("42 string\n");
    writeFileSync(at("plain.js"), "console.log(process.argv.slice(2).join('|'));\n");
    const js = await run('%run plain.js a "b c"');
    expect(stdout(js.outputs)).toBe("a|b c\n");
    // Options after the file are the script's own.
    const own = await run("%run plain.js -i --flag");
    expect(stdout(own.outputs)).toBe("-i|--flag\n");
  });

  it("a type error shows FILE:LINE:COL and the message, and nothing runs", async () => {
    writeFileSync(at("typed.ts"), 'console.log("started");\n\nconst count: number = "three";\n');
    const { reply, outputs } = await run("%run typed.ts");
    expect(reply.content).toMatchObject({ status: "error", ename: "TSError" });
    expect(errorOf(outputs)!.evalue).toBe("typed.ts:3:7 TS2322: Type 'string' is not assignable to type 'number'.");
    expect(traceback(outputs)).toContain('----> 3 const count: number = "three";');
    expect(stdout(outputs)).toBe("");
    // An imported file's error names that file.
    writeFileSync(at("broken-lib.ts"), "export const half = (n: number): string => n / 2;\n");
    writeFileSync(at("uses-broken.ts"), 'import { half } from "./broken-lib.js";\nconsole.log(half(4));\n');
    const imported = await run("%run uses-broken.ts");
    expect(errorOf(imported.outputs)!.evalue).toMatch(/^broken-lib\.ts:1:44 TS2322/);
  });

  it("a failing script: its error on stderr at the TypeScript line, and SystemExit with its status", async () => {
    writeFileSync(at("fails.ts"), 'const label: string = "x";\nthrow new Error(`failed ${label}`);\n');
    const thrown = await run("%run fails.ts");
    expect(errorOf(thrown.outputs)).toMatchObject({ ename: "SystemExit", evalue: "fails.ts exited with status 1" });
    expect(stderr(thrown.outputs)).toContain("Error: failed x");
    expect(stderr(thrown.outputs)).toContain(`${at("fails.ts")}:2:7`);
    writeFileSync(at("exits.js"), "console.log('before exit');\nprocess.exit(3);\n");
    const exited = await run("%run exits.js");
    expect(stdout(exited.outputs)).toBe("before exit\n");
    expect(errorOf(exited.outputs)).toMatchObject({ ename: "SystemExit", evalue: "exits.js exited with status 3" });
  });

  it("streams output as it comes, and an interrupt stops the script", async () => {
    writeFileSync(at("forever.ts"), "let n = 0;\nsetInterval(() => console.log(`tick ${n++}`), 50);\n");
    let ticked: () => void;
    const firstTick = new Promise<void>((r) => (ticked = r));
    const running = k.client.execute("%run forever.ts", {
      timeoutMs: 120_000,
      onOutput: (m) => {
        if (m.header.msg_type === "stream" && String((m.content as { text: string }).text).includes("tick")) ticked();
      },
    });
    await firstTick;
    await k.client.request("control", "interrupt_request", {});
    const { reply } = await running;
    expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    expect(resultText((await run("'alive'")).outputs)).toBe("'alive'");
  });

  it("bad input: a missing file, another kind of file, no file", async () => {
    const missing = await run("%run gone.ts");
    expect(errorOf(missing.outputs)!.evalue).toContain("%run: File `gone.ts` not found in");
    const text = await run("%run notes.txt");
    expect(errorOf(text.outputs)!.evalue).toMatch(/^%run runs TypeScript or JavaScript files \(\.ts, \.mts, \.cts, \.js, \.mjs, \.cjs\), got "notes\.txt"\./);
    const none = await run("%run");
    expect(errorOf(none.outputs)!.evalue).toMatch(/^%run needs the FILE to run\.\n%run \[-i\] FILE \[ARGS…\]/);
  });
});

describe("%run -i FILE (in the notebook's scope)", () => {
  it("sees the notebook's variables, and what it declares stays", async () => {
    await run("const base = 40;");
    writeFileSync(at("lib.ts"), "const fromFile: number = base + 1;\nfunction bump(x: number) {\n  return x + 1;\n}\nconsole.log(`args ${process.argv.slice(2)}`);\n");
    const { reply, outputs } = await run("%run -i lib.ts one two\nconst mine = 1;");
    expect(reply.content).toMatchObject({ status: "ok" });
    expect(stdout(outputs)).toBe("args one,two\n");
    const after = await run("bump(fromFile) + mine");
    expect(resultText(after.outputs)).toBe("43");
    // The cell that runs the file keeps its own value, and later cells' errors name their own lines.
    writeFileSync(at("quiet.ts"), "const quietValue = 'file value';\nquietValue\n");
    const valued = await run("%run -i quiet.ts\nbase + 2");
    expect(resultText(valued.outputs)).toBe("42");
    const failing = await run("const fine = quietValue.length;\nnull!.toString();");
    expect(traceback(failing.outputs)).toMatch(/Cell\[\d+\], line 2/);
  });

  it("the file's relative imports start from its own folder", async () => {
    mkdirSync(at("tools"), { recursive: true });
    writeFileSync(at("tools", "scale.ts"), "export const scale = (x: number): number => x * 10;\n");
    writeFileSync(at("tools", "setup.ts"), 'import { scale } from "./scale";\nconst scaled = scale(4);\n');
    const { reply } = await run("%run -i tools/setup.ts");
    expect(reply.content).toMatchObject({ status: "ok" });
    expect(resultText((await run("scaled")).outputs)).toBe("40");
  });

  it("a runtime error names the file and its line", async () => {
    writeFileSync(at("throws.ts"), "const ok = 1;\nthrow new RangeError(`bad ${ok}`);\n");
    const { outputs } = await run("%run -i throws.ts");
    expect(errorOf(outputs)).toMatchObject({ ename: "RangeError", evalue: "bad 1" });
    expect(traceback(outputs)).toContain("throws.ts, line 2");
    expect(traceback(outputs)).not.toMatch(/Cell\[\d+\], line 2/);
  });

  it("a type error names the file, its line and column", async () => {
    writeFileSync(at("mistyped.ts"), "const fine = 1;\nconst wrong: string = fine;\n");
    const { outputs } = await run("%run -i mistyped.ts");
    expect(errorOf(outputs)!.ename).toBe("TSError");
    expect(traceback(outputs)).toContain("mistyped.ts, line 2, col 7");
    expect(traceback(outputs)).toContain("const wrong: string = fine;");
  });
});

describe("completion and inspection", () => {
  beforeAll(() => {
    mkdirSync(at("src", "deep"), { recursive: true });
    writeFileSync(at("src", "main.ts"), "");
    writeFileSync(at("src", "main.txt"), "");
    writeFileSync(at("src", ".hidden.ts"), "");
  });

  it("offers folders after %cd, scripts and folders after %run, every entry after %load and %%writefile", async () => {
    expect((await complete("%cd sr")).matches).toEqual(["src/"]);
    expect((await complete("%cd src/")).matches).toEqual(["src/deep/"]);
    const runs = await complete("%run src/ma");
    expect(runs.matches).toEqual(["src/main.ts"]);
    expect(runs.cursor_start).toBe("%run ".length);
    expect(runs.cursor_end).toBe("%run src/ma".length);
    expect((await complete("%load src/")).matches).toEqual(["src/deep/", "src/main.ts", "src/main.txt"]);
    expect((await complete("%load src/.h")).matches).toEqual(["src/.hidden.ts"]);
    const cell = "%%writefile src/main.t\nbody";
    expect((await complete(cell, "%%writefile src/main.t".length)).matches).toEqual(["src/main.ts", "src/main.txt"]);
    // Script arguments after the file, and a quoted name.
    expect((await complete("%run script.ts src/d")).matches).toEqual(["src/deep/"]);
    const quoted = await complete('%load "my no');
    expect(quoted.matches).toEqual(["my notes.txt"]);
    expect(quoted.cursor_start).toBe('%load "'.length);
    expect((await complete("%cd -")).matches).toEqual([]);
  });

  it("magic lines stay masked: TypeScript completion and inspection around them", async () => {
    const code = "%cd src\nconst measured = 12;\nmeasured.toFi";
    expect((await complete(code)).matches).toContain("toFixed");
    const { reply } = await k.client.request("shell", "inspect_request", { code: "%run script.ts", cursor_pos: 7, detail_level: 0 });
    expect(reply.content).toMatchObject({ status: "ok", found: false });
  });
});

describe("the magic system knows them", () => {
  it("%lsmagic lists them and %NAME? shows their help", async () => {
    const { outputs } = await run("%lsmagic");
    expect(stdout(outputs)).toMatch(/Available line magics:\n.*%cd.*%load.*%pwd.*%run/);
    expect(stdout(outputs)).toMatch(/Available cell magics:\n.*%%writefile/);
    const help = await run("%run?");
    const page = payloadOf(help.reply)[0] as { data: Record<string, string> };
    expect(page.data["text/plain"]).toMatch(/^%run \[-i\] FILE \[ARGS…\]\n\nRuns FILE/);
  });
});

describe("option parsing for file magics (no kernel)", () => {
  function registryWith(shape: { quoted?: boolean; optionsBeforeArgs?: boolean }) {
    const calls: LineMagicCall[] = [];
    const registry = new MagicRegistry();
    registry.register({
      name: "files",
      description: "Takes paths.",
      options: { i: { type: "flag", help: "in place" } },
      line: { args: "FILE [ARGS…]", ...shape, run: (call) => calls.push(call) },
    });
    const notebook = new NotebookScope();
    notebook.attach({ locals: { dir: "out" }, locateFunction: () => null, cellPosition: () => null });
    const session = { notebook } as Partial<KernelSession> as KernelSession;
    return (text: string) => {
      registry.runLine("files", text, undefined, session);
      return calls.at(-1)!;
    };
  }

  it("quoted arguments keep their spaces and lose their quotes; {expr} still expands", () => {
    const call = registryWith({ quoted: true });
    expect(call(`"my file.ts" 'it''s' {dir}/"a b"`).args).toEqual(["my file.ts", "its", "out/a b"]);
    expect(registryWith({})('"my file.ts"').args).toEqual(['"my', 'file.ts"']);
  });

  it("with options before arguments, what follows the first argument is the script's", () => {
    const call = registryWith({ optionsBeforeArgs: true });
    const parsed = call("-i run.ts -i --x");
    expect(parsed.options).toEqual({ i: true });
    expect(parsed.args).toEqual(["run.ts", "-i", "--x"]);
  });
});
