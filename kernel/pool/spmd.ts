// Runs a compiled %%workers cell on N ranks (one worker thread each), streams their output
// with [rank r] prefixes, and collects every rank's last value.
import { fileURLToPath } from "node:url";
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import type { SpmdTravel } from "../spmd/body.js";
import type { RankJob } from "../spmd/rank.js";
import { RankError, RankLines, type RankResult } from "../spmd/results.js";
import { InterruptError } from "../../common/errors.js";
import { CTRL_WORDS, markFailed } from "./comm.js";
import { workerResourceLimits } from "./limits.js";
import type { RankData, RankMessage } from "./spmd-worker.js";
import type { WorkerProfiling } from "./worker-profiling.js";

const RANK_WORKER = fileURLToPath(new URL("./spmd-worker.js", import.meta.url));

export interface SpmdJob extends RankJob {
  size: number;
}

/** --share values go to the threads by structured clone (SharedArrayBuffers stay shared). */
export const THREAD_TRAVEL: SpmdTravel = {
  check: (value) => void structuredClone(value),
  problem: "another thread (functions, class instances with methods and sockets cannot)",
};

/** Every rank's result, in rank order; rejects with the failing rank's error, or InterruptError once `signal` aborts. */
export function runSpmd(job: SpmdJob, { signal, profiling }: { signal?: AbortSignal; profiling?: WorkerProfiling } = {}): Promise<RankResult[]> {
  if (signal?.aborted) return Promise.reject(new InterruptError());
  const { size, ...code } = job;
  const ctrl = new SharedArrayBuffer(CTRL_WORDS * 4);
  const ports: (MessagePort | null)[][] = Array.from({ length: size }, () => Array<MessagePort | null>(size).fill(null));
  for (let i = 0; i < size; i++) {
    for (let j = i + 1; j < size; j++) {
      const { port1, port2 } = new MessageChannel();
      ports[i]![j] = port1;
      ports[j]![i] = port2;
    }
  }
  return new Promise<RankResult[]>((resolve, reject) => {
    const results: RankResult[] = [];
    const errors: RankError[] = [];
    let settled = 0;
    const workers: Worker[] = [];
    const stopAll = () => workers.forEach((w) => void w.terminate());
    const onAbort = () => {
      stopAll();
      reject(new InterruptError());
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const finish = () => {
      if (++settled < size) return;
      signal?.removeEventListener("abort", onAbort);
      stopAll();
      // The rank that failed first is the story; the others only gave up waiting for it.
      const own = errors.filter((e) => e.kind !== "peer");
      if (errors.length) reject(own[0] ?? errors[0]);
      else resolve(results.sort((a, b) => a.rank - b.rank));
    };
    for (let rank = 0; rank < size; rank++) {
      const mine = ports[rank]!;
      const workerData: RankData = { rank, size, ctrl, ports: mine, job: code, profileIntervalUs: profiling?.interval() };
      const worker = new Worker(RANK_WORKER, { workerData, transferList: mine.filter((p): p is MessagePort => p !== null), stdout: false, stderr: false, resourceLimits: workerResourceLimits() });
      workers.push(worker);
      let done = false;
      const lines = new RankLines(rank);
      worker.on("message", (m: RankMessage) => {
        if (m.type === "output") {
          process[m.name].write(lines.prefix(m.text));
        } else if (m.type === "done") {
          done = true;
          results.push({ rank, value: m.value, text: m.text });
          profiling?.record({ kind: "rank", rank, thread: worker.threadId, busyMs: m.busyMs, ...(m.profile ? { profile: m.profile } : {}) });
          finish();
        } else {
          done = true;
          errors.push(new RankError(rank, m.name, m.message, m.stack, m.kind));
          finish();
        }
      });
      worker.on("error", (err) => {
        if (done) return;
        done = true;
        markFailed(new Int32Array(ctrl), rank);
        errors.push(new RankError(rank, err.name, err.message, err.stack ?? ""));
        finish();
      });
      worker.on("exit", (code) => {
        if (done) return;
        done = true;
        markFailed(new Int32Array(ctrl), rank);
        errors.push(new RankError(rank, "Error", `rank ${rank}'s thread exited (code ${code}) before it finished`, ""));
        finish();
      });
    }
  });
}
