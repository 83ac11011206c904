// Runs a compiled %%workers cell on N ranks (one worker thread each), streams their output
// with [rank r] prefixes, and collects every rank's last value.
import { fileURLToPath } from "node:url";
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import { CTRL_WORDS, markFailed } from "./comm.js";
import { kernelPool } from "./pool.js";
import { workerResourceLimits } from "./limits.js";
import type { RankData, RankMessage } from "./spmd-worker.js";
import { recordWorker, workerProfileInterval } from "./worker-profiling.js";
import { type ErrorKind, InterruptError, ParallabError } from "../../common/errors.js";

const RANK_WORKER = fileURLToPath(new URL("./spmd-worker.js", import.meta.url));

export interface SpmdJob {
  size: number;
  code: string;
  async: boolean;
  lastExpressionVar?: string;
  shared: Record<string, unknown>;
  scriptName: string;
}

export interface RankResult {
  rank: number;
  value: unknown;
  text: string | null;
}

/** A rank's error as it was thrown there (its stack names the cell's script), rebuilt with its kind on this side. */
export class RankError extends ParallabError {
  override readonly kind: ErrorKind;
  constructor(
    readonly rank: number,
    name: string,
    message: string,
    stack: string,
    /** The kind of a ParallabError the rank threw; "cell" for anything else. */
    kind: ErrorKind = "cell",
  ) {
    super(message);
    this.name = name;
    this.stack = stack;
    this.kind = kind;
  }
}

export function runSpmd(job: SpmdJob): Promise<RankResult[]> {
  const ctrl = new SharedArrayBuffer(CTRL_WORDS * 4);
  const ports: (MessagePort | null)[][] = Array.from({ length: job.size }, () => Array<MessagePort | null>(job.size).fill(null));
  for (let i = 0; i < job.size; i++) {
    for (let j = i + 1; j < job.size; j++) {
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
    const atLineStart = Array<boolean>(job.size).fill(true);
    const stopAll = () => workers.forEach((w) => void w.terminate());
    const unsubscribe = kernelPool.onAbort(() => {
      stopAll();
      reject(new InterruptError());
    });
    const finish = () => {
      if (++settled < job.size) return;
      unsubscribe();
      stopAll();
      // The rank that failed first is the story; the others only gave up waiting for it.
      const own = errors.filter((e) => e.kind !== "peer");
      if (errors.length) reject(own[0] ?? errors[0]);
      else resolve(results.sort((a, b) => a.rank - b.rank));
    };
    for (let rank = 0; rank < job.size; rank++) {
      const mine = ports[rank]!;
      const workerData: RankData = {
        rank,
        size: job.size,
        ctrl,
        ports: mine,
        code: job.code,
        async: job.async,
        lastExpressionVar: job.lastExpressionVar,
        shared: job.shared,
        cwd: process.cwd(),
        scriptName: job.scriptName,
        profileIntervalUs: workerProfileInterval(),
      };
      const worker = new Worker(RANK_WORKER, { workerData, transferList: mine.filter((p): p is MessagePort => p !== null), stdout: false, stderr: false, resourceLimits: workerResourceLimits() });
      workers.push(worker);
      let done = false;
      worker.on("message", (m: RankMessage) => {
        if (m.type === "output") {
          const prefixed = m.text.replace(/^(?=.)/gm, (_x, offset: number) => (offset > 0 || atLineStart[rank] ? `[rank ${rank}] ` : ""));
          atLineStart[rank] = m.text.endsWith("\n");
          process[m.name].write(prefixed);
        } else if (m.type === "done") {
          done = true;
          results.push({ rank, value: m.value, text: m.text });
          recordWorker({ kind: "rank", rank, thread: worker.threadId, busyMs: m.busyMs, ...(m.profile ? { profile: m.profile } : {}) });
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
