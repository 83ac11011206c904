// Runs a command for `!`, %sx and the script magics: in a process group of its own, its output
// into the running cell as it comes (or collected), its stdin the front end's (input_request)
// or empty, and stopped with its whole group when the kernel is interrupted.
import { type ChildProcess, spawn } from "node:child_process";
import { StringDecoder } from "node:string_decoder";
import type { KernelSession } from "../session.js";
import type { ExitStatus } from "./status.js";
import { canWatchStdin, watchStdin } from "./stdin-watch.js";

/** After SIGINT, how long the command's processes get before SIGKILL. */
const GRACE_MS = 500;
/** After SIGKILL, how long a process that escaped the group may hold the command's output open. */
const DRAIN_MS = 1000;

export interface Command {
  /** The program and its arguments. */
  argv: string[];
  /** Written to stdin, which then closes (IPython's %%script gives the body so). */
  input?: string;
  /**
   * "stream": stdout and stderr go into the cell as they come, and a command that reads stdin
   * asks the front end for a line (input_request) when the cell allows stdin, else reads EOF.
   * "capture": both are collected in the order they come; stdin is empty.
   */
  output: "stream" | "capture";
  /** Set on top of the kernel's environment. */
  env?: NodeJS.ProcessEnv;
}

export interface CommandResult extends ExitStatus {
  /** The kernel was interrupted while it ran (its process group was stopped). */
  interrupted: boolean;
  /** What it wrote ("capture"). */
  output: string;
}

/** The commands running now: ended with the kernel. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) signalGroup(child, "SIGKILL");
});

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone
  }
}

export function runCommand(command: Command, session: KernelSession): Promise<CommandResult> {
  const capture = command.output === "capture";
  const asks = !capture && command.input === undefined && Boolean(session.router.current()?.allowStdin) && canWatchStdin();
  const [file, ...args] = command.argv;
  return new Promise<CommandResult>((resolve, reject) => {
    const child = spawn(file!, args, {
      // Its own process group: an interrupt reaches every process the command started.
      detached: true,
      stdio: [command.input !== undefined || asks ? "pipe" : "ignore", "pipe", "pipe"],
      // Python writes through at once, as it does on the terminal IPython's `!` gives it.
      env: { ...process.env, PYTHONUNBUFFERED: process.env.PYTHONUNBUFFERED ?? "1", ...command.env },
    });
    running.add(child);
    let output = "";
    let interrupted = false;
    const emit = (name: "stdout" | "stderr", text: string) => {
      if (!text) return;
      if (capture) output += text;
      else process[name].write(text);
    };
    const decoders = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };
    for (const name of ["stdout", "stderr"] as const) child[name]!.on("data", (chunk: Buffer) => emit(name, decoders[name].write(chunk)));
    // A command that exits before reading all of its stdin: not an error of ours.
    child.stdin?.on("error", () => undefined);
    if (command.input !== undefined) child.stdin!.end(command.input);
    // One input_request at a time; the answer goes to the command as a line.
    let asking = false;
    const askForLine = () => {
      if (asking) return;
      asking = true;
      session.input("", false).then(
        (line) => {
          asking = false;
          if (child.exitCode === null && child.signalCode === null) child.stdin!.write(`${line}\n`);
        },
        () => child.stdin!.end(),
      );
    };
    const stopWatching = asks && child.pid !== undefined ? watchStdin(child.pid, askForLine) : () => undefined;
    const unsubscribe = session.interrupts.subscribe(() => {
      interrupted = true;
      signalGroup(child, "SIGINT");
      setTimeout(() => signalGroup(child, "SIGKILL"), GRACE_MS).unref();
      // A process that left the group (setsid) may hold the output open: stop waiting for it.
      const drain = setTimeout(() => {
        child.stdout!.destroy();
        child.stderr!.destroy();
      }, GRACE_MS + DRAIN_MS);
      drain.unref();
      child.once("close", () => clearTimeout(drain));
    });
    const done = () => {
      running.delete(child);
      stopWatching();
      unsubscribe();
    };
    child.on("error", (err) => {
      done();
      reject(err);
    });
    child.on("exit", stopWatching);
    child.on("close", (code, signal) => {
      done();
      emit("stdout", decoders.stdout.end());
      emit("stderr", decoders.stderr.end());
      resolve({ code, signal, interrupted, output });
    });
  });
}
