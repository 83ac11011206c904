// Runs npm for %npm: its output (progress, install scripts, warnings, errors) goes into the cell as
// it comes, and an interrupt ends npm's whole process group (npm and the scripts it started).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { StringDecoder } from "node:string_decoder";
import { type ErrorKind, ParallabError } from "../../common/errors.js";
import type { InterruptSignal } from "../interrupts.js";

/** npm failed, or could not be started. */
export class NpmError extends ParallabError {
  override readonly kind: ErrorKind = "launch";
  override name = "NpmError";
}

/** How npm ended: its exit status, or the signal that ended it; `interrupted` when the user stopped it. */
export interface NpmExit {
  status: number | null;
  signal: NodeJS.Signals | null;
  interrupted: boolean;
}

const WINDOWS = process.platform === "win32";

/** The npm beside the node that runs the kernel (one installation), else npm on PATH. */
export function npmCommand(): string {
  const name = WINDOWS ? "npm.cmd" : "npm";
  const beside = path.join(path.dirname(process.execPath), name);
  return existsSync(beside) ? beside : name;
}

/** The kernel's environment for npm, without what would send it elsewhere than the folder it is given. */
function npmEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (/^npm_config_(global|location|prefix)$/i.test(key)) delete env[key];
  return env;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    if (WINDOWS) child.kill(signal);
    else process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Runs `npm ARGS` in `cwd`; resolves once npm and its output are done. */
export function runNpm(args: readonly string[], cwd: string, interrupts: InterruptSignal): Promise<NpmExit> {
  return new Promise((resolve, reject) => {
    const command = npmCommand();
    // Its own process group, so that an interrupt reaches the install scripts npm started too.
    const child = spawn(command, args, { cwd, env: npmEnv(), stdio: ["ignore", "pipe", "pipe"], detached: !WINDOWS, shell: WINDOWS });
    let interrupted = false;
    for (const name of ["stdout", "stderr"] as const) {
      const decoder = new StringDecoder("utf8");
      // The cell's stream: each chunk shows as it comes.
      child[name].on("data", (chunk: Buffer) => process[name].write(decoder.write(chunk)));
      child[name].on("end", () => process[name].write(decoder.end()));
    }
    let killTimer: NodeJS.Timeout | undefined;
    const unsubscribe = interrupts.subscribe(() => {
      interrupted = true;
      signalGroup(child, "SIGTERM");
      // What ignores SIGTERM goes a moment later.
      killTimer ??= setTimeout(() => signalGroup(child, "SIGKILL"), 2000);
    });
    // The kernel exiting while npm runs takes npm with it.
    const onKernelExit = () => signalGroup(child, "SIGKILL");
    process.once("exit", onKernelExit);
    const done = () => {
      unsubscribe();
      process.off("exit", onKernelExit);
      clearTimeout(killTimer);
      // A script that outlived an interrupted npm goes with it.
      if (interrupted) signalGroup(child, "SIGKILL");
    };
    child.on("error", (err: NodeJS.ErrnoException) => {
      done();
      const why = err.code === "ENOENT" ? `npm was not found (${command}): install Node.js with npm, or put npm on the kernel's PATH` : err.message;
      reject(new NpmError(`cannot start npm: ${why}.`));
    });
    child.on("close", (status, signal) => {
      done();
      resolve({ status, signal, interrupted });
    });
  });
}
