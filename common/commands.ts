// Finding programs as the shell would: an executable file, or a command name looked up on PATH.
import { accessSync, constants } from "node:fs";
import path from "node:path";

/** Whether `file` exists and this process may execute it. */
export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The executable `command` names on PATH (an empty entry is the current folder), or null. */
export function onPath(command: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const file = path.join(dir || ".", command);
    if (isExecutable(file)) return file;
  }
  return null;
}
