// Loaded first in the Node process of a script `%run` starts (`node --import` this file), never
// in the kernel: it hands Node the JavaScript the kernel compiled for the script's TypeScript
// files (a JSON file named by PARALLAB_RUN_MODULES: absolute path → format and code).
//   ES modules: the resolve and load hooks of ./script-loader-hooks.ts (module.register)
//   CommonJS: Module._extensions[".ts"/".cts"] compile the kernel's JavaScript; a relative
//   require of "./x.js" finds ./x.ts, as TypeScript resolved it
import { readFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { type CompiledModule, MODULES_ENV } from "../files/script-modules.js";

interface CjsModule {
  _compile(code: string, filename: string): unknown;
}
interface CjsLoader {
  _extensions: Record<string, (module: CjsModule, filename: string) => void>;
  _resolveFilename(request: string, ...rest: unknown[]): string;
}

function install(): void {
  const listing = process.env[MODULES_ENV];
  // The script's own children are plain Node processes.
  delete process.env[MODULES_ENV];
  const modules: Record<string, CompiledModule> = listing ? JSON.parse(readFileSync(listing, "utf8")) : {};
  register(new URL("./script-loader-hooks.js", import.meta.url), { data: { modules } });

  const Module = createRequire(import.meta.url)("node:module") as CjsLoader;
  const compile = (module: CjsModule, filename: string) => {
    const compiled = modules[filename];
    if (!compiled) throw new Error(`${filename} is TypeScript that %run did not check (it is loaded by a name the compiler could not follow): import it by a plain relative path`);
    if (compiled.format === "module") throw new Error(`${filename} is an ES module (it imports, exports or awaits at its top level): load it with import, not require`);
    module._compile(compiled.code, filename);
  };
  Module._extensions[".ts"] = compile;
  Module._extensions[".cts"] = compile;
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function resolveTypeScript(this: unknown, request: string, ...rest: unknown[]): string {
    try {
      return resolveFilename.call(this, request, ...rest);
    } catch (err) {
      const typescript = /^\.\.?\/.*\.[mc]?js$/.test(request) ? request.replace(/js$/, "ts") : null;
      if (!typescript) throw err;
      try {
        return resolveFilename.call(this, typescript, ...rest);
      } catch {
        throw err;
      }
    }
  };
}

install();
