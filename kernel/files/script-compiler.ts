// %run's TypeScript: the script and the local files it imports are type-checked as one program
// (a type error stops the run and names FILE:LINE:COL), then each is transpiled on its own for
// the script's Node process, as an ES module or CommonJS, the way Node would load it.
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type * as TS from "@tslab/typescript-for-tslab";
import { hasTopLevelAwait } from "../execute/top-level-await.js";
import { type FileDiagnostic, fileDiagnosticsError } from "../execute/errors.js";
import { PACKAGE_MODULE_DIRS } from "../package-fallback.js";
import type { ErrorContent } from "../protocol/messages.js";
import type { CompiledModule, ModuleFormat } from "./script-modules.js";

export type ScriptCompilation = { ok: true; modules: Record<string, CompiledModule> } | { ok: false; error: ErrorContent };

/** Extensions the compiler checks and transpiles; plain JavaScript runs as it is. */
export const TYPESCRIPT_EXTENSIONS = [".ts", ".mts", ".cts"] as const;

const SHIPPED_TYPES = PACKAGE_MODULE_DIRS.map((dir) => path.join(dir, "@types")).filter((dir) => existsSync(dir));

const isTypeScript = (file: string) => (TYPESCRIPT_EXTENSIONS as readonly string[]).includes(path.extname(file));

/** How a path is shown to the user: relative to the kernel's folder when it is inside it. */
export function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

export class ScriptCompiler {
  /** Files of the libraries (TypeScript's lib, node_modules) parsed once: they do not change under a kernel. */
  private readonly libraries = new Map<string, TS.SourceFile>();

  constructor(private readonly ts: typeof TS) {}

  /** Type-checks `entry` (an absolute path) with the files it imports; on success, their JavaScript. */
  compile(entry: string): ScriptCompilation {
    const ts = this.ts;
    const options: TS.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      lib: ["lib.es2022.d.ts"],
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      // Every script is a module: its top-level names are its own, `await` works at its top level.
      moduleDetection: ts.ModuleDetectionKind.Force,
      allowImportingTsExtensions: true,
      resolveJsonModule: true,
      esModuleInterop: true,
      allowJs: true,
      strict: true,
      skipLibCheck: true,
      types: ["node"],
      // Node's types from the script's folders, else from the ones Parallab ships.
      typeRoots: [...(ts.getEffectiveTypeRoots({}, { directoryExists: ts.sys.directoryExists, getCurrentDirectory: () => path.dirname(entry) }) ?? []), ...SHIPPED_TYPES],
      noEmit: true,
    };
    const host = ts.createCompilerHost(options);
    const read = host.getSourceFile.bind(host);
    const libDir = path.dirname(ts.getDefaultLibFilePath(options));
    host.getSourceFile = (fileName, version, onError, create) => {
      if (!(fileName.startsWith(libDir) || fileName.includes(`${path.sep}node_modules${path.sep}`))) return read(fileName, version, onError, create);
      let file = this.libraries.get(fileName);
      if (!file) {
        file = read(fileName, version, onError, create);
        if (file) this.libraries.set(fileName, file);
      }
      return file;
    };
    // TypeScript follows imports, not CommonJS require() calls: the local TypeScript files a
    // script requires join the program as roots of their own, until none is left out.
    let roots = [entry];
    let program = ts.createProgram(roots, options, host);
    for (;;) {
      const known = new Set(program.getSourceFiles().map((f) => path.resolve(f.fileName)));
      const required = program
        .getSourceFiles()
        .filter((f) => !f.isDeclarationFile && !program.isSourceFileFromExternalLibrary(f))
        .flatMap((f) => this.requiredTypeScript(f))
        .filter((f) => !known.has(f));
      if (!required.length) break;
      // A new array: the old program keeps the one it was given, to tell whether roots changed.
      roots = [...roots, ...new Set(required)];
      program = ts.createProgram(roots, options, host, program);
    }
    const errors = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length) return { ok: false, error: fileDiagnosticsError(errors.map((d) => this.diagnostic(d))) };
    const modules: Record<string, CompiledModule> = {};
    for (const file of program.getSourceFiles()) {
      if (file.isDeclarationFile || !isTypeScript(file.fileName) || program.isSourceFileFromExternalLibrary(file)) continue;
      const fileName = path.resolve(file.fileName);
      const format = this.formatOf(file);
      const out = ts.transpileModule(file.text, {
        fileName,
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: format === "module" ? ts.ModuleKind.ESNext : ts.ModuleKind.CommonJS, esModuleInterop: true, inlineSourceMap: true },
      });
      modules[fileName] = { format, code: out.outputText };
    }
    return { ok: true, modules };
  }

  /** The local TypeScript files `file` loads with `require("./…")`. */
  private requiredTypeScript(file: TS.SourceFile): string[] {
    const ts = this.ts;
    if (!/\brequire\s*\(/.test(file.text)) return [];
    const found: string[] = [];
    const visit = (node: TS.Node): void => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "require" && node.arguments.length === 1) {
        const arg = node.arguments[0]!;
        if (ts.isStringLiteralLike(arg) && /^\.\.?\//.test(arg.text)) {
          const resolved = typescriptFile(path.resolve(path.dirname(file.fileName), arg.text));
          if (resolved) found.push(resolved);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
    return found;
  }

  private diagnostic(d: TS.Diagnostic): FileDiagnostic {
    const messageText = this.ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (!d.file || d.start === undefined) return { shown: "(compiler options)", lines: [], line: 0, character: 0, code: d.code, messageText };
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return { shown: shownPath(path.resolve(d.file.fileName)), lines: d.file.text.split("\n"), line, character, code: d.code, messageText };
  }

  /**
   * As Node decides: .mts is a module, .cts CommonJS; a .ts file follows the "type" of the
   * nearest package.json, and without one it is a module when it imports, exports or awaits at
   * its top level (Node's syntax detection).
   */
  private formatOf(file: TS.SourceFile): ModuleFormat {
    const ext = path.extname(file.fileName);
    if (ext === ".mts") return "module";
    if (ext === ".cts") return "commonjs";
    const declared = packageType(path.dirname(file.fileName));
    if (declared) return declared;
    const ts = this.ts;
    const moduleSyntax = file.statements.some(
      (s) => ts.isImportDeclaration(s) || ts.isExportDeclaration(s) || ts.isExportAssignment(s) || (ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)),
    );
    return moduleSyntax || /\bimport\.meta\b/.test(file.text) || hasTopLevelAwait(ts, file.text) ? "module" : "commonjs";
  }
}

/** The "type" of the nearest package.json above `dir`, if it says one. */
function packageType(dir: string): ModuleFormat | null {
  for (let at = dir; ; at = path.dirname(at)) {
    try {
      const type = (JSON.parse(readFileSync(path.join(at, "package.json"), "utf8")) as { type?: unknown }).type;
      return type === "module" || type === "commonjs" ? type : null;
    } catch {
      // No package.json here (or one that is not JSON): look further up.
    }
    if (path.dirname(at) === at) return null;
  }
}

/** The TypeScript file Node's require (with the script loader) would load for `request`, if any. */
function typescriptFile(request: string): string | null {
  const candidates = isTypeScript(request) ? [request] : /\.[mc]?js$/.test(request) ? [request.replace(/js$/, "ts")] : [`${request}.ts`, `${request}.cts`, path.join(request, "index.ts")];
  // A JavaScript file of that name comes first for Node, as it does for require.
  if (!isTypeScript(request) && existsSync(request) && !statSync(request).isDirectory()) return null;
  return candidates.find((c) => existsSync(c)) ?? null;
}
