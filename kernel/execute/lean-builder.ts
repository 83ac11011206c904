// The program tslab's watch compiler builds for each cell, without the BuilderProgram state it
// never uses. tslab's compiler creates an EmitAndSemanticDiagnosticsBuilderProgram; every new
// program (two per cell that declares a name) then computes the import graph of every file,
// lib and @types/node included, which needs a type checker of its own. tslab only asks the
// builder for its program, source files, emit and the files a cell depends on. A profile of 300
// declaration cells (const + function): 18 ms a cell, of which the builder state took 9.6 ms.
//
// This builder is TypeScript's own abstract one (a program and nothing else), plus:
// - the root files bound as they are created: tslab reads the cell's top-level names
//   (`locals`, set by the binder) before it asks for a type checker;
// - getAllDependencies walked from the cell through the imports and references it resolved,
//   the files tslab compiles along with a cell (local .ts/.js modules), not the whole program;
// - the lib and @types/node files taken from the compiler snapshot, when the kernel started from
//   one (../snapshot/), instead of parsed again;
// - no first program for a cell that declares names (namesOnlyBuilder);
// - CommonJS emitted in the same pass (commonJsEmit), in place of tslab's second compile.
import type * as TS from "@tslab/typescript-for-tslab";
import type { CompilerSnapshot } from "../snapshot/compiler-snapshot.js";

/** TypeScript's binder and resolved-module lookup: internal, exported by its bundle. */
interface TsInternals {
  bindSourceFile(file: TS.SourceFile, options: TS.CompilerOptions): void;
  getEmitScriptTarget(options: TS.CompilerOptions): TS.ScriptTarget;
  transformModule: TS.TransformerFactory<TS.SourceFile>;
  getResolvedModule(file: TS.SourceFile, name: string, mode: TS.ResolutionMode): TS.ResolvedModuleFull | undefined;
  resolveTripleslashReference(name: string, containingFile: string): string;
}

interface SourceFileInternals {
  locals?: Map<string, unknown>;
  imports?: readonly TS.StringLiteralLike[];
}

type CreateProgram = TS.CreateProgram<TS.BuilderProgram>;

/** What the tslab adapter and the patched TypeScript share with the builder. */
export interface BuilderHooks {
  /**
   * True while tslab compiles a cell (the adapter's compile), when a program tslab builds only
   * to read the cell's top-level names can be skipped; never while it completes or inspects.
   */
  compiling: boolean;
  /**
   * JavaScript this builder emitted, CommonJS already, until tslab hands it to its ES module →
   * CommonJS step (`ts.transpileModule`, patched to pass it on).
   */
  commonJs: Set<string>;
  /** The top-level names of the cell in the last program built while compiling. */
  declared: string[];
}

/** tslab's cell file (`createConverter`: `__tslab__.ts` in the working directory). */
const isCellFile = (name: string) => name.endsWith("/__tslab__.ts");

/** The `createProgram` a watch compiler host is given in place of its default builder. */
export function leanBuilderFactory(ts: typeof TS, snapshot: CompilerSnapshot | null, hooks: BuilderHooks): CreateProgram {
  const internals = ts as unknown as TsInternals;
  for (const name of ["bindSourceFile", "getResolvedModule", "getEmitScriptTarget", "transformModule"] as const) {
    if (typeof internals[name] !== "function") throw new Error(`this TypeScript does not export ${name}: tslab's TypeScript has changed`);
  }
  return (rootNames, options, host, oldBuilder, configDiagnostics, references) => {
    if (hooks.compiling && oldBuilder && host) {
      const namesOnly = namesOnlyBuilder(ts, internals, rootNames ?? [], oldBuilder, host, options ?? {});
      if (namesOnly) return namesOnly;
    }
    const builder = ts.createAbstractBuilder(rootNames ?? [], options ?? {}, snapshot && host ? withSnapshotFiles(host, snapshot) : host, oldBuilder, configDiagnostics, references);
    const program = builder.getProgram();
    for (const name of program.getRootFileNames()) {
      const file = program.getSourceFile(name);
      if (file && !(file as SourceFileInternals).locals) internals.bindSourceFile(file, program.getCompilerOptions());
    }
    if (hooks.compiling) {
      const cellPath = program.getRootFileNames().find(isCellFile);
      const cell = cellPath === undefined ? undefined : (program.getSourceFile(cellPath) as SourceFileInternals | undefined);
      hooks.declared = cellNames(ts, cell?.locals?.keys() ?? []);
      // tslab exports every key; TypeScript's own (`__global` of `declare global { … }`) are
      // no names a cell can refer to, so they go.
      for (const key of [...(cell?.locals?.keys() ?? [])]) if (isInternalName(key)) cell!.locals!.delete(key);
    }
    builder.getAllDependencies = (file) => dependencies(ts, internals, program, file);
    builder.emit = commonJsEmit(ts, internals, builder.emit, hooks.commonJs);
    return builder;
  };
}

/**
 * tslab compiles a cell that declares names twice: a first program only to read the names the
 * cell declares (the cell file's `locals`), then a second with `export { … }` of those names
 * appended, which it checks and emits. The first is this instead: the previous program, with the
 * cell parsed and bound on its own (the binder needs no program). A program cost ~2 ms of a
 * ~12 ms declaration cell (300 cells, in-process profile).
 *
 * Null (a real program) when the cell declares nothing (tslab checks and emits that first
 * program), already ends with tslab's `export { … }` of its names (the second program), or was
 * the previous program's cell.
 */
function namesOnlyBuilder(ts: typeof TS, internals: TsInternals, rootNames: readonly string[], old: TS.BuilderProgram, host: TS.CompilerHost, options: TS.CompilerOptions): TS.BuilderProgram | null {
  const cellPath = rootNames.find(isCellFile);
  const text = cellPath === undefined ? undefined : host.readFile(cellPath);
  if (cellPath === undefined || text === undefined) return null;
  const cell = ts.createSourceFile(cellPath, text, internals.getEmitScriptTarget(options), false, ts.ScriptKind.TS);
  internals.bindSourceFile(cell, options);
  // tslab writes the keys of `locals` into its `export { … }`. This file is only read for them,
  // so it gets the names a cell can export (see cellNames).
  const cellLocals = cell as SourceFileInternals;
  const names = cellNames(ts, cellLocals.locals?.keys() ?? []);
  cellLocals.locals = new Map(names.map((name) => [name, cellLocals.locals!.get(escapedName(name))]));
  // tslab's suffix, as converter.js writes it.
  const suffix = `\nexport {${names.join(", ")}}`;
  if (names.length === 0 || text.endsWith(suffix)) return null;
  // The same cell compiled again: the watch compiler would find the previous program current
  // for tslab's second text and keep this builder as tslab's.
  if (old.getProgram().getSourceFile(cellPath)?.text === text + suffix) return null;
  const builder = Object.create(old) as TS.BuilderProgram;
  builder.getSourceFile = (name) => (name === cellPath ? cell : old.getSourceFile(name));
  return builder;
}

/**
 * The names a cell declares, as written, from the binder's keys: TypeScript escapes a name that
 * starts with `__` (`__x` is `___x`), and keys its own symbols that way unescaped (`declare
 * global { … }` is `__global`), which are not names the cell can export.
 */
function cellNames(ts: typeof TS, keys: Iterable<string>): string[] {
  return [...keys].filter((key) => !isInternalName(key)).map((key) => ts.unescapeLeadingUnderscores(key as TS.__String));
}

const isInternalName = (key: string) => key.startsWith("__") && !key.startsWith("___");

const escapedName = (name: string) => (name.startsWith("__") ? `_${name}` : name);

/**
 * The builder's emit, with TypeScript's CommonJS module transform after tslab's own
 * transformers. tslab emits an ES module and then rewrites it to CommonJS with
 * `ts.transpileModule`, which parses the output again, builds a program and type-checks it for
 * its emit resolver: 2.5 ms of a ~12 ms declaration cell. The transform here is the one a
 * CommonJS program's emit runs, with the checked program's resolver; the program itself keeps
 * its ES module options, so a cell is checked as before (top-level await, import.meta).
 */
function commonJsEmit(ts: typeof TS, internals: TsInternals, emit: TS.BuilderProgram["emit"], emitted: Set<string>): TS.BuilderProgram["emit"] {
  const toCommonJs: TS.TransformerFactory<TS.SourceFile> = (context) => {
    const options = { ...context.getCompilerOptions(), module: ts.ModuleKind.CommonJS };
    // The context's hooks (onSubstituteNode, …) are accessors on the context: they still apply.
    return internals.transformModule(Object.create(context, { getCompilerOptions: { value: () => options } }) as TS.TransformationContext);
  };
  return (file, writeFile, cancellationToken, emitOnlyDts, custom) => {
    emitted.clear();
    const write: TS.WriteFileCallback | undefined =
      writeFile &&
      ((name, text, ...rest) => {
        if (name.endsWith(".js")) emitted.add(text);
        writeFile(name, text, ...rest);
      });
    return emit(file, write, cancellationToken, emitOnlyDts, { ...custom, after: [...(custom?.after ?? []), toCommonJs] });
  };
}

/** `host`, giving the snapshot's parsed file where it has the same text as the file now. */
function withSnapshotFiles(host: TS.CompilerHost, snapshot: CompilerSnapshot): TS.CompilerHost {
  const ours = Object.create(host) as TS.CompilerHost;
  ours.getSourceFile = (fileName, settings, ...rest) => snapshot.sourceFile(fileName, settings, () => host.readFile(fileName)) ?? host.getSourceFile(fileName, settings, ...rest);
  if (host.getSourceFileByPath) {
    const byPath = host.getSourceFileByPath.bind(host);
    ours.getSourceFileByPath = (fileName, filePath, settings, ...rest) => snapshot.sourceFile(fileName, settings, () => host.readFile(fileName)) ?? byPath(fileName, filePath, settings, ...rest);
  }
  return ours;
}

/**
 * `file` and every file it reaches through its imports and `/// <reference path>`s, walking on
 * through files that are not declarations (a .d.ts only leads to more declarations).
 */
function dependencies(ts: typeof TS, internals: TsInternals, program: TS.Program, file: TS.SourceFile): string[] {
  const seen = new Set<string>([file.fileName]);
  const queue = [file];
  while (queue.length > 0) {
    const current = queue.pop()!;
    const reached: string[] = [];
    for (const literal of (current as SourceFileInternals).imports ?? []) {
      const resolved = internals.getResolvedModule(current, literal.text, ts.getModeForUsageLocation(current, literal));
      if (resolved) reached.push(resolved.resolvedFileName);
    }
    for (const reference of current.referencedFiles) reached.push(internals.resolveTripleslashReference(reference.fileName, current.fileName));
    for (const name of reached) {
      const next = program.getSourceFile(name);
      if (!next || seen.has(next.fileName)) continue;
      seen.add(next.fileName);
      if (!next.isDeclarationFile) queue.push(next);
    }
  }
  return [...seen];
}
