// The script Node's `--build-snapshot` runs (./build.ts starts it): TypeScript loaded, and the
// lib and @types/node declarations a kernel's compiler reads parsed and bound, so that a
// kernel started from the snapshot (`node --snapshot-blob`) skips that work. A user-land
// snapshot may only require Node's built-in modules, so TypeScript is evaluated from its file
// here, and the paths come in the environment.
//
// Measured on this machine (2 cores): parsing and binding these 156 files (2.8 MB, most of it
// @types/node) took 0.9–1.3 s of each kernel start; deserializing them takes ~0.2 s.
// No import or export: TypeScript would make this a module, whose `exports` the snapshot builder lacks.
type TypeScript = typeof import("@tslab/typescript-for-tslab");
type SourceFile = import("@tslab/typescript-for-tslab").SourceFile;
type CompilerOptions = import("@tslab/typescript-for-tslab").CompilerOptions;

interface SnapshotRequest {
  /** tslab's TypeScript (typescript.js). */
  typescript: string;
  /** The folders with @types/node that notebooks resolve (`types: ["node"]`). */
  typeRoots: string[];
  /** tslab's target and lib for this Node (converter.js getTranspileTargets): "ES2022". */
  target: keyof typeof import("@tslab/typescript-for-tslab").ScriptTarget;
  lib: string[];
  /** What the blob is for (written back by ./build.ts). */
  key: string;
}

function snapshotCompiler(): void {
  const fs: typeof import("node:fs") = require("node:fs");
  const path: typeof import("node:path") = require("node:path");
  const vm: typeof import("node:vm") = require("node:vm");
  const request = JSON.parse(process.env.PARALLAB_SNAPSHOT_REQUEST ?? "null") as SnapshotRequest | null;
  if (!request) throw new Error("PARALLAB_SNAPSHOT_REQUEST is not set: build the snapshot through dist/kernel/snapshot/build.js");

  const module_ = { exports: {} as TypeScript };
  const wrapper = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(request.typescript, "utf8")}\n})`, {
    filename: request.typescript,
  }) as (...args: unknown[]) => void;
  wrapper(module_.exports, require, module_, request.typescript, path.dirname(request.typescript));
  const ts = module_.exports;

  // The options tslab's converter gives its program that decide how declarations parse and bind.
  const options: CompilerOptions = {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    target: ts.ScriptTarget[request.target],
    lib: request.lib.map((l) => `lib.${l}.d.ts`),
    types: ["node"],
    typeRoots: request.typeRoots,
    allowJs: true,
    checkJs: true,
    skipLibCheck: true,
    resolveJsonModule: true,
    experimentalDecorators: true,
    esModuleInterop: true,
    jsx: ts.JsxEmit.React,
    noEmit: true,
  };
  const files = new Map<string, SourceFile>();
  for (const root of request.typeRoots) {
    // TypeScript reads the lib and the types only for a program with a root file; this one need not exist.
    const program = ts.createProgram({ rootNames: [path.join(root, "__parallab_snapshot__.ts")], options: { ...options, typeRoots: [root] } });
    for (const file of program.getSourceFiles()) {
      (ts as unknown as { bindSourceFile(f: SourceFile, o: CompilerOptions): void }).bindSourceFile(file, options);
      files.set(file.fileName, file);
    }
  }
  (globalThis as Record<string, unknown>).__parallab_compiler_snapshot__ = { ts, typescript: request.typescript, files, key: request.key };
}

snapshotCompiler();
