// IPython's script magics: %%script PROGRAM runs the cell's body with PROGRAM, %%bash and %%sh
// with those shells. stdout and stderr stream into the cell as they come, each to its own
// stream; a non-zero status fails the cell with subprocess's CalledProcessError, as in IPython 8
// (--no-raise-error: it does not).
import { InterruptError } from "../../common/errors.js";
import { runCommand } from "../shell/run.js";
import { CalledProcessError } from "../shell/status.js";
import type { CellMagicCall, CellOutcome, Magic, OptionSpecs, OptionValues } from "./contract.js";

const OPTIONS = {
  "no-raise-error": { type: "flag", help: "a non-zero exit status does not fail the cell" },
} satisfies OptionSpecs;

type Call = CellMagicCall<OptionValues<typeof OPTIONS>>;

/** Above this, the body goes to a shell's stdin instead of its -c argument (Linux takes 128 KiB in one argument). */
const MAX_ARGUMENT = 100_000;

const COMMON = `{expression} and $name in the first line are replaced by values, as in IPython. stdout and
stderr stream into the cell as they come. A non-zero exit status fails the cell with IPython 8's
CalledProcessError ("Command '…' returned non-zero exit status N."), unless --no-raise-error.
An interrupt stops the program and everything it started (SIGINT, then SIGKILL half a second
later) and ends the cell with KeyboardInterrupt.`;

/** Runs `argv`, then makes its status the cell's outcome. */
async function runScript(call: Call, argv: string[], input: string | undefined): Promise<CellOutcome> {
  const body = call.body.endsWith("\n") ? call.body : `${call.body}\n`;
  const result = await runCommand({ argv, input, output: "stream" }, call.session);
  if (result.interrupted) return { ok: false, error: await call.errorContent(new InterruptError()), interrupted: true };
  if ((result.code === 0 && !result.signal) || call.options["no-raise-error"]) return { ok: true, value: undefined, hasValue: false };
  const error = new CalledProcessError(body, result);
  return { ok: false, error: await call.errorContent(error), interrupted: false, thrown: error };
}

/**
 * A shell's script magic: the body as the shell's -c argument, so that its stdin stays free (a
 * command that reads it asks the front end for a line, as under `!`); the first line's words go
 * to the shell before it.
 */
function shellMagic(shell: "bash" | "sh"): Magic<typeof OPTIONS> {
  return {
    name: shell,
    description: `Runs the cell's body with ${shell}, as \`%%script ${shell}\` does; words after the options go
to ${shell} (\`%%${shell} -x\` traces). A command of the body that reads stdin asks the front end
for a line (input_request), or reads end-of-file when the front end allows no input.
${COMMON}`,
    options: OPTIONS,
    cell: {
      args: "[ARGS]",
      command: true,
      async run(call) {
        const words = call.args[0] ?? "";
        if (Buffer.byteLength(call.body) > MAX_ARGUMENT) return runScript(call, ["/bin/sh", "-c", `exec ${shell} ${words}`], call.body);
        return runScript(call, ["/bin/sh", "-c", `exec ${shell} ${words} -c "$1" ${shell}`, "sh", call.body], undefined);
      },
    },
  };
}

export const bashMagic = shellMagic("bash");
export const shMagic = shellMagic("sh");

export const scriptMagic: Magic<typeof OPTIONS> = {
  name: "script",
  description: `Runs the cell's body with PROGRAM, a command line as the shell reads it (\`%%script python3\`,
\`%%script node --no-warnings\`): the body is PROGRAM's stdin, as IPython gives it.
${COMMON}`,
  options: OPTIONS,
  cell: {
    args: "PROGRAM [ARGS]",
    command: true,
    async run(call) {
      const program = call.args[0] ?? "";
      if (!program.trim()) throw call.usageError("%%script needs the program to run the body with (%%script python3).");
      return runScript(call, ["/bin/sh", "-c", `exec ${program}`], call.body.endsWith("\n") ? call.body : `${call.body}\n`);
    },
  },
};
