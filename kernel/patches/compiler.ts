// The patches around tslab and TypeScript (see ./index.ts for the list and why each exists).
// Each takes the adapter's own state object: nothing here keeps state of its own.
import Module, { createRequire } from "node:module";
import path from "node:path";
import vm from "node:vm";
import type * as TS from "@tslab/typescript-for-tslab";
import { compilerFallback } from "../package-fallback.js";
import { PACKAGE_ROOT } from "../../common/paths.js";
import { takeInlineMap } from "../execute/source-maps.js";
import { type CachedModule, requireWithCodeCache } from "../execute/code-cache.js";
import { ModuleResolver } from "../execute/module-resolution.js";
import { type BuilderHooks, leanBuilderFactory } from "../execute/lean-builder.js";
import { type CompilerSnapshot, takeCompilerSnapshot } from "../snapshot/compiler-snapshot.js";
import { withInstallHint } from "../packages/missing.js";

const require = createRequire(import.meta.url);

/** The adapter's hooks that the patched vm and TypeScript read and write. */
export interface CompilerHooks extends BuilderHooks {
  /** The name V8 gives the next script tslab runs (`cell-<seq>`), taken once. */
  nextScriptName: string | null;
  /** Called when a cell's compiled code is about to run; may throw to stop it. */
  onUserCode: (() => void) | null;
  /** Source map (JavaScript → the cell's TypeScript) of the last main output tslab compiled. */
  pendingMap: string | null;
  /** How the compiler resolves imports (set when tslab creates its compiler host). */
  modules: ModuleResolver | null;
  /** False when the next script only declares (../execute/inert-cell.ts): no SIGINT watchdog for it. */
  nextScriptWatchesSigint: boolean;
}

/**
 * Names the next script tslab runs, so V8's stack frames and profiles say which cell they are
 * in, and runs a cell that only declares without the SIGINT watchdog.
 */
export function nameCellScripts(hooks: CompilerHooks): void {
  const realRunInThisContext = vm.runInThisContext;
  vm.runInThisContext = function runInThisContext(code: string, options?: vm.RunningScriptOptions | string) {
    if (hooks.nextScriptName && typeof options === "object" && options?.breakOnSigint) {
      options = { ...options, filename: hooks.nextScriptName, breakOnSigint: hooks.nextScriptWatchesSigint };
      hooks.nextScriptName = null;
      hooks.onUserCode?.();
    }
    return realRunInThisContext.call(vm, code, options as vm.RunningScriptOptions);
  } as typeof vm.runInThisContext;
}

/** The TypeScript that tslab loads (its own build, @tslab/typescript-for-tslab). */
function typeScriptPath(): string {
  const tslabDir = path.dirname(require.resolve("tslab/package.json"));
  return require.resolve("@tslab/typescript-for-tslab", { paths: [tslabDir] });
}

/**
 * Loads tslab's TypeScript with V8's code cache in `cacheDir` (./code-cache.ts), before anything
 * requires it; the caller saves the cache once the compiler has built its first program.
 */
export function loadTypeScriptWithCodeCache(cacheDir: string): CachedModule {
  const tsPath = typeScriptPath();
  const { version } = require(path.join(path.dirname(tsPath), "..", "package.json")) as { version: string };
  return requireWithCodeCache(tsPath, version, cacheDir);
}

/**
 * In a kernel started from the compiler snapshot (../snapshot/): its TypeScript goes into the
 * module cache in place of loading typescript.js, and its parsed declarations serve the compiler.
 */
export function useSnapshotTypeScript(contentKey: string): CompilerSnapshot | null {
  const tsPath = typeScriptPath();
  const snapshot = takeCompilerSnapshot(tsPath);
  // Made from another TypeScript or @types/node than this install has now: not used.
  if (!snapshot || snapshot.key !== contentKey || require.cache[tsPath]) return null;
  const cached = new Module(tsPath);
  cached.filename = tsPath;
  cached.loaded = true;
  cached.exports = snapshot.ts;
  cached.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(tsPath));
  require.cache[tsPath] = cached;
  // TypeScript's ts.sys remembers the working directory the first time it is asked: in the
  // snapshot, that was the builder's. A kernel without the snapshot has its own from the start.
  const cwd = process.cwd();
  snapshot.ts.sys.getCurrentDirectory = () => cwd;
  return snapshot;
}

/**
 * tslab's compiler options are fixed inside createConverter and TypeScript's exports cannot be
 * redefined, so we hand tslab a proxy of TypeScript (through the module cache) that turns on
 * inline source maps, builds programs with the lean builder (which emits CommonJS, so tslab's
 * CommonJS rewrite passes it on), and resolves imports through our ModuleResolver (package.json
 * "exports"; %npm can refresh it).
 */
export function patchTypeScript(hooks: CompilerHooks, snapshot: CompilerSnapshot | null): typeof TS {
  const tsPath = typeScriptPath();
  const ts = require(tsPath) as typeof TS;
  const cached = require.cache[tsPath]!;
  if ((cached.exports as { __parallabProxy?: boolean }).__parallabProxy) return ts;
  const createWatchCompilerHost = ((rootFiles: string[], options: TS.CompilerOptions, ...rest: unknown[]) => {
    const ours = withOurOptions(options);
    const [system, createProgram, ...reporters] = rest;
    const host = (ts.createWatchCompilerHost as (...a: unknown[]) => TS.WatchCompilerHost<TS.BuilderProgram>)(
      rootFiles,
      ours,
      system,
      createProgram ?? leanBuilderFactory(ts, snapshot, hooks),
      ...reporters,
    );
    hooks.modules = new ModuleResolver(ts, host, ours);
    hooks.modules.install(host);
    return host;
  }) as typeof ts.createWatchCompilerHost;
  // tslab's ES module → CommonJS step (`custom.js`): the lean builder emitted CommonJS already.
  const transpileModule = (input: string, options: TS.TranspileOptions): TS.TranspileOutput => {
    if (options.fileName !== "custom.js" || !hooks.commonJs.delete(input)) return ts.transpileModule(input, options);
    const { code, map } = takeInlineMap(input);
    hooks.pendingMap = map;
    return { outputText: `${code}\n`, diagnostics: [] };
  };
  const overrides: Record<string, unknown> = { createWatchCompilerHost, transpileModule, __parallabProxy: true };
  cached.exports = new Proxy(ts, { get: (target, key, receiver) => (typeof key === "string" && key in overrides ? overrides[key] : Reflect.get(target, key, receiver)) });
  return ts;
}

/**
 * Inline source maps for tracebacks, and only Node's global types: TypeScript otherwise loads
 * every @types package it finds above the notebook (test runners' globals and the like), which
 * costs start-up time and memory; packages that a cell imports still bring their types.
 */
function withOurOptions(options: TS.CompilerOptions): TS.CompilerOptions {
  return { ...options, inlineSourceMap: true, types: options.types ?? ["node"] };
}

/**
 * Lets the compiler find the types of `import … from "parallab"` from any notebook folder, and
 * of the packages Parallab ships when the notebook's folders do not have them.
 */
export function forwardParallabTypes(ts: typeof TS): void {
  const marker = `${path.sep}node_modules${path.sep}parallab`;
  const sys = ts.sys;
  const fileExists = sys.fileExists.bind(sys);
  const readFile = sys.readFile.bind(sys);
  const directoryExists = sys.directoryExists.bind(sys);
  const forward = (p: string): string => {
    const at = p.indexOf(marker);
    if (at < 0) return compilerFallback(p, directoryExists);
    const rest = p.slice(at + marker.length);
    if (rest !== "" && !rest.startsWith(path.sep)) return compilerFallback(p, directoryExists);
    return PACKAGE_ROOT + rest;
  };
  const realpath = sys.realpath?.bind(sys);
  sys.fileExists = (p) => fileExists(forward(p));
  sys.readFile = (p, enc) => readFile(forward(p), enc);
  sys.directoryExists = (p) => directoryExists(forward(p));
  if (realpath) sys.realpath = (p) => realpath(forward(p));
}

/** tslab's global slot: the `require` and `exports` its compiled cells use. */
interface TslabGlobal {
  require: NodeJS.Require;
  exports: object;
}

function tslabGlobal(): TslabGlobal {
  const slot = (globalThis as { __tslab__?: TslabGlobal }).__tslab__;
  if (!slot) throw new Error("tslab's executor has not set globalThis.__tslab__: its version has changed");
  return slot;
}

export interface RequireRoutes {
  /** The notebook's folder, where `%npm install` puts packages. */
  notebookDir: string;
  /** Value of `import … from "parallab"` inside cells. */
  parallabModule: object;
  /** Sink for tslab's `display` API (tslab passes a Jupyter display_data content). */
  tslabDisplay: (content: { data: Record<string, unknown>; metadata: object; transient?: object }, update: boolean) => void;
}

/**
 * `require` inside cells: "parallab" is this running kernel's API; "tslab" keeps working; a
 * package that is not installed says how to install it.
 */
export function routeCellRequire(routes: RequireRoutes): void {
  const slot = tslabGlobal();
  const original = slot.require;
  let tslabReady = false;
  slot.require = new Proxy(original, {
    apply(target, thisArg, args: unknown[]) {
      if (args.length === 1 && args[0] === "parallab") return routes.parallabModule;
      if (args.length === 1 && args[0] === "tslab" && !tslabReady) {
        const jupyter = require("tslab/dist/jupyter.js") as { lastWriteDisplayData: unknown };
        jupyter.lastWriteDisplayData = routes.tslabDisplay;
        tslabReady = true;
      }
      try {
        return Reflect.apply(target, thisArg, args);
      } catch (err) {
        throw withInstallHint(err, args[0], routes.notebookDir);
      }
    },
  });
}

// tslab runs every cell against `exports`, a Proxy whose only trap is defineProperty (so that
// TypeScript's `Object.defineProperty(exports, …)` getters become plain, rewritable values).
// A Proxy costs every access, and each assignment goes through the trap: a top-level loop
// such as `let t = 0; for (…) t += k` ran about 30× slower than the same loop in a block, which
// would flatter every parallel speed-up measured against it. Cells run against the Proxy's
// plain target instead; the one thing the trap did, the compiled code asks for by name
// (kernel/execute/plain-exports.ts rewrites the calls).

const GRAB = "__parallab_exports_target__";

/**
 * The plain object behind tslab's exports Proxy. Its defineProperty trap assigns to the target;
 * for that one call, an inherited setter on Object.prototype receives the target as `this`.
 */
function exportsTarget(proxy: object): Record<string, unknown> {
  let target: Record<string, unknown> | null = null;
  Object.defineProperty(Object.prototype, GRAB, {
    configurable: true,
    set(this: Record<string, unknown>) {
      target = this;
    },
  });
  try {
    Object.defineProperty(proxy, GRAB, { value: true, configurable: true, enumerable: false, writable: true });
  } finally {
    delete (Object.prototype as Record<string, unknown>)[GRAB];
  }
  if (!target) throw new Error("tslab's exports object has changed: its Proxy target could not be found");
  return target;
}

/** What tslab's trap did: a getter's value or the value, as a plain writable property. */
function defineExport(exports: Record<string, unknown>, name: string, attributes: PropertyDescriptor): Record<string, unknown> {
  if (name !== "__esModule") exports[name] = attributes.get ? attributes.get() : attributes.value;
  return exports;
}

/** Runs cells against the plain target of tslab's exports; returns it (the notebook's variables). */
export function usePlainExports(locals: object, defineExportName: string): Record<string, unknown> {
  const target = exportsTarget(locals);
  tslabGlobal().exports = target;
  Object.defineProperty(globalThis, defineExportName, { value: defineExport, configurable: true, writable: false, enumerable: false });
  return target;
}
