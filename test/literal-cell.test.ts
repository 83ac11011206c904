// kernel/execute/literal-cell.ts and inert-cell.ts with tslab's TypeScript: which cells run
// without the compiler, and which without the SIGINT watchdog. That they give the compiler's
// results is checked through a kernel (kernel-protocol.test.ts).
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import type * as TS from "@tslab/typescript-for-tslab";
import { onlyDeclares } from "../kernel/execute/inert-cell.js";
import { literalExpression, parseShortCell } from "../kernel/execute/literal-cell.js";

const ts = createRequire(import.meta.url)("@tslab/typescript-for-tslab") as typeof TS;

function literal(cell: string): string | null {
  const file = parseShortCell(ts, cell);
  return file && literalExpression(ts, file);
}

function declaresOnly(cell: string): boolean | null {
  const file = parseShortCell(ts, cell);
  return file && onlyDeclares(ts, file);
}

describe("literalExpression", () => {
  it("takes literals, arithmetic on numbers, joined strings, arrays and plain objects of them", () => {
    const cells: [string, string][] = [
      ["1", "1"],
      ["1 + 1;", "1 + 1"],
      ["/* why */ -(2 ** 10) // note", "-(2 ** 10)"],
      ["-5n", "-5n"],
      ["'a' + 1", "'a' + 1"],
      ["`text`", "`text`"],
      ["[1, 'a', null, [true]]", "[1, 'a', null, [true]]"],
      ["({ a: 1, 'b c': [2.5] })", "({ a: 1, 'b c': [2.5] })"],
      ["[\n  1,\n  2,\n]", "[\n  1,\n  2,\n]"],
    ];
    for (const [cell, js] of cells) expect(literal(cell), cell).toBe(js);
  });

  it("leaves to the compiler what can be a type error, can throw, or needs names", () => {
    const cells = [
      "1 * 'a'", // a type error
      "null + 1",
      "+1n",
      "1n / 0n", // throws
      "({ a: 1, a: 2 })", // a repeated name
      "({ __proto__: null })",
      "({ ...{} })",
      "0777", // legacy octal
      "'\\1'",
      "`a${1}`",
      "-2 ** 2", // a syntax error
      "1 +",
      "x",
      "undefined",
      "'abc'.length",
      "1\n2", // two statements
      "{ a: 1 }", // a block
      "const a = 1",
      `[${"1, ".repeat(1500)}]`, // long cells are not parsed for this
    ];
    for (const cell of cells) expect(literal(cell), cell).toBeNull();
  });
});

describe("onlyDeclares", () => {
  it("holds for functions, types and variables set to literals or functions", () => {
    const cell = [
      "const a1 = 1;",
      "let b: number;",
      "function f1(x: number) { while (true) {} }",
      "const g = (x: number) => x * a1, h = function () {};",
      "const config = { rate: 0.1, layers: [784, 256, 10] } as const;",
      "interface Shape { n: number }",
      "type Pair = [number, number];",
      "'a literal';",
    ].join("\n");
    expect(declaresOnly(cell)).toBe(true);
  });

  it("does not hold where the top level calls, loops, reads, constructs or imports", () => {
    const cells = [
      "const a = f();",
      "while (true) {}",
      "const b = someGlobal;",
      "const [x, y] = [1, 2];", // an iterator
      "class A { static { loop(); } }",
      "enum E { A = f() }",
      'import { readFileSync } from "node:fs";',
      "const c = `${value}`;",
      "const d = { ...other };",
      "1 + 1; f();",
    ];
    for (const cell of cells) expect(declaresOnly(cell), cell).toBe(false);
  });
});
