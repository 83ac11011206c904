// A notebook anywhere can import the packages Parallab ships (tfjs, yaml, piscina, …): after the
// notebook folder and its parents, modules are looked up where Parallab's own come from. Notebooks
// used to live inside the package, where this held by itself; a learner's copy of the course
// (`parallab course init DIR`) can be anywhere, and an import of "yaml" there failed.
// Before Parallab's own come the user's packages (`%npm install --user`): for a notebook in a
// folder the user cannot write to.
import { createRequire } from "node:module";
import path from "node:path";
import { PACKAGE_ROOT, parallabDataDir } from "../common/paths.js";

/** Where `%npm install --user` installs: a project folder of its own ($XDG_DATA_HOME/parallab/packages). */
export const USER_PACKAGES_DIR = path.join(parallabDataDir(), "packages");

/** Parallab's node_modules folders: its own, then those above it (a hoisted install). */
export const PACKAGE_MODULE_DIRS: readonly string[] = createRequire(path.join(PACKAGE_ROOT, "package.json")).resolve.paths("x") ?? [];

/** Where a package is looked for after the notebook's folders: the user's packages, then Parallab's. */
export const FALLBACK_MODULE_DIRS: readonly string[] = [path.join(USER_PACKAGES_DIR, "node_modules"), ...PACKAGE_MODULE_DIRS];

/**
 * For the compiler: the last place it probes for a package is /node_modules/NAME (the root's);
 * that probe is sent to the first of the fallback folders that has NAME.
 */
export function compilerFallback(p: string, exists: (p: string) => boolean): string {
  const root = `${path.sep}node_modules${path.sep}`;
  // The compiler asks whether the folder exists before it probes inside it.
  if (p === root.slice(0, -1)) return FALLBACK_MODULE_DIRS.find(exists) ?? p;
  if (!p.startsWith(root)) return p;
  const rest = p.slice(root.length);
  const name = rest.startsWith("@") ? rest.split(path.sep).slice(0, 2).join(path.sep) : rest.split(path.sep)[0]!;
  for (const dir of FALLBACK_MODULE_DIRS) if (exists(path.join(dir, name))) return path.join(dir, rest);
  return p;
}
