// Node's module hooks in a `%run` script's process (registered by ./script-loader.ts, run on
// Node's loader thread): TypeScript files load as the JavaScript the kernel compiled for them.
import { fileURLToPath } from "node:url";
import type { CompiledModule } from "../files/script-modules.js";

type Next<C, R> = (specifier: string, context: C) => Promise<R>;
interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
interface LoadResult {
  format: string;
  source?: string | null;
  shortCircuit?: boolean;
}

let modules: Record<string, CompiledModule> = {};

export function initialize(data: { modules: Record<string, CompiledModule> }): void {
  modules = data.modules;
}

/** What TypeScript's bundler resolution also accepts for a relative import that Node does not find. */
function typescriptNames(specifier: string): string[] {
  if (/\.[mc]?js$/.test(specifier)) return [specifier.replace(/js$/, "ts")];
  if (/\.[mc]?ts$/.test(specifier)) return [];
  return [".ts", ".mts", ".cts", ".js", "/index.ts", "/index.js"].map((ext) => specifier + ext);
}

export async function resolve<C>(specifier: string, context: C, next: Next<C, ResolveResult>): Promise<ResolveResult> {
  try {
    return await next(specifier, context);
  } catch (err) {
    if (!/^\.\.?\//.test(specifier)) throw err;
    for (const name of typescriptNames(specifier)) {
      try {
        return await next(name, context);
      } catch {
        // Not this one: try the next name.
      }
    }
    throw err;
  }
}

export async function load<C>(url: string, context: C, next: Next<C, LoadResult>): Promise<LoadResult> {
  if (!url.startsWith("file:")) return next(url, context);
  const file = fileURLToPath(url);
  const compiled = modules[file];
  if (!compiled) {
    if (/\.[mc]?ts$/.test(file)) throw new Error(`${file} is TypeScript that %run did not check (it is loaded by a name the compiler could not follow): import it by a plain relative path`);
    return next(url, context);
  }
  // CommonJS without a source goes through Node's CommonJS loader (and so Module._extensions),
  // where its own require() calls are resolved too.
  return compiled.format === "module" ? { format: "module", source: compiled.code, shortCircuit: true } : { format: "commonjs", shortCircuit: true };
}
