// V8's code cache for a large CommonJS module (the TypeScript compiler: 7.8 MB of JavaScript).
// Node 20 has no module.enableCompileCache, so the module is compiled with vm.Script and its
// cachedData by hand, and put in require.cache where tslab's `require` finds it. Measured here:
// loading TypeScript took 194 ms compiled from source and 48-76 ms from the cache, and building
// the first program 789 ms against 539-695 ms (its functions arrive compiled); a kernel's first
// result came 1.38-1.54 s after its start against 1.48-1.72 s without (part of the load overlaps
// the I/O thread's start).
//
// The cache file lives in a folder the caller names; its name carries everything the code
// depends on (the module's path, size and mtime, its version, Node's and V8's versions, the
// architecture), so another version never reads it. A file that is truncated or that V8 rejects
// is written again; it is written to a temporary file and renamed, so two kernels starting at
// once each read either nothing or a whole file; a folder that cannot be written costs nothing
// but the cache.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import path from "node:path";
import vm from "node:vm";

/** What happened to the cache when the module loaded. */
export type CodeCacheStatus = "hit" | "miss" | "rejected";

export interface CachedModule {
  readonly exports: unknown;
  readonly status: CodeCacheStatus;
  /** The cache file. */
  readonly file: string;
  /**
   * Writes the code cache when it was missing or rejected (call it after the module has done
   * its first work: V8 then includes the functions compiled lazily). Returns why it could not, or null.
   */
  save(): string | null;
}

/** The header before V8's data: a magic string and the data's length, to tell a truncated file. */
const MAGIC = Buffer.from("parallab-v8-code-cache-1\n");

export function cacheFileName(modulePath: string, version: string): string {
  const stat = statSync(modulePath);
  const key = [modulePath, stat.size, Math.trunc(stat.mtimeMs), version, process.version, process.versions.v8, process.arch].join("\0");
  const hash = createHash("sha256").update(key).digest("hex").slice(0, 16);
  return `${path.basename(modulePath, ".js")}-${version}-${hash}.v8cache`;
}

/** The cache's bytes, or null when the file is missing or not whole. */
function readCache(file: string): Buffer | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return null;
  }
  const header = MAGIC.length + 4;
  if (bytes.length < header || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const length = bytes.readUInt32LE(MAGIC.length);
  return bytes.length === header + length ? bytes.subarray(header) : null;
}

/** Writes `data` to `file` whole or not at all (a temporary file renamed over it). Returns the error's message, or null. */
function writeCache(file: string, data: Buffer): string | null {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const length = Buffer.alloc(4);
    length.writeUInt32LE(data.length);
    writeFileSync(temporary, Buffer.concat([MAGIC, length, data]));
    renameSync(temporary, file);
    return null;
  } catch (err) {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing was written where nothing can be (ENOTDIR, EROFS).
    }
    return (err as Error).message;
  }
}

/**
 * Loads the CommonJS module at `modulePath` (of package version `version`) as `require` would,
 * compiled with the code cache in `cacheDir`, and registers it in require.cache. A module that
 * is already loaded is returned as it is (status "hit", nothing to save).
 */
export function requireWithCodeCache(modulePath: string, version: string, cacheDir: string): CachedModule {
  const file = path.join(cacheDir, cacheFileName(modulePath, version));
  const loaded = createRequire(import.meta.url).cache[modulePath];
  if (loaded) return { exports: loaded.exports, status: "hit", file, save: () => null };

  const cachedData = readCache(file) ?? undefined;
  const source = readFileSync(modulePath, "utf8");
  const script = new vm.Script(Module.wrap(source), { filename: modulePath, cachedData });
  const status: CodeCacheStatus = cachedData === undefined ? "miss" : script.cachedDataRejected ? "rejected" : "hit";

  const module = new Module(modulePath);
  module.filename = modulePath;
  module.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(modulePath));
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  wrapper.call(module.exports, module.exports, createRequire(modulePath), module, modulePath, path.dirname(modulePath));
  module.loaded = true;
  createRequire(import.meta.url).cache[modulePath] = module;

  let saved = status === "hit";
  return {
    get exports() {
      return module.exports;
    },
    status,
    file,
    save() {
      if (saved) return null;
      saved = true;
      return writeCache(file, script.createCachedData());
    },
  };
}
