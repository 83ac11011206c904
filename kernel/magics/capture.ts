import { CapturedIO } from "../display/captured.js";
import { toMimeBundle } from "../display/mime.js";
import type { OutputCapture, StreamName } from "../execute/output-router.js";
import type { CellOutcome, Magic, OptionSpecs } from "./contract.js";
import { checkVariableName } from "./variable-name.js";

const DESCRIPTION = `Runs the cell, capturing what it writes to stdout and stderr, what it displays, and its value
(IPython's %%capture). With NAME the result is kept in that notebook variable: NAME.stdout and
NAME.stderr are strings, NAME.outputs the displays (each with data, metadata and display()),
and NAME.show() replays all of it into the cell that calls it. Errors are shown, not captured.`;

const OPTIONS = {
  "no-stdout": { type: "flag", help: "don't capture stdout (it shows as usual)" },
  "no-stderr": { type: "flag", help: "don't capture stderr" },
  "no-display": { type: "flag", help: "don't capture displays and the cell's value" },
} satisfies OptionSpecs;

/** Sends the body's output to a CapturedIO while the body runs; afterwards output goes to the cell again. */
class BodyCapture implements OutputCapture {
  private open = true;

  constructor(
    readonly captured: CapturedIO,
    private readonly streams: Record<StreamName, boolean>,
    readonly displays: boolean,
  ) {}

  stream(name: StreamName, text: string): boolean {
    if (!this.open || !this.streams[name]) return false;
    this.captured[name] += text;
    return true;
  }

  display(msgType: string, content: unknown): boolean {
    if (!this.open || !this.displays) return false;
    // As IPython's capturing publisher: clear_output empties what was captured so far.
    if (msgType === "clear_output") this.captured.outputs.length = 0;
    else this.captured.addDisplay(content as Parameters<CapturedIO["addDisplay"]>[0], msgType === "update_display_data");
    return true;
  }

  close(): void {
    this.open = false;
  }
}

export const captureMagic: Magic<typeof OPTIONS> = {
  name: "capture",
  description: DESCRIPTION,
  options: OPTIONS,
  cell: {
    args: "[NAME]",
    async run({ session, options, args, body, run, errorContent, usageError }) {
      if (args.length > 1) throw usageError(`%%capture takes one variable name, got ${JSON.stringify(args.join(" "))}.`);
      const name = args[0];
      if (name !== undefined) checkVariableName(name, "%%capture", usageError);
      const captured = new CapturedIO(session);
      const capture = new BodyCapture(captured, { stdout: !options["no-stdout"], stderr: !options["no-stderr"] }, !options["no-display"]);
      let outcome: CellOutcome;
      try {
        outcome = await session.router.capturing(capture, () => run(`\n${body}`));
        // The cell's value is an output too (IPython's capturing display hook).
        if (capture.displays && outcome.ok && outcome.hasValue) {
          await session.tensors.readBack(outcome.value);
          captured.addDisplay({ data: toMimeBundle(outcome.value) }, false);
          outcome = { ok: true, value: undefined, hasValue: false };
        }
      } catch (err) {
        outcome = { ok: false, error: await errorContent(err), interrupted: false };
      } finally {
        capture.close();
      }
      if (name !== undefined) {
        // A declaration the compiler keeps, then the value: later cells see NAME, typed.
        const declared = await run(`declare const ${name}: import("parallab").CapturedIO;`);
        if (!declared.ok) return declared;
        session.notebook.define(name, captured);
      }
      return outcome;
    },
  },
};
