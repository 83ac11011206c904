// How a command ended, in IPython's terms: `_exit_code` (a signal as its negative number) and
// subprocess's CalledProcessError for a script magic that failed.
import os from "node:os";
import { type ErrorKind, ParallabError } from "../../common/errors.js";

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const signalNumber = (signal: NodeJS.Signals) => os.constants.signals[signal] ?? 0;

/**
 * IPython's `_exit_code`: the status, or minus the signal that ended the command (also when the
 * shell reports it as 128 + n).
 */
export function exitCode({ code, signal }: ExitStatus): number {
  if (signal) return -signalNumber(signal);
  if (code !== null && code > 128) return -(code - 128);
  return code ?? 0;
}

/** `exit 3\n` → `exit 3\n`, one line: how Python shows the command inside its message. */
function shown(command: string): string {
  return JSON.stringify(command).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'");
}

/** A script magic's program ended with a non-zero status: subprocess.CalledProcessError's words. */
export class CalledProcessError extends ParallabError {
  override readonly kind: ErrorKind = "cell";
  override name = "CalledProcessError";

  constructor(
    readonly command: string,
    readonly status: ExitStatus,
  ) {
    super(
      status.signal ? `Command '${shown(command)}' died with <Signals.${status.signal}: ${signalNumber(status.signal)}>.` : `Command '${shown(command)}' returned non-zero exit status ${status.code}.`,
    );
  }
}
