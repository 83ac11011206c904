import { existsSync, readFileSync } from "node:fs";
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
