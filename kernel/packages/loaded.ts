// Node keeps a module it loaded for the life of the process: a package installed again (another
// version) or removed while the kernel has it loaded goes on as it was until the kernel restarts.
import { createRequire } from "node:module";
import path from "node:path";

const loadedModules = createRequire(import.meta.url).cache;

/** Those of `names` that a cell (or the kernel) has loaded. */
export function loadedPackages(names: readonly string[]): string[] {
  const files = Object.keys(loadedModules);
  return names.filter((name) => {
    const folder = `${path.sep}node_modules${path.sep}${name.split("/").join(path.sep)}${path.sep}`;
    return files.some((file) => file.includes(folder));
  });
}
