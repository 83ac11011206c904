// An import of a package that is not installed says how to install it, at compile time (TS2307)
// and at run time (`require`, `await import`): `%npm install NAME`.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { packageNameOf } from "./names.js";

/** Whether `name` is installed where the notebook's require looks (its folders, NODE_PATH): then a subpath is what is missing. */
function isInstalled(name: string, notebookDir: string): boolean {
  const dirs = createRequire(path.join(notebookDir, "notebook.js")).resolve.paths(name) ?? [];
  return dirs.some((dir) => existsSync(path.join(dir, name, "package.json")));
}

/** How to install `name`; at compile time the install must run in an earlier cell (a cell compiles before it runs). */
function hint(name: string, notebookDir: string, when: "compile" | "run"): string {
  const where = when === "compile" ? " in a cell before this one" : "";
  return `the package is not installed. Run \`%npm install ${name}\`${where}; it installs into this notebook's folder (${notebookDir}).`;
}

/** A require's MODULE_NOT_FOUND for the package the cell asked for, with how to install it; any other error as it is. */
export function withInstallHint(err: unknown, specifier: unknown, notebookDir: string): unknown {
  if (typeof specifier !== "string" || (err as { code?: unknown } | null)?.code !== "MODULE_NOT_FOUND" || !(err instanceof Error)) return err;
  const name = packageNameOf(specifier);
  // A dependency of the package that is missing, or a subpath of an installed one: another story.
  if (!name || !err.message.startsWith(`Cannot find module '${specifier}'\n`) || isInstalled(name, notebookDir)) return err;
  err.message = `Cannot find module '${specifier}': ${hint(name, notebookDir, "run")}`;
  return err;
}

const CANNOT_FIND_MODULE = 2307;

/** TS2307 ("Cannot find module 'x' …") of a package that is not installed, with how to install it. */
export function diagnosticWithInstallHint(code: number, messageText: string, notebookDir: string): string {
  if (code !== CANNOT_FIND_MODULE) return messageText;
  const specifier = /^Cannot find module '([^']+)'/.exec(messageText)?.[1];
  const name = specifier ? packageNameOf(specifier) : null;
  if (!name || isInstalled(name, notebookDir)) return messageText;
  return `${messageText} ${hint(name, notebookDir, "compile").replace(/^t/, "T")}`;
}
