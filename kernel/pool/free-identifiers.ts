// Which notebook variables a function uses: closures do not cross into worker threads, so
// parallel.map checks this before it sends the function anywhere.
import { createRequire } from "node:module";
import path from "node:path";
import type * as TS from "@tslab/typescript-for-tslab";

const require = createRequire(import.meta.url);
let ts: typeof TS | null = null;

/** The TypeScript that tslab uses (already loaded in a running kernel). */
function typescript(): typeof TS {
  if (!ts) {
    const tslabDir = path.dirname(require.resolve("tslab/package.json"));
    ts = require(require.resolve("@tslab/typescript-for-tslab", { paths: [tslabDir] })) as typeof TS;
  }
  return ts;
}

/** What a function's source uses from outside itself. */
interface OutsideUse {
  /** Free identifiers, and NAME of `exports.NAME` (tslab's form of an earlier cell's variable). */
  names: Set<string>;
  /** Each `exports.NAME`: where it is in the source, and whether it is written. */
  exportsAccesses: { name: string; start: number; end: number; written: boolean }[];
  /** Every name the function declares anywhere inside (parameters and locals of all scopes). */
  declaredInside: Set<string>;
  /** Outside names the function assigns to (as `name = …` or `exports.name = …`). */
  written: Set<string>;
}

/**
 * Names a function's source reads from outside itself: free identifiers, and `exports.NAME`
 * (tslab's form of a reference to a variable of an earlier cell).
 */
export function outsideNames(source: string): Set<string> {
  return analyse(source).names;
}

/**
 * The source with `exports.NAME` read as the plain name NAME, for the names in `names`: a worker
 * declares them as constants around the function, which V8 then compiles as constants (a hot
 * loop over a shared array runs about 10% faster than through the object). Names the function
 * writes through `exports.` or declares itself keep the object form. The text keeps every
 * column: the name is padded with spaces where `exports.` was. `written`: the names the function
 * assigns to, which the worker must declare as variables, not constants.
 */
export function withValuesAsLocals(source: string, names: readonly string[]): { source: string; written: string[] } {
  const { exportsAccesses, declaredInside, written } = analyse(source);
  const writtenThroughExports = new Set(exportsAccesses.filter((a) => a.written).map((a) => a.name));
  const local = new Set(names.filter((n) => !writtenThroughExports.has(n) && !declaredInside.has(n)));
  let out = "";
  let at = 0;
  for (const a of exportsAccesses) {
    if (!local.has(a.name)) continue;
    out += source.slice(at, a.start) + a.name + " ".repeat(a.end - a.start - a.name.length);
    at = a.end;
  }
  return { source: out + source.slice(at), written: names.filter((n) => written.has(n)) };
}

const analyses = new Map<string, OutsideUse>();

function analyse(source: string): OutsideUse {
  let result = analyses.get(source);
  if (!result) {
    result = analyseUncached(source);
    if (analyses.size > 256) analyses.clear();
    analyses.set(source, result);
  }
  return result;
}

function isWriteTarget(t: typeof TS, node: TS.Node): boolean {
  const parent = node.parent;
  if (t.isBinaryExpression(parent) && parent.left === node) return parent.operatorToken.kind >= t.SyntaxKind.FirstAssignment && parent.operatorToken.kind <= t.SyntaxKind.LastAssignment;
  if ((t.isPrefixUnaryExpression(parent) || t.isPostfixUnaryExpression(parent)) && (parent.operator === t.SyntaxKind.PlusPlusToken || parent.operator === t.SyntaxKind.MinusMinusToken)) return true;
  if ((t.isForInStatement(parent) || t.isForOfStatement(parent)) && parent.initializer === node) return true;
  // Destructuring targets: ({ a: exports.x } = o), [exports.x] = a.
  return t.isArrayLiteralExpression(parent) || t.isShorthandPropertyAssignment(parent) || (t.isPropertyAssignment(parent) && parent.initializer === node) || t.isSpreadElement(parent);
}

function analyseUncached(source: string): OutsideUse {
  const t = typescript();
  const file = t.createSourceFile("fn.js", `(${source})`, t.ScriptTarget.Latest, true, t.ScriptKind.JS);
  const used = new Set<string>();
  const exportsAccesses: OutsideUse["exportsAccesses"] = [];
  const declaredInside = new Set<string>();
  const written = new Set<string>();
  const scopes: Set<string>[] = [new Set()];
  const declare = (name: TS.BindingName | undefined, scope = scopes[scopes.length - 1]!) => {
    if (!name) return;
    if (t.isIdentifier(name)) {
      scope.add(name.text);
      declaredInside.add(name.text);
    } else for (const el of name.elements) if (!t.isOmittedExpression(el)) declare(el.name, scope);
  };
  const declared = (n: string) => scopes.some((s) => s.has(n));

  // Hoisted names of a block or function body: var, function and class declarations.
  const hoist = (node: TS.Node, scope: Set<string>) => {
    t.forEachChild(node, function walk(child): void {
      if (t.isFunctionDeclaration(child) || t.isClassDeclaration(child)) {
        if (child.name) {
          scope.add(child.name.text);
          declaredInside.add(child.name.text);
        }
        return;
      }
      if (t.isVariableDeclaration(child)) declare(child.name, scope);
      if (t.isFunctionLike(child)) return;
      t.forEachChild(child, walk);
    });
  };

  const visit = (node: TS.Node): void => {
    if (t.isPropertyAccessExpression(node)) {
      if (t.isIdentifier(node.expression) && node.expression.text === "exports" && !declared("exports")) {
        used.add(node.name.text);
        // Positions in `source`: the parsed text has one "(" before it.
        const isWritten = isWriteTarget(t, node);
        if (isWritten) written.add(node.name.text);
        exportsAccesses.push({ name: node.name.text, start: node.getStart(file) - 1, end: node.getEnd() - 1, written: isWritten });
      } else visit(node.expression);
      return;
    }
    if (t.isIdentifier(node)) {
      if (!declared(node.text)) {
        used.add(node.text);
        if (isWriteTarget(t, node)) written.add(node.text);
      }
      return;
    }
    if (t.isFunctionLike(node) || t.isBlock(node) || t.isSourceFile(node) || t.isForStatement(node) || t.isForOfStatement(node) || t.isForInStatement(node) || t.isCatchClause(node)) {
      const scope = new Set<string>();
      scopes.push(scope);
      if (t.isFunctionLike(node)) {
        if ((t.isFunctionExpression(node) || t.isFunctionDeclaration(node)) && node.name) {
          scope.add(node.name.text);
          declaredInside.add(node.name.text);
        }
        for (const p of node.parameters) declare(p.name, scope);
        scope.add("arguments");
        scope.add("this");
      }
      if (t.isCatchClause(node) && node.variableDeclaration) declare(node.variableDeclaration.name, scope);
      hoist(node, scope);
      t.forEachChild(node, childVisitor);
      scopes.pop();
      return;
    }
    if (t.isVariableDeclaration(node)) {
      declare(node.name);
      if (node.initializer) visit(node.initializer);
      return;
    }
    t.forEachChild(node, childVisitor);
  };
  // Names in declarations, property keys and labels are not reads.
  const childVisitor = (child: TS.Node): void => {
    const parent = child.parent;
    if (t.isIdentifier(child) && parent) {
      if ((t.isPropertyAssignment(parent) || t.isMethodDeclaration(parent) || t.isPropertyDeclaration(parent) || t.isGetAccessor(parent) || t.isSetAccessor(parent)) && parent.name === child) return;
      if ((t.isFunctionDeclaration(parent) || t.isFunctionExpression(parent) || t.isClassDeclaration(parent) || t.isClassExpression(parent)) && parent.name === child) return;
      if (t.isParameter(parent) && parent.name === child) return;
      if ((t.isBindingElement(parent) && parent.propertyName === child) || t.isLabeledStatement(parent) || t.isBreakOrContinueStatement(parent)) return;
    }
    if (t.isParameter(child)) {
      if (child.initializer) visit(child.initializer);
      return;
    }
    if (t.isBindingElement(child)) {
      if (child.initializer) visit(child.initializer);
      return;
    }
    visit(child);
  };
  visit(file);
  return { names: used, exportsAccesses, declaredInside, written };
}
