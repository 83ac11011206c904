// The kernel's working directory and where it has been: %cd changes it, `%cd -` goes back,
// %pwd reads it. Relative paths in cells (files, `%run`, `%%writefile`, child processes) follow
// process.cwd(), so changing it is all a move takes.
import { statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { UsageError } from "../../common/errors.js";

/** `~` and `~/x` as the shell reads them (IPython's os.path.expanduser). */
export function expandHome(p: string): string {
  return p === "~" ? os.homedir() : p.startsWith("~/") ? path.join(os.homedir(), p.slice(2)) : p;
}

/** The working directory, or null when it was deleted under the kernel. */
function workingDirectory(): string | null {
  try {
    return process.cwd();
  } catch {
    return null;
  }
}

/** The working directory, or a UsageError when it was deleted under the kernel (IPython's words). */
export function currentDirectory(): string {
  const here = workingDirectory();
  if (here === null) throw new UsageError("CWD no longer exists - please use %cd to change directory.");
  return here;
}

export class DirectoryHistory {
  /** Every directory the kernel has been in, oldest first (IPython's `_dh`). */
  private readonly visited: string[] = [];

  /**
   * Moves to `target` (relative to the current directory; `~` is home), to the previous
   * directory for "-", home for nothing. Returns the new directory.
   */
  change(target: string | undefined): string {
    const before = workingDirectory();
    if (!this.visited.length && before) this.visited.push(before);
    const asked = `%cd ${target ?? ""}`.trimEnd();
    let destination: string;
    if (target === "-") {
      const previous = this.visited.at(-2);
      if (previous === undefined) throw new UsageError("%cd -: No previous directory to change to.");
      destination = previous;
    } else {
      const wanted = expandHome(target ?? "~");
      if (!before && !path.isAbsolute(wanted)) throw new UsageError(`${asked}: the current folder no longer exists; give an absolute path.`);
      destination = path.resolve(before ?? "/", wanted);
    }
    const problem = folderProblem(destination);
    if (problem) throw new UsageError(`${asked}: ${problem}. %pwd shows where the kernel is.`);
    try {
      process.chdir(destination);
    } catch (err) {
      // A folder without the permission to enter it.
      throw new UsageError(`${asked}: ${(err as Error).message}`);
    }
    const now = process.cwd();
    if (now !== before) this.visited.push(now);
    return now;
  }
}

/** Why `dir` cannot be entered, or null when it can. */
function folderProblem(dir: string): string | null {
  let stat;
  try {
    stat = statSync(dir);
  } catch {
    return `no such folder (${dir})`;
  }
  return stat.isDirectory() ? null : `${dir} is a file, not a folder`;
}
