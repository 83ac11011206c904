import { defaultThreads, type WorkerPool } from "../pool/pool.js";
import { runSpmd, RankError, type RankResult } from "../pool/spmd.js";
import { InterruptError } from "../execute/errors.js";
import { markUserCodeStart } from "../execute/code-clock.js";
import type { CellMagicCall, CellOutcome, Magic, OptionSpecs, OptionValues } from "./contract.js";
import { isOutcome, prepareSpmdBody } from "./spmd-body.js";

const DESCRIPTION = `The kernel's worker pool, where parallel.map and parallel.reduce run.
  %workers          the pool's state: threads, busy, queued, completed, failed, utilization,
                    run-time and wait-time p50/p99
  %workers N        resize the pool to N threads (default: this machine's cores, ${defaultThreads()})
  %%workers         runs the cell's body on N ranks at once (default: the pool's size), each in
                    its own thread, with \`rank\`, \`size\` and \`comm\` (barrier, bcast, scatter,
                    gather, allgather, allreduce, send, recv); --share names notebook variables
                    every rank gets (shared when SharedArrayBuffer-backed, cloned otherwise).
                    The cell's value is every rank's last expression, shown as [rank r] …`;

const OPTIONS = {
  reset: { type: "flag", only: "line", help: "replace all workers (stops whatever they are running)" },
  n: { type: "int", min: 1, only: "cell", help: "ranks (default: the pool's size)" },
  share: { type: "string", only: "cell", value: "a,b", help: "notebook variables every rank gets" },
} satisfies OptionSpecs;

type Options = OptionValues<typeof OPTIONS>;

/** Names of rank/size/comm for the compiler; the values come from the rank's thread. */
const RANK_DECLARATIONS = 'declare const rank: number;\ndeclare const size: number;\ndeclare const comm: import("parallab").Comm;\n';

/** The values of every rank, shown one line per rank. */
export class RankValues extends Array<unknown> {
  // map/filter/slice of the ranks' values give a plain array, shown as an array.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  static fromResults(results: RankResult[]): RankValues {
    const values = new RankValues();
    const texts: string[] = [];
    for (const r of results) {
      values.push(r.value);
      texts.push(`[rank ${r.rank}] ${r.text ?? "undefined"}`);
    }
    Object.defineProperty(values, "lines", { value: texts.join("\n"), enumerable: false });
    return values;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return (this as unknown as { lines: string }).lines;
  }
}

async function runCell(pool: WorkerPool, call: CellMagicCall<Options>): Promise<CellOutcome> {
  const parsed = call.options;
  const size = parsed.n ?? pool.threads;
  const body = await prepareSpmdBody(call, {
    magic: "%%workers",
    share: parsed.share,
    declarations: RANK_DECLARATIONS,
    checkTravel: (v) => structuredClone(v),
    travelProblem: "another thread (functions, class instances with methods and sockets cannot)",
  });
  if (isOutcome(body)) return body;
  const { scope, shared, compiled } = body;
  try {
    // The cell's own code starts now (on the ranks): profilers and timers start here, after the compiler.
    markUserCodeStart();
    const results = await runSpmd({ size, code: compiled.js, async: compiled.async, lastExpressionVar: compiled.lastExpressionVar, shared, scriptName: compiled.scriptName });
    const values = RankValues.fromResults(results);
    // Kept for the next cells, as IPython keeps `_`.
    scope._ranks = values;
    return { ok: true, value: values, hasValue: results.some((r) => r.text !== null) };
  } catch (err) {
    if (err instanceof InterruptError) return { ok: false, error: await call.errorContent(err), interrupted: true };
    if (!(err instanceof RankError)) throw err;
    const error = await call.errorContent(err);
    return { ok: false, error: { ...error, evalue: `rank ${err.rank}: ${error.evalue}`, traceback: [`rank ${err.rank} failed:`, ...error.traceback] }, interrupted: false };
  }
}

const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} ms`;

export function workersMagic(pool: WorkerPool): Magic<typeof OPTIONS> {
  return {
    name: "workers",
    description: DESCRIPTION,
    options: OPTIONS,
    line: {
      args: "[N]",
      async run({ options, args, usageError }) {
        const count = args.join(" ");
        if (options.reset ? count : args.length && !/^\d+$/.test(count))
          throw usageError(`%workers takes a thread count or --reset, got ${JSON.stringify(`${options.reset ? "--reset " : ""}${count}`)}.`);
        if (options.reset) {
          await pool.reset();
          process.stdout.write(`Worker pool reset: ${pool.threads} threads.\n`);
          return;
        }
        if (count) {
          const n = Number(count);
          if (n < 1) throw usageError(`option -N needs a positive whole number, got ${JSON.stringify(count)}.`);
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
    cell: { run: (call) => runCell(pool, call) },
  };
}
