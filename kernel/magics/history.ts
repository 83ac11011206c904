import { existsSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { HistoryLine } from "../history/store.js";
import type { Magic, OptionSpecs } from "./contract.js";

const DESCRIPTION = `Prints the input history the kernel keeps (across restarts, under the Jupyter data dir), as
IPython's %history does. Alone: this session's cells, this one last, without line numbers, so
that they can be pasted into an editor.
  -l N              the last N cells of all sessions, before this one
  -g [PATTERN]      every session's cells whose input contains PATTERN (a glob: * and ? work);
                    numbered; this cell matches too`;

const OPTIONS = {
  n: { type: "flag", help: "print each cell's number: `N:`, or `SESSION/N:` for an earlier session" },
  o: { type: "flag", help: "also print each cell's value (its text)" },
  l: { type: "int", min: 0, value: "N", help: "the last N cells of all sessions" },
  g: { type: "flag", help: "search: the words after the options are the pattern" },
  u: { type: "flag", help: "with -g: each input once (its latest run)" },
  f: { type: "string", value: "FILE", help: "write to FILE (replaced if it exists) instead of printing" },
} satisfies OptionSpecs;

/** Python's str.expandtabs(4), line by line. */
function expandTabs(text: string, size = 4): string {
  return text
    .split("\n")
    .map((line) => {
      let out = "";
      for (const c of line) out += c === "\t" ? " ".repeat(size - (out.length % size)) : c;
      return out;
    })
    .join("\n");
}

function format(lines: HistoryLine[], current: number, numbers: boolean, outputs: boolean): string {
  let out = "";
  for (const entry of lines) {
    const input = expandTabs(entry.input).trimEnd();
    if (numbers) {
      const label = entry.session === current ? String(entry.line) : `${entry.session}/${entry.line}`;
      // IPython's layout: the number right-aligned in 4, then the code on the same line, or below it when it has several.
      out += `${label.padStart(4)}:${input.includes("\n") ? "\n" : " "}`;
    }
    out += `${input}\n`;
    if (outputs && entry.output) out += `${entry.output}\n`;
  }
  return out;
}

const expandHome = (file: string) => (file === "~" || file.startsWith("~/") ? path.join(os.homedir(), file.slice(1)) : file);

export const historyMagic: Magic<typeof OPTIONS> = {
  name: "history",
  description: DESCRIPTION,
  options: OPTIONS,
  line: {
    args: "[PATTERN]",
    run({ session: { history }, options, args, usageError }) {
      if (args.length && !options.g) throw usageError(`%history: ranges are not supported, got ${JSON.stringify(args.join(" "))}: use -l N for the last cells, or -g PATTERN to search.`);
      let numbers = options.n;
      let lines: HistoryLine[];
      if (options.g) {
        lines = history.search(args.length ? `*${args.join(" ")}*` : "*", options.l, options.u);
        numbers = true;
      } else if (options.l !== undefined) lines = history.tail(options.l);
      else lines = history.thisSession();
      const text = format(lines, history.session, numbers, options.o);
      if (options.f === undefined) {
        process.stdout.write(text);
        return;
      }
      const file = path.resolve(expandHome(options.f));
      if (existsSync(file)) process.stdout.write("Overwriting file.\n");
      try {
        writeFileSync(file, text, "utf8");
      } catch (err) {
        throw usageError(`%history: cannot write ${file}: ${(err as Error).message}`);
      }
    },
  },
};
