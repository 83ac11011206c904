// Where things are: the package's own files (found from this file, in dist/ or in source) and the
// data dirs of the user (XDG and Jupyter's), shared by the kernel, the tracker, the course and the CLI.
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The package root, found from this file whether it runs from dist/ or (in tests) from source. */
function findPackageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "parallab") return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cannot find the parallab package root");
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot();
/** The built kernel entry point that kernel.json runs. */
export const KERNEL_MAIN = path.join(PACKAGE_ROOT, "dist", "kernel", "main.js");
/**
 * Node flags of the kernel process. The TypeScript compiler leaves a few hundred KB of garbage
 * per cell; V8's default heap growth lets that pile up to hundreds of MB before a full GC.
 * Growing the old generation by 25% (not 2-4x) and a 4 MB semi-space keep the kernel near its
 * live size; typed arrays, where notebooks keep their data, live outside this heap.
 */
export const KERNEL_NODE_FLAGS = ["--heap-growing-percent=25", "--max-semi-space-size=4"];
export const PACKAGE_VERSION = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }).version;

/** $XDG_DATA_HOME, else ~/.local/share: where the tracker's database and the installation check's stamp live. */
export function xdgDataHome(): string {
  return process.env.XDG_DATA_HOME || path.join(os.homedir(), ".local", "share");
}

/** Parallab's own data dir: $XDG_DATA_HOME/parallab. */
export function parallabDataDir(): string {
  return path.join(xdgDataHome(), "parallab");
}

/** The Jupyter data dir, as jupyter_core finds it on Linux and macOS (kernelspecs, history, the lab's state). */
export function jupyterDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  if (process.platform === "darwin") return path.join(os.homedir(), "Library", "Jupyter");
  return path.join(env.XDG_DATA_HOME || path.join(os.homedir(), ".local", "share"), "jupyter");
}

/**
 * Where the kernel keeps what it can rebuild (V8's code cache of the compiler, the compiler
 * snapshot), in `env` (a kernel's environment): $PARALLAB_CACHE_DIR,
 * else parallab/cache in the Jupyter data dir; null when PARALLAB_CACHE_DIR is "off".
 */
export function kernelCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const chosen = env.PARALLAB_CACHE_DIR;
  if (chosen === "off") return null;
  return chosen || path.join(jupyterDataDir(env), "parallab", "cache");
}
