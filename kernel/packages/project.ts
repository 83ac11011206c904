// The folder %npm installs into, as an npm project: the notebook's folder (its package.json is
// created when missing, so that npm never climbs to a project above it), or the user's own.
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type ErrorKind, ParallabError } from "../../common/errors.js";

/** %npm cannot write where it would install. */
export class FolderNotWritableError extends ParallabError {
  override readonly kind: ErrorKind = "unavailable";
  override name = "FolderNotWritableError";
}

/** Why npm could not write its project in `dir` (the folder, package.json, the lock, node_modules), or null. */
export function notWritable(dir: string): string | null {
  for (const name of [".", "package.json", "package-lock.json", "node_modules"]) {
    const target = path.join(dir, name);
    if (name !== "." && !existsSync(target)) continue;
    try {
      accessSync(target, constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "not writable";
      return name === "." ? `${dir} is not writable (${code})` : `${target} is not writable (${code})`;
    }
  }
  return null;
}

/** The folder, made when missing (the user's packages); null when it cannot be. */
export function makeFolder(dir: string): string | null {
  try {
    mkdirSync(dir, { recursive: true });
    return null;
  } catch (err) {
    return `${dir} cannot be created (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
}

export const packageJsonPath = (dir: string) => path.join(dir, "package.json");

/** package.json as it is now (its exact text), or null when there is none. */
export function readPackageJson(dir: string): string | null {
  try {
    return readFileSync(packageJsonPath(dir), "utf8");
  } catch {
    return null;
  }
}

/** An npm package name from a folder's name ("My Notebooks" → "my-notebooks"). */
function projectName(dir: string): string {
  const name = path
    .basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+/, "")
    .slice(0, 200);
  return name || "notebooks";
}

/** A package.json for the notebooks of a folder: private (never published), its packages added by npm. */
export function createPackageJson(dir: string, name = projectName(dir)): void {
  const project = { name, private: true, description: "The packages of the notebooks in this folder (%npm install NAME adds one)", dependencies: {} };
  writeFileSync(packageJsonPath(dir), `${JSON.stringify(project, null, 2)}\n`, { flag: "wx" });
}

/**
 * After npm failed: package.json as it was before (npm does not write it when it fails; this
 * makes sure). Says what it had to do, or null when package.json was as it was.
 */
export function restorePackageJson(dir: string, before: string | null): string | null {
  const now = readPackageJson(dir);
  if (now === before) return null;
  if (before === null) {
    rmSync(packageJsonPath(dir), { force: true });
    return `removed the ${packageJsonPath(dir)} that %npm had created for it`;
  }
  writeFileSync(packageJsonPath(dir), before);
  return `npm had changed ${packageJsonPath(dir)}: it is as it was again`;
}
