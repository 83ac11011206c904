// How the compiler finds what cells import. tslab sets TypeScript's "node10" resolution, which
// reads a package's "main" and "types" but never its package.json "exports": a package whose
// types (or whose only entry point) are named in "exports" alone could not be imported, or came
// without types. Such a package is looked up again through its exports ("bundler" resolution:
// the "types" and "import" conditions), which is also how Node's require finds it at run time.
//
// The results are cached here and not in TypeScript's watch cache: that one remembers a package
// that was missing (its package.json "does not exist") and would go on missing it after
// `%npm install`. %npm tells the resolver to forget (packagesChanged), and every file's imports
// are resolved again.
import { isBuiltin } from "node:module";
import type * as TS from "@tslab/typescript-for-tslab";

/** What a Node built-in resolves to: no file, so that the ambient declaration applies. */
const BUILTIN: TS.ResolvedModuleWithFailedLookupLocations = { resolvedModule: undefined };

const JS_ONLY = new Set([".js", ".jsx", ".mjs", ".cjs"]);

export class ModuleResolver {
  private node10: TS.ModuleResolutionCache;
  private exports: TS.ModuleResolutionCache;
  private readonly exportsOptions: TS.CompilerOptions;
  /** Bumped when node_modules changed: files resolved before then resolve again. */
  private generation = 0;
  private readonly resolvedIn = new Map<string, number>();

  constructor(
    private readonly ts: typeof TS,
    private readonly host: TS.ModuleResolutionHost & { getCurrentDirectory(): string },
    private readonly options: TS.CompilerOptions,
  ) {
    this.exportsOptions = { ...options, moduleResolution: ts.ModuleResolutionKind.Bundler, resolvePackageJsonExports: true, resolvePackageJsonImports: true };
    this.node10 = this.newCache(options);
    this.exports = this.newCache(this.exportsOptions);
  }

  /** Makes the compiler host resolve through this resolver. */
  install(host: TS.WatchCompilerHost<TS.BuilderProgram>): void {
    host.resolveModuleNameLiterals = (literals, containingFile, redirected, _options, sourceFile) => this.resolveAll(literals, containingFile, redirected, sourceFile);
    // Only files resolved before %npm changed node_modules (a file without imports never is).
    host.hasInvalidatedResolutions = (filePath) => {
      const resolved = this.resolvedIn.get(filePath);
      return resolved !== undefined && resolved !== this.generation;
    };
    host.getModuleResolutionCache = () => this.node10;
  }

  /** node_modules changed (a package installed or removed): nothing resolved so far holds. */
  forget(): void {
    this.generation++;
    this.node10 = this.newCache(this.options);
    this.exports = this.newCache(this.exportsOptions);
  }

  private resolveAll(
    literals: readonly TS.StringLiteralLike[],
    containingFile: string,
    redirected: TS.ResolvedProjectReference | undefined,
    sourceFile: TS.SourceFile,
  ): TS.ResolvedModuleWithFailedLookupLocations[] {
    this.resolvedIn.set((sourceFile as { path?: string }).path ?? containingFile, this.generation);
    return literals.map((literal) => this.resolve(literal.text, containingFile, redirected, this.ts.getModeForUsageLocation(sourceFile, literal)));
  }

  private resolve(name: string, containingFile: string, redirected: TS.ResolvedProjectReference | undefined, mode: TS.ResolutionMode): TS.ResolvedModuleWithFailedLookupLocations {
    // Node's own modules are declared by @types/node (`declare module "fs"`), never files; Node
    // loads them before node_modules. Looking them up on disk cost 179 ms of each kernel start
    // (622 lookups, from @types/node's own files, each walking up every node_modules folder).
    if (isBuiltin(name)) return BUILTIN;
    const { ts, host } = this;
    const found = ts.resolveModuleName(name, containingFile, this.options, host, this.node10, redirected, mode);
    const typed = found.resolvedModule && !JS_ONLY.has(found.resolvedModule.extension);
    if (typed || ts.isExternalModuleNameRelative(name)) return found;
    const viaExports = ts.resolveModuleName(name, containingFile, this.exportsOptions, host, this.exports, redirected, mode);
    const better = viaExports.resolvedModule && (!found.resolvedModule || !JS_ONLY.has(viaExports.resolvedModule.extension));
    return better ? viaExports : found;
  }

  private newCache(options: TS.CompilerOptions): TS.ModuleResolutionCache {
    const sensitive = this.ts.sys.useCaseSensitiveFileNames;
    return this.ts.createModuleResolutionCache(this.host.getCurrentDirectory(), (f) => (sensitive ? f : f.toLowerCase()), options);
  }
}
