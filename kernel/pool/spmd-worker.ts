// One rank of a %%workers cell, in its own worker thread: runs the cell's compiled code with
// `rank`, `size` and `comm` (the rank runtime, kernel/spmd/rank.ts) and posts its output, then
// its last value or its error, to the kernel.
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { type RankDone, type RankJob, rankFailure, runRank } from "../spmd/rank.js";
import { Comm, markFailed } from "./comm.js";
import { CpuSampler, type CpuProfile } from "../profile/sampler.js";
import type { ErrorRecord } from "../../common/errors.js";

export interface RankData {
  rank: number;
  size: number;
  ctrl: SharedArrayBuffer;
  ports: (MessagePort | null)[];
  job: RankJob;
  /** Set while %%profile runs: the rank profiles its body at this interval (µs). */
  profileIntervalUs?: number;
}

export type RankMessage = { type: "output"; name: "stdout" | "stderr"; text: string } | ({ type: "done"; profile?: CpuProfile } & RankDone) | ({ type: "error" } & ErrorRecord);

const data = workerData as RankData;
const post = (m: RankMessage) => parentPort!.postMessage(m);
const ctrl = new Int32Array(data.ctrl);

for (const name of ["stdout", "stderr"] as const) {
  process[name].write = ((chunk: unknown) => {
    post({ type: "output", name, text: typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8") });
    return true;
  }) as typeof process.stdout.write;
}

async function main(): Promise<void> {
  const sampler = data.profileIntervalUs ? new CpuSampler() : null;
  if (sampler) await sampler.start(data.profileIntervalUs!);
  const comm = new Comm(data.rank, data.size, ctrl, data.ports);
  const done = await runRank(data.job, { rank: data.rank, size: data.size, comm });
  const profile = sampler ? { profile: await sampler.stop() } : {};
  try {
    post({ type: "done", ...done, ...profile });
  } catch {
    // Not cloneable (a function, a socket…): its text still shows.
    post({ type: "done", ...done, value: undefined, ...profile });
  }
}

main().catch((err: unknown) => {
  markFailed(ctrl, data.rank);
  post({ type: "error", ...rankFailure(err) });
});
