// The files magics read (%load, %run): found relative to the kernel's folder, or a UsageError
// that says what is wrong and where the kernel looked.
import { statSync } from "node:fs";
import path from "node:path";
import { UsageError } from "../../common/errors.js";
import { currentDirectory, expandHome } from "./directories.js";

/** The absolute path of the file `name` (`~` is home), which must exist and be a file. */
export function existingFile(name: string, magic: string): string {
  const file = path.resolve(currentDirectory(), expandHome(name));
  let stat;
  try {
    stat = statSync(file);
  } catch {
    throw new UsageError(`${magic}: File \`${name}\` not found in ${path.dirname(file)}. %pwd shows the kernel's folder; %cd changes it.`);
  }
  if (stat.isDirectory()) throw new UsageError(`${magic}: \`${name}\` is a folder, not a file.`);
  return file;
}

/** Arguments written back as they would be typed (quoted when they hold spaces). */
export function argumentsText(args: readonly string[]): string {
  return args.map((a) => (/[\s"']/.test(a) || a === "" ? JSON.stringify(a) : a)).join(" ");
}
