// `!cmd`, `x = !cmd`, `!!cmd`: IPython's shell escapes, as the line magics %system and %sx.
// The command runs with /bin/sh -c, its stderr merged into its stdout (one pipe, so the two keep
// the order the command wrote them in, as IPython's pty keeps it). `!` never fails the cell: the
// status goes to `_exit_code`, as in IPython.
import { InterruptError, UsageError } from "../../common/errors.js";
import { type CommandResult, runCommand } from "../shell/run.js";
import { exitCode } from "../shell/status.js";
import type { KernelSession } from "../session.js";
import type { Magic } from "./contract.js";

const SYSTEM_DESCRIPTION = `Runs COMMAND with /bin/sh; its output (stdout and stderr, in the order it writes them) streams
into the cell as it comes. \`!COMMAND\` on a line of its own is the same line, also inside a block
(a loop, a function). {expression} and $name in it are replaced by values, as in IPython
({{, }} and $$ stand for {, } and $; a shell variable such as $HOME that is no TypeScript name
stays as it is). A command that reads stdin asks the front end for a line (input_request), or
reads end-of-file when the front end allows no input. A non-zero status never fails the cell:
it is in \`_exit_code\` (minus the signal's number when a signal ended the command), and a command
that was not found (127) or cannot run (126) says so on stderr. An interrupt stops the command
and everything it started (SIGINT, then SIGKILL half a second later).
To get the output as lines instead, use %sx (\`x = !COMMAND\`, \`!!COMMAND\`); in IPython %system is
another name of %sx, here it is \`!\`'s own magic.`;

const SX_DESCRIPTION = `Runs COMMAND with /bin/sh and returns its output (stdout and stderr, in the order it writes
them) as lines, a string[] (IPython's SList as a plain array). \`const files = !ls *.ipynb\` and
\`!!COMMAND\` are the same. Expansion, _exit_code and interrupts as for %system; the command's
stdin is empty.`;

/** `/bin/sh -c COMMAND` with stderr on stdout's pipe. */
export function shellArgv(command: string): string[] {
  return ["/bin/sh", "-c", 'exec /bin/sh -c "$1" 2>&1', "sh", command];
}

/** Runs `!`'s command; an interrupt ends the line with KeyboardInterrupt. */
async function runShell(command: string, session: KernelSession, output: "stream" | "capture"): Promise<CommandResult | null> {
  if (!command.trim()) return null;
  // IPython's own rule: a command left running in the background would outlive its output.
  if (/(?:^|[^&])&\s*$/.test(command))
    throw new UsageError("Background processes not supported. `!` waits for the command's output to end: remove the `&` (or start it with nohup … > log 2>&1 & inside %%bash).");
  const result = await runCommand({ argv: shellArgv(command), output }, session);
  session.notebook.define("_exit_code", exitCode(result));
  if (result.interrupted) throw new InterruptError();
  return result;
}

/** The line boundaries of Python's str.splitlines(). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the file, group and record separators are line boundaries to Python
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/** As Python's str.splitlines(): a last line break ends the last line, it does not start an empty one. */
export function splitLines(text: string): string[] {
  const lines = text.split(LINE_BREAK);
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

export const systemMagic: Magic = {
  name: "system",
  description: SYSTEM_DESCRIPTION,
  line: {
    args: "COMMAND",
    command: true,
    note: "or !COMMAND",
    async run({ session, args }) {
      const result = await runShell(args[0] ?? "", session, "stream");
      if (result?.code === 127) process.stderr.write("(exit status 127: the shell found no such command; check its name and PATH)\n");
      else if (result?.code === 126) process.stderr.write("(exit status 126: the command was found but cannot be run; check its permissions)\n");
    },
  },
};

export const sxMagic: Magic = {
  name: "sx",
  description: SX_DESCRIPTION,
  line: {
    args: "COMMAND",
    command: true,
    note: "or x = !COMMAND, !!COMMAND",
    async run({ session, args }): Promise<string[]> {
      const result = await runShell(args[0] ?? "", session, "capture");
      return result ? splitLines(result.output) : [];
    },
  },
};
