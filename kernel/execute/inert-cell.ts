// A cell whose top level only declares (functions, types, and variables set to literals or
// functions) runs no code a user could have to interrupt: it runs without Node's SIGINT
// watchdog (`breakOnSigint`), which starts and joins a thread for every script. That took
// 0.3–0.8 ms of a 8–9 ms declaration cell (vm.runInThisContext 0.5–1.3 ms a cell with it,
// 0.2 ms without, in-process over 1200 cells).
import type * as TS from "@tslab/typescript-for-tslab";
import { literalKind } from "./literal-cell.js";

/** True when running the cell can only define names: nothing it runs can loop or call out. */
export function onlyDeclares(ts: typeof TS, file: TS.SourceFile): boolean {
  return file.statements.every((statement) => inertStatement(ts, statement));
}

function inertStatement(ts: typeof TS, statement: TS.Statement): boolean {
  if (ts.isFunctionDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement) || ts.isEmptyStatement(statement)) return true;
  if (ts.isVariableStatement(statement)) {
    // Destructuring runs iterators and getters; initializers run whatever they call.
    return statement.declarationList.declarations.every((d) => ts.isIdentifier(d.name) && (d.initializer === undefined || inertValue(ts, d.initializer)));
  }
  if (ts.isExpressionStatement(statement)) return literalKind(ts, statement.expression) !== null;
  // Classes (static blocks, decorators, `extends f()`), enums, imports and the rest run code.
  return false;
}

function inertValue(ts: typeof TS, node: TS.Expression): boolean {
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) return true;
  if (ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) return inertValue(ts, node.expression);
  return literalKind(ts, node) !== null;
}
