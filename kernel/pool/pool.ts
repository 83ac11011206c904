// The kernel's worker pool (piscina), created on first use and resized by %workers.
import { setMaxListeners } from "node:events";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { AsyncResource } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { BroadcastChannel, SHARE_ENV } from "node:worker_threads";
import { workerResourceLimits } from "./limits.js";
import { OUTPUT_CHANNEL, type ChunkResult, type ChunkTask, type WorkerOutput } from "./task.js";

const WORKER_FILE = fileURLToPath(new URL("./task-worker.js", import.meta.url));

/**
 * Chunks a worker holds at once: the one it runs and the next, so that it goes on without
 * waiting for the main thread to answer (a round trip costs 0.5–2 ms on a busy machine).
 * The worker runs them in turn (task-worker.ts).
 */
const CHUNKS_IN_FLIGHT_PER_WORKER = 2;

export const defaultThreads = () => Math.max(1, os.availableParallelism());

function newController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

export class WorkerPool {
  private pool: Piscina<ChunkTask, ChunkResult> | null = null;
  private size = defaultThreads();
  /** Aborts everything in flight (interrupt); one signal serves many tasks. */
  private controller = newController();
  private failed = 0;
  private readonly outputs = new Map<string, (out: WorkerOutput) => void>();
  private readonly received = new Map<string, { count: number; waiter: (() => void) | null }>();
  private channel: BroadcastChannel | null = null;

  /**
   * A call id whose workers' output is written, in the caller's async context (so into the
   * cell that made the call), until `end()` plus a moment for output still on its way.
   */
  openCall(): { call: string; end: () => void; outputsArrived: (count: number) => Promise<void> } {
    if (!this.channel) {
      this.channel = new BroadcastChannel(OUTPUT_CHANNEL);
      (this.channel as unknown as { unref(): void }).unref();
      this.channel.onmessage = (event) => {
        const out = (event as unknown as { data: WorkerOutput }).data;
        this.outputs.get(out.call)?.(out);
        const tally = this.received.get(out.call);
        if (tally) {
          tally.count++;
          tally.waiter?.();
        }
      };
    }
    const call = randomUUID();
    this.outputs.set(
      call,
      AsyncResource.bind((out: WorkerOutput) => void process[out.name].write(out.text)),
    );
    const tally = { count: 0, waiter: null as (() => void) | null };
    this.received.set(call, tally);
    // Output and results travel on different channels: the call returns once the output its
    // workers reported sending has arrived (or after a second, should a message be lost).
    const outputsArrived = (count: number) =>
      new Promise<void>((resolve) => {
        const deadline = setTimeout(resolve, 1000);
        tally.waiter = () => {
          if (tally.count < count) return;
          clearTimeout(deadline);
          resolve();
        };
        tally.waiter();
      });
    const end = () => {
      this.received.delete(call);
      setTimeout(() => this.outputs.delete(call), 200).unref();
    };
    return { call, end, outputsArrived };
  }

  get threads(): number {
    return this.size;
  }

  private ensure(): Piscina<ChunkTask, ChunkResult> {
    if (!this.pool) {
      this.pool = new Piscina<ChunkTask, ChunkResult>({
        filename: WORKER_FILE,
        minThreads: this.size,
        maxThreads: this.size,
        concurrentTasksPerWorker: CHUNKS_IN_FLIGHT_PER_WORKER,
        idleTimeout: 60_000,
        recordTiming: true,
        resourceLimits: workerResourceLimits(),
        // The kernel's environment, live: %env in a later cell reaches threads already started
        // (threads of one process share it, as Python's do).
        env: SHARE_ENV,
      });
      // A worker that dies is replaced by piscina; an unhandled 'error' would end the kernel.
      this.pool.on("error", () => void this.failed++);
    }
    return this.pool;
  }

  run(task: ChunkTask, transferList?: ArrayBuffer[]): Promise<ChunkResult> {
    const signal = this.controller.signal;
    return this.ensure()
      .run(task, { signal, transferList: transferList as never })
      .catch((err: Error) => {
        this.failed++;
        throw err;
      });
  }

  /** Cancels queued chunks and stops the running ones (their threads are replaced). */
  abortAll(): void {
    this.controller.abort();
    this.controller = newController();
  }

  async resize(threads: number): Promise<void> {
    this.size = threads;
    await this.reset();
  }

  async reset(): Promise<void> {
    const old = this.pool;
    this.pool = null;
    this.abortAll();
    if (old) await old.destroy();
  }

  stats(): PoolStats {
    const p = this.pool;
    const run = p?.histogram.runTime;
    const wait = p?.histogram.waitTime;
    return {
      threads: this.size,
      started: p ? p.threads.length : 0,
      busy: p ? p.threads.length - p.idleThreads : 0,
      queued: p?.queueSize ?? 0,
      completed: p?.completed ?? 0,
      failed: this.failed,
      // piscina 5's own `utilization` divides seconds by milliseconds (1000× too low): the
      // tasks' run time over the pool's capacity (threads × time since it started) instead.
      utilization: p && run && p.duration > 0 ? Math.min(1, (run.mean * p.completed) / (p.duration * this.size)) : 0,
      runTimeMs: { p50: run?.p50 ?? 0, p99: run?.p99 ?? 0 },
      waitTimeMs: { p50: wait?.p50 ?? 0, p99: wait?.p99 ?? 0 },
    };
  }
}

export interface PoolStats {
  threads: number;
  started: number;
  busy: number;
  queued: number;
  completed: number;
  failed: number;
  utilization: number;
  runTimeMs: { p50: number; p99: number };
  waitTimeMs: { p50: number; p99: number };
}

/** The pool of this process (the kernel's). */
