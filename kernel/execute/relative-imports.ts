// tslab resolves a cell's relative imports from the folder the kernel started in (its compiler's
// root and its require's). After %cd they must start from the new folder, as IPython's imports
// follow os.getcwd(): each relative module name is rewritten to the same file seen from the root.
// Only the module names change, never a line: errors and source maps keep the cell's lines.
import path from "node:path";
import type * as TS from "@tslab/typescript-for-tslab";

const RELATIVE = /^\.\.?(\/|$)/;

/** The string literals naming modules in `file`: imports, exports, `import()`, `require()`, `import("…")` types. */
function moduleNames(ts: typeof TS, file: TS.SourceFile): TS.StringLiteralLike[] {
  const found: TS.StringLiteralLike[] = [];
  const add = (node: TS.Node | undefined) => {
    if (node && ts.isStringLiteralLike(node)) found.push(node);
  };
  const visit = (node: TS.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isExternalModuleReference(node)) add(node.expression);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    else if (ts.isCallExpression(node) && node.arguments.length >= 1) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === "require")) add(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** `code` with its relative module names meant from `from` rewritten to be read from `root`. */
export function rebaseRelativeImports(ts: typeof TS, code: string, from: string, root: string): string {
  if (path.resolve(from) === path.resolve(root) || !/["'`]\.\.?\//.test(code)) return code;
  const file = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  let out = code;
  // From the end, so that earlier offsets stay right.
  for (const literal of moduleNames(ts, file).reverse()) {
    if (!RELATIVE.test(literal.text)) continue;
    let rebased = path.relative(root, path.resolve(from, literal.text)).split(path.sep).join("/");
    if (!rebased.startsWith("..")) rebased = rebased ? `./${rebased}` : ".";
    if (literal.text.endsWith("/") && !rebased.endsWith("/")) rebased += "/";
    // Inside the quotes, as written (escapes included).
    out = out.slice(0, literal.getStart(file) + 1) + rebased + out.slice(literal.end - 1);
  }
  return out;
}
