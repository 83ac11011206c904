import { defaultThreads, type WorkerPool } from "../pool/pool.js";
import { positiveInt } from "./options.js";
import { UsageError, type Magic } from "./registry.js";

const USAGE = `%workers [N] [--reset]

The kernel's worker pool, where parallel.map and parallel.reduce run.
  %workers          the pool's state: threads, busy, queued, completed, failed, utilization,
                    run-time and wait-time p50/p99
  %workers N        resize the pool to N threads (default: this machine's cores, ${defaultThreads()})
  %workers --reset  replace all workers (stops whatever they are running)`;

const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} ms`;

export function workersMagic(pool: WorkerPool): Magic {
  return {
    name: "workers",
    help: USAGE,
    line: {
      async run({ args }) {
        const trimmed = args.trim();
        if (trimmed === "--reset") {
          await pool.reset();
          process.stdout.write(`Worker pool reset: ${pool.threads} threads.\n`);
          return;
        }
        if (trimmed) {
          if (!/^\d+$/.test(trimmed)) throw new UsageError(`%workers takes a thread count or --reset, got ${JSON.stringify(trimmed)}.\n${USAGE}`);
          const n = positiveInt(trimmed, "N", USAGE)!;
          await pool.resize(n);
          process.stdout.write(`Worker pool resized to ${n} thread${n === 1 ? "" : "s"}.\n`);
          return;
        }
        const s = pool.stats();
        process.stdout.write(
          `Worker pool: ${s.threads} threads (${s.started} started), ${s.busy} busy, ${s.queued} queued\n` +
            `tasks: ${s.completed} completed, ${s.failed} failed; utilization ${(s.utilization * 100).toFixed(1)}%\n` +
            `run time p50 ${ms(s.runTimeMs.p50)}, p99 ${ms(s.runTimeMs.p99)}; wait time p50 ${ms(s.waitTimeMs.p50)}, p99 ${ms(s.waitTimeMs.p99)}\n`,
        );
      },
    },
  };
}
