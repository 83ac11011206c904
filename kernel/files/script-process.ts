// `%run FILE` as a script: its own Node process in the kernel's folder, with process.argv its
// arguments, its output streamed into the cell as it comes, and an interrupt stopping it (and
// whatever it started). TypeScript is checked and compiled by the kernel first.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { StringDecoder } from "node:string_decoder";
import { InterruptError, ParallabError, type ErrorKind } from "../../common/errors.js";
import type { KernelSession } from "../session.js";
import { type CompiledModule, MODULES_ENV } from "./script-modules.js";

/** A script that ended with a non-zero status or a signal: IPython's SystemExit. */
export class ScriptExitError extends ParallabError {
  override readonly kind: ErrorKind = "cell";
  override name = "SystemExit";
}

const LOADER = new URL("../patches/script-loader.js", import.meta.url);
/** How long a script has to end after SIGINT before its processes are killed. */
const GRACE_MS = 2000;

export interface ScriptLaunch {
  /** Absolute path of the file to run. */
  file: string;
  /** The file as the user named it. */
  shown: string;
  args: string[];
  /** The JavaScript of its TypeScript files, when it has any. */
  modules?: Record<string, CompiledModule>;
}

/** Runs the script to its end; throws ScriptExitError when it fails, InterruptError when interrupted. */
export async function runScriptProcess(session: KernelSession, launch: ScriptLaunch): Promise<void> {
  const parent = session.router.current()?.parent;
  const scratch = launch.modules ? mkdtempSync(path.join(os.tmpdir(), "parallab-run-")) : null;
  const env = { ...process.env };
  const nodeArgs = ["--enable-source-maps"];
  if (scratch && launch.modules) {
    const listing = path.join(scratch, "modules.json");
    writeFileSync(listing, JSON.stringify(launch.modules));
    env[MODULES_ENV] = listing;
    nodeArgs.push("--import", LOADER.href);
  }
  try {
    // Its own process group: an interrupt reaches what the script started too.
    const child = spawn(process.execPath, [...nodeArgs, launch.file, ...launch.args], { cwd: process.cwd(), env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const signalGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    for (const name of ["stdout", "stderr"] as const) {
      const decoder = new StringDecoder("utf8");
      child[name].on("data", (chunk: Buffer) => session.router.write(name, decoder.write(chunk), parent));
      child[name].on("end", () => session.router.write(name, decoder.end(), parent));
    }
    let interrupted = false;
    const stop = () => {
      interrupted = true;
      signalGroup("SIGINT");
      setTimeout(() => signalGroup("SIGKILL"), GRACE_MS).unref();
    };
    const unsubscribe = session.interrupts.subscribe(stop);
    // A kernel that exits takes its scripts with it.
    const onExit = () => signalGroup("SIGKILL");
    process.once("exit", onExit);
    const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code, signal) => resolve({ code, signal }));
    }).finally(() => {
      unsubscribe();
      process.off("exit", onExit);
    });
    if (interrupted) throw new InterruptError();
    if (ended.signal) throw new ScriptExitError(`${launch.shown} was killed by ${ended.signal}`);
    if (ended.code !== 0) throw new ScriptExitError(`${launch.shown} exited with status ${ended.code}`);
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}
