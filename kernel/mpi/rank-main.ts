#!/usr/bin/env node
// One rank of a %%mpi cell, started by mpirun: MPI_Init_thread, then rank 0 reads the job (the
// cell's compiled code and its --share values) from stdin, which mpirun forwards to rank 0
// only, and broadcasts it; every rank runs the code with `rank`, `size` and `comm`, and ends
// with one frame on stdout (its last expression, or its error, which aborts the whole job).
import { Console } from "node:console";
import { readFileSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { inspect } from "node:util";
import v8 from "node:v8";
import vm from "node:vm";
import { loadMpi, type MpiBinding } from "./addon.js";
import { MpiComm } from "./comm.js";
import { encodeFrame, type MpiJob, type RankFrame } from "./frames.js";
import { errorRecord } from "../../common/errors.js";

/** Writes all of `text` to fd (stdout may be a non-blocking pipe or a pty). */
function writeAll(fd: number, text: string | Uint8Array): void {
  let bytes = typeof text === "string" ? Buffer.from(text) : text;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  while (bytes.length > 0) {
    try {
      const n = writeSync(fd, bytes);
      bytes = bytes.subarray(n);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
      Atomics.wait(nap, 0, 0, 1);
    }
  }
}

// Output goes straight to the file descriptors, in order with the frames, and without colors
// (Open MPI gives ranks a pty; the cell shows plain text, as %%workers does).
for (const [name, fd] of [
  ["stdout", 1],
  ["stderr", 2],
] as const) {
  process[name].write = ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
    writeAll(fd, typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array));
    const cb = typeof encoding === "function" ? encoding : callback;
    if (typeof cb === "function") queueMicrotask(() => (cb as () => void)());
    return true;
  }) as typeof process.stdout.write;
}
globalThis.console = new Console({ stdout: process.stdout, stderr: process.stderr, colorMode: false });

let mpi: MpiBinding | null = null;
let reported = false;

function report(frame: RankFrame): void {
  reported = true;
  writeAll(1, encodeFrame(frame));
}

/** The rank's error goes to the kernel, then the whole job stops (MPI_Abort). */
function fail(err: unknown): never {
  if (!reported) {
    const e = err instanceof Error ? err : new Error(inspect(err));
    report({ type: "error", ...errorRecord(e) });
  }
  // Give mpirun's output forwarding a moment to carry the frame before the job is torn down.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
  if (mpi) mpi.abort(1);
  process.exit(1);
}

process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);

async function main(): Promise<void> {
  mpi = loadMpi();
  const info = mpi.init();
  const comm = new MpiComm(info.rank, info.size, mpi);
  // The job: rank 0 has it on stdin; everyone gets it by MPI_Bcast.
  const job = v8.deserialize(comm.bcast(info.rank === 0 ? readFileSync(0) : null, 0) as Uint8Array) as MpiJob;
  const started = performance.now();
  // tslab compiles notebook names as `exports.NAME`: the shared values, and rank/size/comm.
  const exports: Record<string, unknown> = { ...job.shared, rank: info.rank, size: info.size, comm };
  const require = createRequire(path.join(job.cwd, "notebook.js"));
  // The same wrapper as the kernel's, so that the cell's source map fits the rank's stack.
  const prefix = job.async ? "(async function(exports, require) { " : "(function(exports, require) { ";
  const run = vm.runInThisContext(`${prefix}${job.code}\n})`, { filename: job.scriptName }) as (e: unknown, r: unknown) => unknown;
  await run(exports, require);
  const value = job.lastExpressionVar ? exports[job.lastExpressionVar] : undefined;
  report({ type: "done", value, text: value === undefined ? null : inspect(value), busyMs: performance.now() - started });
  mpi.finalize();
  process.exit(0);
}

main().catch(fail);
