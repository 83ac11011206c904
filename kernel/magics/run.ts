import { readFileSync } from "node:fs";
import path from "node:path";
import type { LineMagicCall, Magic, OptionSpecs, OptionValues } from "./contract.js";
import { InterruptError } from "../../common/errors.js";
import { ReportedError } from "../execute/errors.js";
import { shownPath, TYPESCRIPT_EXTENSIONS } from "../files/script-compiler.js";
import { runScriptProcess } from "../files/script-process.js";
import { existingFile } from "../files/source-file.js";
import type { KernelSession } from "../session.js";

const SCRIPT_EXTENSIONS = [...TYPESCRIPT_EXTENSIONS, ".js", ".mjs", ".cjs"] as const;

const DESCRIPTION = `Runs FILE (TypeScript or JavaScript) as a script, as IPython's %run does: in its own Node
process started in the kernel's folder, with process.argv.slice(2) the ARGS, its output shown
as it comes, and an interrupt stopping it. TypeScript is type-checked first (with the local
files it imports): a type error shows FILE:LINE:COL and nothing runs. A script that exits
with a status other than 0 ends the cell with SystemExit. With -i the file runs in the
notebook's scope instead, like a cell: it sees the notebook's variables and what it declares
stays (for the cells after it); its errors name the file and its line.`;

const OPTIONS = {
  i: { type: "flag", help: "run in the notebook's scope: its declarations stay" },
} satisfies OptionSpecs;

type Call = LineMagicCall<OptionValues<typeof OPTIONS>>;

/** `-i`: the file's code in the notebook's scope, as a cell labelled with the file's name. */
async function runInNotebook(session: KernelSession, file: string, shown: string, args: string[]): Promise<void> {
  const code = readFileSync(file, "utf8");
  const adapter = await session.adapter();
  await session.prepare(code);
  // IPython sets sys.argv for the file's run, and puts it back after.
  const argv = process.argv;
  process.argv = [argv[0]!, file, ...args];
  let outcome;
  try {
    // Its relative imports start from its own folder, as in IPython (which puts it on sys.path).
    outcome = await adapter.execute(code, shown, code, path.dirname(file));
  } finally {
    process.argv = argv;
  }
  if (outcome.ok) return;
  if (outcome.interrupted) throw new InterruptError();
  // Thrown again, its stack still names the file's lines (the cell's error output maps them).
  if ("thrown" in outcome) throw outcome.thrown;
  throw new ReportedError(outcome.error);
}

async function run({ session, options, args, usageError }: Call): Promise<undefined> {
  const [name, ...scriptArgs] = args;
  if (!name) throw usageError("%run needs the FILE to run.");
  const ext = path.extname(name);
  if (!(SCRIPT_EXTENSIONS as readonly string[]).includes(ext)) throw usageError(`%run runs TypeScript or JavaScript files (${SCRIPT_EXTENSIONS.join(", ")}), got ${JSON.stringify(name)}.`);
  const file = existingFile(name, "%run");
  const shown = shownPath(file);
  if (options.i) {
    await runInNotebook(session, file, shown, scriptArgs);
    return undefined;
  }
  let modules;
  if ((TYPESCRIPT_EXTENSIONS as readonly string[]).includes(ext)) {
    const compiled = (await session.scripts()).compile(file);
    if (!compiled.ok) throw new ReportedError(compiled.error);
    modules = compiled.modules;
  }
  await runScriptProcess(session, { file, shown, args: scriptArgs, modules });
  return undefined;
}

export const runMagic: Magic<typeof OPTIONS> = {
  name: "run",
  description: DESCRIPTION,
  options: OPTIONS,
  line: {
    args: "FILE [ARGS…]",
    optionsBeforeArgs: true,
    quoted: true,
    paths: SCRIPT_EXTENSIONS,
    run,
  },
};
