// tslab compiles a cell as a script, where `await (x)` and `for await (…)` parse as a call to a
// function named `await` and a plain loop: such a cell would run without its async wrapper and
// fail with "await is not defined". Parsed as a module, they are what the user meant.
import type * as TS from "@tslab/typescript-for-tslab";

/** Whether the cell awaits at its top level (outside any function, class or namespace). */
export function hasTopLevelAwait(ts: typeof TS, code: string): boolean {
  if (!/\bawait\b/.test(code)) return false;
  // `export {}` makes the parser read the text with the module goal, where `await` is a keyword.
  const file = ts.createSourceFile("cell.ts", `export {};\n${code}`, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const visit = (node: TS.Node): boolean => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node) || ts.isModuleDeclaration(node)) return false;
    if (ts.isAwaitExpression(node)) return true;
    if (ts.isForOfStatement(node) && node.awaitModifier) return true;
    return ts.forEachChild(node, visit) ?? false;
  };
  return ts.forEachChild(file, visit) ?? false;
}
