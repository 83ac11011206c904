#!/usr/bin/env node
// One rank of a %%mpi cell, started by mpirun: MPI_Init_thread, then rank 0 reads the job (the
// cell's compiled code and its --share values) from stdin, which mpirun forwards to rank 0
// only, and broadcasts it; every rank runs the code with `rank`, `size` and `comm` (the rank
// runtime, kernel/spmd/rank.ts), and ends with one frame on stdout (its last expression, or its
// error, which aborts the whole job).
import { Console } from "node:console";
import { readFileSync, writeSync } from "node:fs";
import v8 from "node:v8";
import { type RankJob, rankFailure, runRank } from "../spmd/rank.js";
import { loadMpi, type MpiBinding } from "./addon.js";
import { MpiComm } from "./comm.js";
import { encodeFrame, type RankFrame } from "./frames.js";

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
  if (!reported) report({ type: "error", ...rankFailure(err) });
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
  const job = v8.deserialize(comm.bcast(info.rank === 0 ? readFileSync(0) : null, 0) as Uint8Array) as RankJob;
  report({ type: "done", ...(await runRank(job, { rank: info.rank, size: info.size, comm })) });
  mpi.finalize();
  process.exit(0);
}

main().catch(fail);
