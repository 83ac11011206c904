// Completion of a path typed after %cd, %run, %load or %%writefile: the entries of the folder
// typed so far (relative to the kernel's folder; `~` is home) that start with what follows the
// last `/`, folders with a trailing `/`, as IPython completes file names.
import { type Dirent, readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { MagicForm } from "../magics/contract.js";
import { expandHome } from "./directories.js";

/** Whether a directory entry is a folder (a link to a folder counts). */
function isFolder(dir: string, entry: Dirent): boolean {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return statSync(path.join(dir, entry.name)).isDirectory();
  } catch {
    return false;
  }
}

/** The completions of `typed`: each the whole word to put in its place. */
export function completePath(typed: string, kinds: NonNullable<MagicForm["paths"]>): string[] {
  // An option (`%cd -q`, `%run -i`), not a path.
  if (typed.startsWith("-")) return [];
  const slash = typed.lastIndexOf("/");
  const folderPart = typed.slice(0, slash + 1);
  const prefix = typed.slice(slash + 1);
  const folder = path.resolve(expandHome(folderPart || "."));
  let entries: Dirent[];
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  const matches: string[] = [];
  for (const entry of entries) {
    // Hidden entries only when asked for, as shells do.
    if (!entry.name.startsWith(prefix) || (entry.name.startsWith(".") && !prefix.startsWith("."))) continue;
    if (isFolder(folder, entry)) matches.push(`${folderPart}${entry.name}/`);
    else if (kinds === "all" || (Array.isArray(kinds) && kinds.includes(path.extname(entry.name)))) matches.push(folderPart + entry.name);
  }
  return matches.sort();
}
