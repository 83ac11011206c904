// Reading the notebook's declarations (tslab's prevDecl: the .d.ts text of every earlier cell):
// which names a statement declares, and which an import binds.
import type * as TS from "@tslab/typescript-for-tslab";

/** The names a top-level statement of prevDecl declares (imports and exports declare none here). */
export function declaredNames(ts: typeof TS, stmt: TS.Statement): string[] {
  if (ts.isVariableStatement(stmt)) {
    return stmt.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [d.name.text] : []));
  }
  if (ts.isImportDeclaration(stmt) || ts.isImportEqualsDeclaration(stmt) || ts.isExportDeclaration(stmt) || ts.isExportAssignment(stmt)) return [];
  if (
    (ts.isFunctionDeclaration(stmt) ||
      ts.isClassDeclaration(stmt) ||
      ts.isInterfaceDeclaration(stmt) ||
      ts.isTypeAliasDeclaration(stmt) ||
      ts.isEnumDeclaration(stmt) ||
      ts.isModuleDeclaration(stmt)) &&
    stmt.name &&
    ts.isIdentifier(stmt.name)
  ) {
    return [stmt.name.text];
  }
  return [];
}

/** The names an import statement binds (`import d, { a, b as c } from "m"`, `import * as ns from "m"`). */
export function importedNames(ts: typeof TS, stmt: TS.Statement): string[] {
  if (ts.isImportEqualsDeclaration(stmt)) return [stmt.name.text];
  if (!ts.isImportDeclaration(stmt) || !stmt.importClause) return [];
  const clause = stmt.importClause;
  const names = clause.name ? [clause.name.text] : [];
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings)) names.push(bindings.name.text);
  else if (bindings) names.push(...bindings.elements.map((e) => e.name.text));
  return names;
}

export interface DeclarationStatement {
  text: string;
  /** What it declares (not an import). */
  declares: string[];
  /** What it binds when it is an import. */
  imports: string[];
  isImport: boolean;
}

export function declarationStatements(ts: typeof TS, decl: string): DeclarationStatement[] {
  const file = ts.createSourceFile("prev.d.ts", decl, ts.ScriptTarget.Latest, true);
  return file.statements.map((stmt) => ({
    text: decl.slice(stmt.getStart(file), stmt.end),
    declares: declaredNames(ts, stmt),
    imports: importedNames(ts, stmt),
    isImport: ts.isImportDeclaration(stmt) || ts.isImportEqualsDeclaration(stmt),
  }));
}

/** The `declare global { … }` statements of prevDecl, as written. */
export function globalAugmentations(ts: typeof TS, decl: string): string[] {
  const file = ts.createSourceFile("prev.d.ts", decl, ts.ScriptTarget.Latest, true);
  return file.statements.filter((stmt) => ts.isModuleDeclaration(stmt) && (stmt.flags & ts.NodeFlags.GlobalAugmentation) !== 0).map((stmt) => decl.slice(stmt.getStart(file), stmt.end));
}
