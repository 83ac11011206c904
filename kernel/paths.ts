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
export const PACKAGE_VERSION = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }).version;
