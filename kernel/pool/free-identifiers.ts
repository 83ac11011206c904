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

/**
 * Names a function's source reads from outside itself: free identifiers, and `exports.NAME`
 * (tslab's form of a reference to a variable of an earlier cell).
 */
export function outsideNames(source: string): Set<string> {
  const t = typescript();
  const file = t.createSourceFile("fn.js", `(${source})`, t.ScriptTarget.Latest, true, t.ScriptKind.JS);
  const used = new Set<string>();
  const scopes: Set<string>[] = [new Set()];
  const declare = (name: TS.BindingName | undefined, scope = scopes[scopes.length - 1]!) => {
    if (!name) return;
    if (t.isIdentifier(name)) scope.add(name.text);
    else for (const el of name.elements) if (!t.isOmittedExpression(el)) declare(el.name, scope);
  };
  const declared = (n: string) => scopes.some((s) => s.has(n));

  // Hoisted names of a block or function body: var, function and class declarations.
  const hoist = (node: TS.Node, scope: Set<string>) => {
    t.forEachChild(node, function walk(child): void {
      if (t.isFunctionDeclaration(child) || t.isClassDeclaration(child)) {
        if (child.name) scope.add(child.name.text);
        return;
      }
      if (t.isVariableDeclaration(child)) declare(child.name, scope);
      if (t.isFunctionLike(child)) return;
      t.forEachChild(child, walk);
    });
  };

  const visit = (node: TS.Node): void => {
    if (t.isPropertyAccessExpression(node)) {
      if (t.isIdentifier(node.expression) && node.expression.text === "exports" && !declared("exports")) used.add(node.name.text);
      else visit(node.expression);
      return;
    }
    if (t.isIdentifier(node)) {
      if (!declared(node.text)) used.add(node.text);
      return;
    }
    if (t.isFunctionLike(node) || t.isBlock(node) || t.isSourceFile(node) || t.isForStatement(node) || t.isForOfStatement(node) || t.isForInStatement(node) || t.isCatchClause(node)) {
      const scope = new Set<string>();
      scopes.push(scope);
      if (t.isFunctionLike(node)) {
        if ((t.isFunctionExpression(node) || t.isFunctionDeclaration(node)) && node.name) scope.add(node.name.text);
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
  return used;
}
