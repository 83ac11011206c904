// The magics' one option parser, argument expansion and the usage text, through a registry of
// small magics made for the test (no kernel).
import { describe, expect, it } from "vitest";
import type { CellMagicCall, CellMagicContext, LineMagicCall, Magic, OptionSpecs } from "../kernel/magics/contract.js";
import { expandArgs } from "../kernel/magics/expand.js";
import { optionsText } from "../kernel/magics/options.js";
import { UsageError } from "../common/errors.js";
import { MagicRegistry } from "../kernel/magics/registry.js";
import { NotebookScope } from "../kernel/pool/scope.js";
import type { KernelSession } from "../kernel/session.js";

/**
 * The session a magic call carries, as far as these magics and the registry read it: the
 * notebook's variables (for {expr} and $name). The demo magics use nothing else of it.
 */
function sessionWith(locals: Record<string, unknown>): KernelSession {
  const notebook = new NotebookScope();
  notebook.attach({ locals, locateFunction: () => null, cellPosition: () => null });
  return { notebook } as Partial<KernelSession> as KernelSession;
}

const OPTIONS = {
  n: { type: "int", min: 1, help: "loops" },
  q: { type: "flag", help: "quiet" },
  top: { type: "int", min: 1, default: 10, value: "N", help: "rows" },
  save: { type: "string", value: "FILE", help: "where to write it" },
  backend: { type: "string", short: "b", help: "which backend" },
  scale: { type: "number", help: "a factor" },
} satisfies OptionSpecs;

/** Records what the registry hands the magic. */
function setup() {
  const lines: LineMagicCall[] = [];
  const cells: CellMagicCall[] = [];
  const demo: Magic<typeof OPTIONS> = {
    name: "demo",
    description: "A magic for the tests.",
    options: OPTIONS,
    line: { args: "STATEMENT", code: true, run: (call) => lines.push(call) },
    cell: {
      args: "[SETUP]",
      code: true,
      async run(call) {
        cells.push(call);
        return { ok: true, value: undefined, hasValue: false };
      },
    },
  };
  const words: Magic<{ reset: { type: "flag"; only: "line"; help: string }; share: { type: "string"; only: "cell"; help: string } }> = {
    name: "words",
    description: "Takes words, not code.",
    options: { reset: { type: "flag", only: "line", help: "start again" }, share: { type: "string", only: "cell", help: "names" } },
    line: { args: "[N]", run: (call) => lines.push(call) },
    cell: {
      async run(call) {
        cells.push(call);
        return { ok: true, value: undefined, hasValue: false };
      },
    },
  };
  const run: Magic<{ "no-raise-error": { type: "flag"; help: string }; tag: { type: "string"; help: string } }> = {
    name: "run",
    description: "Takes a command.",
    options: { "no-raise-error": { type: "flag", help: "keep going" }, tag: { type: "string", help: "a label" } },
    line: { args: "COMMAND", command: true, run: (call) => lines.push(call) },
  };
  const shell: Magic = { name: "shell", description: "Takes a command and no options.", line: { args: "COMMAND", command: true, run: (call) => lines.push(call) } };
  const bare: Magic = { name: "bare", description: "Takes nothing.", line: { run: () => undefined }, cell: { run: async () => ({ ok: true, value: undefined, hasValue: false }) } };
  const registry = new MagicRegistry();
  for (const m of [demo, words, run, shell, bare] as Magic[]) registry.register(m);
  const context: CellMagicContext = {
    body: "",
    label: "Cell[1]",
    run: async () => ({ ok: true, value: undefined, hasValue: false }),
    compile: async () => ({ ok: false, error: { ename: "E", evalue: "", traceback: [] } }),
    errorContent: async () => ({ ename: "E", evalue: "", traceback: [] }),
    scope: async () => ({}),
  };
  /** `%name text` as a cell compiles and runs it: split when compiled, parsed when run. */
  const line = (name: string, text: string, scope: Record<string, unknown> = {}) => {
    const magic = registry.require(name, "line");
    const { options, code } = registry.splitLine(magic, text);
    registry.runLine(name, options, code ? () => code : undefined, sessionWith(scope));
    return { call: lines.at(-1)!, code };
  };
  const cell = async (name: string, header: string, scope: Record<string, unknown> = {}) => {
    await registry.runCell(name, header, context, sessionWith(scope));
    return cells.at(-1)!;
  };
  return { registry, line, cell, demo };
}

/** The UsageError a call throws (sync or async). */
async function usageErrorOf(run: () => unknown): Promise<UsageError> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error("no UsageError was thrown");
}

describe("option parsing", () => {
  it("reads flags, separate and attached values, long options and short aliases", () => {
    const { line } = setup();
    const { call, code } = line("demo", "-n 10 -q --top=3 --save out.json -b wasm --scale 0.5 f(x)");
    expect(call.options).toEqual({ n: 10, q: true, top: 3, save: "out.json", backend: "wasm", scale: 0.5 });
    expect(code).toBe("f(x)");
    expect(line("demo", "-n10 --backend cpu g()").call.options).toMatchObject({ n: 10, backend: "cpu" });
  });

  it("gives absent options their default, absent flags false", () => {
    const { line } = setup();
    expect(line("demo", "f(x)").call.options).toEqual({ n: undefined, q: false, top: 10, save: undefined, backend: undefined, scale: undefined });
  });

  it("stops at the first token that is not an option and keeps the code as written", () => {
    const { line } = setup();
    expect(line("demo", "-q   f( a,  b ) -n 3").code).toBe("f( a,  b ) -n 3");
    // A negative number or a negated expression is code, not an option.
    expect(line("demo", "-1 + x").code).toBe("-1 + x");
    // `--` ends the options.
    expect(line("demo", "-q -- -q").code).toBe("-q");
  });

  it("takes an {expression} value with spaces as one value, and expands it and $name when the line runs", () => {
    const { line, registry, demo } = setup();
    expect(registry.splitLine(demo, "-n {size * 2} --save $file f(x)")).toEqual({ options: "-n {size * 2} --save $file", code: "f(x)" });
    const { call } = line("demo", "-n {size * 2} --save $file f(x)", { size: 3, file: "/tmp/p.json" });
    expect(call.options).toMatchObject({ n: 6, save: "/tmp/p.json" });
    expect(line("demo", "-n{size} f()", { size: 4 }).call.options.n).toBe(4);
  });

  it("rejects an unknown option with a UsageError that shows the usage", async () => {
    const { line } = setup();
    const err = await usageErrorOf(() => line("demo", "-x 3 f()"));
    expect(err.message).toMatch(/^unknown option -x\.\n%demo \[-n<N>\] \[-q\] \[--top N\]/);
    expect((await usageErrorOf(() => line("demo", "--nope f()"))).message).toMatch(/^unknown option --nope\./);
  });

  it("a command form: its own options anywhere, the rest one argument as written, expanded whole", () => {
    const { line } = setup();
    const ran = line("run", "python3 --no-raise-error -u  'a  b' --tag={who} -x", { who: "me" }).call;
    expect(ran.options).toEqual({ "no-raise-error": true, tag: "me" });
    expect(ran.args).toEqual(["python3 -u  'a  b' -x"]);
    // `--` ends the options; the rest is the command's, options and all.
    expect(line("run", "--tag t -- ls --no-raise-error").call).toMatchObject({ options: { tag: "t", "no-raise-error": false }, args: ["ls --no-raise-error"] });
    // Without options of its own, all of it is the command, `--` too; {expr} and $name expand in it.
    expect(line("shell", "git diff -- {file}  $HOME", { file: "a.ts" }).call.args).toEqual(["git diff -- a.ts  $HOME"]);
  });

  it("says when a value is missing, or given to a flag", async () => {
    const { line, cell } = setup();
    expect((await usageErrorOf(() => cell("demo", "--save"))).message).toMatch(/^option --save needs a value\./);
    expect((await usageErrorOf(() => cell("demo", "-n"))).message).toMatch(/^option -n needs a value\./);
    expect((await usageErrorOf(() => line("demo", "-q5 f()"))).message).toMatch(/^option -q takes no value\./);
  });

  it("checks whole numbers, positive ones and numbers", async () => {
    const { line } = setup();
    expect((await usageErrorOf(() => line("demo", "-n many f()"))).message).toMatch(/^option -n needs a positive whole number, got "many"\.\n%demo/);
    expect((await usageErrorOf(() => line("demo", "-n 0 f()"))).message).toContain('got "0"');
    expect((await usageErrorOf(() => line("demo", "--top 2.5 f()"))).message).toMatch(/^option --top needs a positive whole number, got "2.5"/);
    expect((await usageErrorOf(() => line("demo", "--scale x f()"))).message).toMatch(/^option --scale needs a number, got "x"/);
    // An expansion that fails stays as written, and so is not a number.
    expect((await usageErrorOf(() => line("demo", "-n $nope f()"))).message).toContain('got "$nope"');
  });

  it("parses the line and the cell form the same way", async () => {
    const { line, cell } = setup();
    const scope = { k: 2, name: "cell.json" };
    const header = "-n {k + 1} -q --save $name -b wasm";
    const fromLine = line("demo", `${header} work()`, scope).call;
    const fromCell = await cell("demo", `${header} const setup = 1;`, scope);
    expect(fromCell.options).toEqual(fromLine.options);
    expect(fromCell.options).toMatchObject({ n: 3, q: true, save: "cell.json", backend: "wasm" });
    expect(fromCell.code).toBe("const setup = 1;");
    expect(fromCell.header).toBe(`${header} const setup = 1;`);
  });

  it("reads words between options in forms that take no code, expanded", async () => {
    const { line } = setup();
    expect(line("words", "3").call.args).toEqual(["3"]);
    expect(line("words", "{n} --reset", { n: 4 }).call).toMatchObject({ args: ["4"], options: { reset: true } });
  });

  it("keeps an option to the form that declares it", async () => {
    const { line, cell } = setup();
    expect((await usageErrorOf(() => cell("words", "--reset"))).message).toMatch(/^unknown option --reset\./);
    expect((await usageErrorOf(() => line("words", "--share a"))).message).toMatch(/^unknown option --share\./);
    expect((await cell("words", "--share a,b")).options).toEqual({ share: "a,b" });
  });

  it("refuses arguments where a form takes none", async () => {
    const { line, cell } = setup();
    expect((await usageErrorOf(() => cell("words", "--share a extra"))).message).toMatch(/^%%words takes only options on its first line, got "extra"\./);
    expect((await usageErrorOf(() => line("bare", "x"))).message).toMatch(/^%bare takes no arguments \(the cell magic %%bare runs code\)\./);
    expect((await usageErrorOf(() => cell("bare", "x y"))).message).toMatch(/^%%bare takes nothing on its first line, got "x y"\./);
  });

  it("writes options back so that they parse to the same values", () => {
    const { line } = setup();
    const values = line("demo", "-n 5 -q --top 3 --save a{b}$c f()").call.options;
    const written = optionsText(OPTIONS, values);
    expect(written).toBe("-n 5 -q --top 3 --save a{{b}}$$c");
    expect(line("demo", `${written} f()`, { b: "no", c: "no" }).call.options).toEqual(values);
  });

  it("refuses a declaration that uses a name twice", () => {
    const registry = new MagicRegistry();
    expect(() =>
      registry.register({ name: "twice", description: "", options: { backend: { type: "string", short: "b", help: "" }, b: { type: "flag", help: "" } }, line: { run: () => undefined } }),
    ).toThrow(/declares an option name twice/);
  });
});

describe("usage text", () => {
  it("is written from the declaration: both forms, the description, every option with its default", () => {
    const { registry, demo } = setup();
    const usage = registry.usage(demo);
    expect(usage.split("\n").slice(0, 4)).toEqual([
      "%demo [-n<N>] [-q] [--top N] [--save FILE] [--backend BACKEND] [--scale SCALE] STATEMENT",
      "%%demo [-n<N>] [-q] [--top N] [--save FILE] [--backend BACKEND] [--scale SCALE] [SETUP]   (first line of a cell)",
      "",
      "A magic for the tests.",
    ]);
    expect(usage).toMatch(/\n {2}--top N +rows \(default 10\)\n/);
    expect(usage).toMatch(/\n {2}-b, --backend BACKEND +which backend\n/);
  });

  it("marks options of one form only", () => {
    const { registry } = setup();
    const usage = registry.usage(registry.get("words")!);
    expect(usage).toMatch(/^%words \[--reset\] \[N\]\n%%words \[--share SHARE\] {3}\(first line of a cell\)\n/);
    expect(usage).toMatch(/--reset +start again \(%words only\)/);
  });
});

describe("expansion of {expression} and $name", () => {
  const scope = { n: 3, name: "run", obj: { depth: 2 } };

  it("replaces {expression} and $name with values from the scope", () => {
    expect(expandArgs("-n {n * 2} --label $name", scope)).toBe("-n 6 --label run");
    expect(expandArgs("{obj.depth + n}", scope)).toBe("5");
    expect(expandArgs("{({ a: n }).a}", scope)).toBe("3");
  });

  it("reads {{, }} and $$ as literal braces and dollars", () => {
    expect(expandArgs("{{n}} $$name", scope)).toBe("{n} $name");
  });

  it("leaves what cannot be evaluated as written", () => {
    expect(expandArgs("$nope {nope + 1} {1 +} {open", scope)).toBe("$nope {nope + 1} {1 +} {open");
    expect(expandArgs("a $ b $1", scope)).toBe("a $ b $1");
  });

  it("declares nothing in the notebook", () => {
    const local: Record<string, unknown> = { n: 1 };
    expect(expandArgs("{n = 5}", local)).toBe("5");
    expect(local).toEqual({ n: 1 });
  });

  it("evaluates where the line is first when the line gives a way, then in the notebook, never an assignment", () => {
    const here = (expr: string) => {
      if (expr !== "i") throw new ReferenceError(expr);
      return 7;
    };
    expect(expandArgs("{i} $i {n} {nope}", scope, here)).toBe("7 7 3 {nope}");
    const asked: string[] = [];
    expect(expandArgs("awk '{ n = 0 }' {n++}", scope, (e) => asked.push(e))).toBe("awk '{ n = 0 }' {n++}");
    expect(asked).toEqual([]);
  });

  it("returns text without markers unchanged", () => {
    expect(expandArgs("  -q  -n 3 ", scope)).toBe("  -q  -n 3 ");
  });
});
