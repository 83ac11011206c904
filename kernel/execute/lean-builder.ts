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
//   one (../snapshot/), instead of parsed again.
import type * as TS from "@tslab/typescript-for-tslab";
import type { CompilerSnapshot } from "../snapshot/compiler-snapshot.js";

/** TypeScript's binder and resolved-module lookup: internal, exported by its bundle. */
interface TsInternals {
  bindSourceFile(file: TS.SourceFile, options: TS.CompilerOptions): void;
  getResolvedModule(file: TS.SourceFile, name: string, mode: TS.ResolutionMode): TS.ResolvedModuleFull | undefined;
  resolveTripleslashReference(name: string, containingFile: string): string;
}

interface SourceFileInternals {
  locals?: unknown;
  imports?: readonly TS.StringLiteralLike[];
}

type CreateProgram = TS.CreateProgram<TS.BuilderProgram>;

/** The `createProgram` a watch compiler host is given in place of its default builder. */
export function leanBuilderFactory(ts: typeof TS, snapshot: CompilerSnapshot | null): CreateProgram {
  const internals = ts as unknown as TsInternals;
  if (typeof internals.bindSourceFile !== "function" || typeof internals.getResolvedModule !== "function") {
    throw new Error("this TypeScript does not export bindSourceFile/getResolvedModule: tslab's TypeScript has changed");
  }
  return (rootNames, options, host, oldBuilder, configDiagnostics, references) => {
    const builder = ts.createAbstractBuilder(rootNames ?? [], options ?? {}, snapshot && host ? withSnapshotFiles(host, snapshot) : host, oldBuilder, configDiagnostics, references);
    const program = builder.getProgram();
    for (const name of program.getRootFileNames()) {
      const file = program.getSourceFile(name);
      if (file && !(file as SourceFileInternals).locals) internals.bindSourceFile(file, program.getCompilerOptions());
    }
    builder.getAllDependencies = (file) => dependencies(ts, internals, program, file);
    return builder;
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
