import { appendFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Magic, OptionSpecs } from "./contract.js";
import { UsageError } from "../../common/errors.js";
import { currentDirectory, expandHome } from "../files/directories.js";

const DESCRIPTION = `Writes the cell's body to FILE (relative to the kernel's folder, see %pwd), as IPython's
%%writefile does: prints "Writing FILE", "Overwriting FILE" or "Appending to FILE". The body is
written as it is, never run. Quote a name with spaces ("my file.ts").`;

const OPTIONS = {
  a: { type: "flag", aliases: ["append"], help: "append to the file (created when it does not exist) instead of overwriting it" },
} satisfies OptionSpecs;

/** What is at `file`: nothing, a file or a folder. */
function entryAt(file: string): "none" | "file" | "folder" {
  try {
    return statSync(file).isDirectory() ? "folder" : "file";
  } catch {
    return "none";
  }
}

export const writefileMagic: Magic<typeof OPTIONS> = {
  name: "writefile",
  description: DESCRIPTION,
  options: OPTIONS,
  cell: {
    args: "FILE",
    quoted: true,
    paths: "all",
    async run({ options, args, body, usageError }) {
      if (args.length !== 1) throw usageError(args.length ? `%%writefile writes one FILE, got ${JSON.stringify(args.join(" "))} (quote a name with spaces).` : "%%writefile needs the FILE to write.");
      const name = expandHome(args[0]!);
      const file = path.resolve(currentDirectory(), name);
      const folder = path.dirname(file);
      const parent = entryAt(folder);
      if (parent === "file") throw new UsageError(`%%writefile ${name}: ${path.dirname(name)} is a file, not a folder.`);
      if (parent === "none") {
        throw new UsageError(
          `%%writefile ${name}: the folder ${path.dirname(name)} does not exist (in ${currentDirectory()}); create it first (mkdirSync("${path.dirname(name)}", { recursive: true }) from "node:fs").`,
        );
      }
      const existing = entryAt(file);
      if (existing === "folder") throw new UsageError(`%%writefile ${name}: ${name} is a folder; give a file name.`);
      process.stdout.write(existing === "none" ? `Writing ${name}\n` : options.a ? `Appending to ${name}\n` : `Overwriting ${name}\n`);
      // As IPython: the cell's lines, each ending with a newline.
      const text = body && !body.endsWith("\n") ? `${body}\n` : body;
      if (options.a) appendFileSync(file, text, "utf8");
      else writeFileSync(file, text, "utf8");
      return { ok: true, value: undefined, hasValue: false };
    },
  },
};
