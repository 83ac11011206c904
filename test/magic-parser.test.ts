// IPython's magic syntax on TypeScript cells (kernel/magics/parse.ts), with a registry of small
// magics made for the test (no kernel).
import { describe, expect, it } from "vitest";
import type { Magic } from "../kernel/magics/contract.js";
import { magicNameAt, maskMagics, planCell } from "../kernel/magics/parse.js";
import { UsageError } from "../common/errors.js";
import { MagicRegistry } from "../kernel/magics/registry.js";

const done = async () => ({ ok: true as const, value: undefined, hasValue: false });

function registry(): MagicRegistry {
  const r = new MagicRegistry();
  const magics: Magic[] = [
    { name: "time", description: "", line: { args: "STATEMENT", code: true, run: () => undefined }, cell: { run: done } },
    { name: "timeit", description: "", options: { n: { type: "int", min: 1, help: "" }, q: { type: "flag", help: "" } }, line: { args: "STATEMENT", code: true, run: () => undefined } },
    { name: "workers", description: "", line: { args: "[N]", run: () => undefined }, cell: { run: done } },
  ];
  for (const m of magics) r.register(m);
  return r;
}

const call = (name: string, args: string, thunk: string) => `(await __parallab__.magic(${JSON.stringify(name)}, ${JSON.stringify(args)}, ${thunk}));`;

describe("planCell", () => {
  const r = registry();

  it("leaves code without magics as it is", () => {
    const code = "const a = 1;\nconst pct = a % 2;\n`%time`";
    expect(planCell(code, r)).toEqual({ kind: "code", code });
  });

  it("gives a cell magic its first line's arguments and the body", () => {
    expect(planCell("%%workers -n 2 --share a\nrank\nsize", r)).toEqual({ kind: "cell-magic", name: "workers", args: "-n 2 --share a", body: "rank\nsize" });
    expect(planCell("%%time", r)).toEqual({ kind: "cell-magic", name: "time", args: "", body: "" });
  });

  it("names the closest magics when one is not found", () => {
    expect(() => planCell("%%tim\n1", r)).toThrow(UsageError);
    expect(() => planCell("%%tim\n1", r)).toThrow(/Cell magic `%%tim` not found\. Did you mean %%time/);
    expect(() => planCell("%tiemit 1", r)).toThrow(/Line magic `%tiemit` not found\. Did you mean %timeit/);
    expect(() => planCell("%%timeit\n1", r)).toThrow(/\(%timeit exists as a line magic\)/);
  });

  it("reads `%name?` as help and `expr?` as inspection", () => {
    expect(planCell("%timeit?", r)).toEqual({ kind: "magic-help", name: "timeit" });
    expect(planCell(" %%workers?? ", r)).toEqual({ kind: "magic-help", name: "workers" });
    expect(planCell("Math.max?", r)).toEqual({ kind: "inspect", expr: "Math.max" });
  });

  it("turns a line magic into one awaited call, in place, with the code as a thunk", () => {
    expect(planCell("%time f(x)", r)).toEqual({ kind: "code", code: call("time", "", "() => (f(x))") });
    expect(planCell("%timeit -n 3 -q f(x);", r)).toEqual({ kind: "code", code: call("timeit", "-n 3 -q", "() => (f(x))") });
    expect(planCell("%workers 3", r)).toEqual({ kind: "code", code: call("workers", "3", "undefined") });
    expect(planCell("%time", r)).toEqual({ kind: "code", code: call("time", "", "undefined") });
  });

  it("keeps assignment targets and indentation", () => {
    expect(planCell("const t = %time f(x)", r)).toEqual({ kind: "code", code: `const t = ${call("time", "", "() => (f(x))")}` });
    expect(planCell("  obj.field = %time 2", r)).toEqual({ kind: "code", code: `  obj.field = ${call("time", "", "() => (2)")}` });
  });

  it("wraps statements in a block and makes the thunk async when the code awaits", () => {
    expect(planCell("%time for (const x of xs) f(x)", r)).toEqual({ kind: "code", code: call("time", "", "() => { for (const x of xs) f(x) }") });
    expect(planCell("%time await load()", r)).toEqual({ kind: "code", code: call("time", "", "async () => (await load())") });
  });

  it("keeps every line where it was, so errors point at the line the user wrote", () => {
    const plan = planCell("const a = 1;\n%time a + 1\n\n  %workers\nconst b: number = 'x';", r);
    expect(plan.kind).toBe("code");
    const lines = (plan as { code: string }).code.split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[1]).toBe(call("time", "", "() => (a + 1)"));
    expect(lines[3]).toBe(`  ${call("workers", "", "undefined")}`);
    expect(lines[4]).toBe("const b: number = 'x';");
  });

  it("refuses bad options of a line magic that takes code when the cell is compiled", () => {
    expect(() => planCell("%timeit -x f()", r)).toThrow(/^unknown option -x\./);
  });

  it("leaves a %% line that is not the first line alone", () => {
    expect(planCell("1\n%%time", r)).toEqual({ kind: "code", code: "1\n%%time" });
  });
});

describe("maskMagics", () => {
  const r = registry();

  it("blanks magic syntax with spaces of the same length, keeping the code part in place", () => {
    const code = "%%workers -n 2\nconst t = %timeit -n 3 f(x)\n%time g()\n%workers 3";
    const masked = maskMagics(code, r);
    expect(masked.split("\n").map((l) => l.length)).toEqual(code.split("\n").map((l) => l.length));
    expect(masked.split("\n")).toEqual([" ".repeat(14), `const t = ${" ".repeat("%timeit -n 3 ".length)}f(x)`, `${" ".repeat("%time ".length)}g()`, " ".repeat(10)]);
  });

  it("blanks the whole line of an unknown magic or one with bad options", () => {
    expect(maskMagics("%nope f(x)", r)).toBe(" ".repeat(10));
    expect(maskMagics("%timeit -x f(x)", r)).toBe(" ".repeat(15));
  });
});

describe("magicNameAt", () => {
  it("finds the magic name being typed", () => {
    expect(magicNameAt("%ti", 3)).toEqual({ start: 1, prefix: "ti", cell: false });
    expect(magicNameAt("%%wo", 4)).toEqual({ start: 2, prefix: "wo", cell: true });
    expect(magicNameAt("%", 1)).toEqual({ start: 1, prefix: "", cell: false });
  });

  it("after an assignment target and on later lines", () => {
    expect(magicNameAt("const t = %tim", 14)).toEqual({ start: 11, prefix: "tim", cell: false });
    expect(magicNameAt("1\n  %ti", 7)).toEqual({ start: 5, prefix: "ti", cell: false });
  });

  it("is null elsewhere", () => {
    expect(magicNameAt("a % b", 5)).toBeNull();
    expect(magicNameAt("%time f(", 8)).toBeNull();
    expect(magicNameAt("math", 4)).toBeNull();
  });
});

describe("`!` lines", () => {
  const r = registry();
  const code = (cell: string, known?: (name: string) => boolean) => (planCell(cell, r, known) as { code: string }).code.split("\n");
  const inCell = `(__parallab_expr__: string) => eval('"use strict"; (' + __parallab_expr__ + "\\n)")`;

  it("`!cmd` runs %system, `!!cmd` and `x = !cmd` run %sx, in place", () => {
    expect(code("!ls -la")).toEqual([call("system", "ls -la", "undefined")]);
    expect(code("!!date")).toEqual([call("sx", "date", "undefined")]);
    expect(code("const files = !ls *.ipynb")).toEqual([`const files = ${call("sx", "ls *.ipynb", "undefined")}`]);
    expect(code("  listing = !/bin/ls")).toEqual([`  listing = ${call("sx", "/bin/ls", "undefined")}`]);
  });

  it("works in a block, with expansions evaluated where the line is", () => {
    expect(code("for (const f of files) {\n  !echo {f} $HOME\n}")).toEqual(["for (const f of files) {", `  (await __parallab__.magic("system", "echo {f} $HOME", undefined, ${inCell}));`, "}"]);
    expect(code("if (ok) {\n}\n!ls\nswitch (n) {\n  case 1:\n    !echo one\n}")[2]).toBe(call("system", "ls", "undefined"));
    expect(code("switch (n) {\n  case 1:\n    !echo one\n}")[2]).toBe(`    ${call("system", "echo one", "undefined")}`);
  });

  it("leaves TypeScript's negation alone", () => {
    const ts = [
      "const done = !finished;",
      "const ls = 1;\nlet flag = !ls",
      "x = !!ls",
      "const a = [1,\n  !b]",
      "run(a &&\n  !b)",
      "const ok = a &&\n!b",
      "const s = `\n!important ${`\n!nested`}\n!still`",
      "/*\n!commented\n*/",
      "!function () {}()",
      "!(async () => 1)()",
      "items.filter((i) =>\n  !i.hidden)",
    ];
    for (const cell of ts) expect(code(cell).join("\n")).toBe(cell);
    // A variable of the notebook, a global: not a command.
    expect(code("const d = !date", (n) => n === "date")).toEqual(["const d = !date"]);
    expect(code("const d = !date")).toEqual([`const d = ${call("sx", "date", "undefined")}`]);
    expect(code("const p = !process")).toEqual(["const p = !process"]);
  });

  it("is masked for completion: a value becomes [], a statement blanks", () => {
    expect(maskMagics("const files = !ls *.ipynb\n  !echo hi\nfiles.len", r)).toBe(`const files = []${" ".repeat(9)}\n${" ".repeat(10)}\nfiles.len`);
  });
});
