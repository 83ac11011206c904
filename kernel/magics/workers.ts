import { defaultThreads } from "../pool/pool.js";
import { showStatsPanel, statsText } from "../pool/stats-view.js";
import { runSpmd, THREAD_TRAVEL } from "../pool/spmd.js";
import { runSpmdCell } from "../spmd/cell.js";
import type { CellMagicCall, CellOutcome, Magic, OptionSpecs, OptionValues } from "./contract.js";

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

async function runCell(call: CellMagicCall<Options>): Promise<CellOutcome> {
  const parsed = call.options;
  const { pool, profiling } = call.session;
  const size = parsed.n ?? pool.threads;
  return runSpmdCell(call, {
    magic: "%%workers",
    share: parsed.share,
    commType: "Comm",
    travel: THREAD_TRAVEL,
    launch: (job, signal) => runSpmd({ ...job, size }, { signal, profiling }),
  });
}

export const workersMagic: Magic<typeof OPTIONS> = {
  name: "workers",
  description: DESCRIPTION,
  options: OPTIONS,
  line: {
    args: "[N]",
    async run({ session: { pool, widgets, output }, options, args, usageError }) {
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
      // Widgets where the front end can show them; the same lines as text everywhere else.
      if (widgets.hasWidgetFrontEnd) showStatsPanel(widgets, output, () => pool.stats());
      else process.stdout.write(statsText(pool.stats()));
    },
  },
  cell: { run: runCell },
};
