import { formatTime } from "./format-time.js";
import type { Magic, OptionSpecs, OptionValues } from "./contract.js";
import { optionsText } from "./options.js";

const DESCRIPTION = `Times a statement as IPython does: R runs of N loops each; without -n, N grows
1, 2, 5, 10, 20, 50, … until one run takes at least 0.2 s. Prints
"mean ± std. dev. per loop (mean ± std. dev. of R runs, N loops each)".
Async statements (with await) are timed to their completion.`;

const OPTIONS = {
  n: { type: "int", min: 1, help: "loops per run" },
  r: { type: "int", min: 1, default: 7, help: "runs" },
  q: { type: "flag", help: "quiet (print nothing)" },
  o: { type: "flag", help: "return a TimeitResult" },
  p: { type: "int", min: 1, default: 3, value: "P", help: "significant digits" },
} satisfies OptionSpecs;

type Options = OptionValues<typeof OPTIONS>;

/** The measurements of one %timeit, as IPython's TimeitResult. */
export class TimeitResult {
  readonly average: number;
  readonly stdev: number;
  readonly best: number;
  readonly worst: number;
  constructor(
    readonly loops: number,
    readonly repeat: number,
    readonly allRuns: number[],
    readonly precision: number,
  ) {
    const timings = allRuns.map((t) => t / loops);
    this.average = timings.reduce((a, b) => a + b, 0) / timings.length;
    this.stdev = Math.sqrt(timings.reduce((a, t) => a + (t - this.average) ** 2, 0) / timings.length);
    this.best = Math.min(...timings);
    this.worst = Math.max(...timings);
  }
  toString(): string {
    const s = (n: number) => (n === 1 ? "" : "s");
    return `${formatTime(this.average, this.precision)} \u00b1 ${formatTime(this.stdev, this.precision)} per loop (mean \u00b1 std. dev. of ${this.repeat} run${s(this.repeat)}, ${this.loops.toLocaleString("en-US")} loop${s(this.loops)} each)`;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `<TimeitResult : ${this.toString()}>`;
  }
}

type Thunk = () => unknown;

/** Seconds for `loops` calls; awaits each call when the statement is async. */
async function timeLoops(thunk: Thunk, loops: number, isAsync: boolean): Promise<number> {
  const t0 = process.hrtime.bigint();
  if (isAsync) for (let i = 0; i < loops; i++) await thunk();
  else for (let i = 0; i < loops; i++) thunk();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

export async function timeit(thunk: Thunk, options: { loops?: number; repeat?: number; precision?: number }): Promise<TimeitResult> {
  const first = thunk();
  const isAsync = first instanceof Promise;
  if (isAsync) await first;
  const repeat = options.repeat ?? 7;
  let loops = options.loops;
  if (loops === undefined) {
    search: for (let index = 0; ; index++) {
      for (const base of [1, 2, 5]) {
        loops = base * 10 ** index;
        if ((await timeLoops(thunk, loops, isAsync)) >= 0.2) break search;
      }
    }
  }
  const runs: number[] = [];
  for (let r = 0; r < repeat; r++) runs.push(await timeLoops(thunk, loops!, isAsync));
  return new TimeitResult(loops!, repeat, runs, options.precision ?? 3);
}

async function runTimeit(o: Options, thunk: Thunk | undefined, usageError: (message: string) => Error): Promise<TimeitResult | undefined> {
  if (!thunk) throw usageError("%timeit needs a statement to time.");
  const result = await timeit(thunk, { loops: o.n, repeat: o.r, precision: o.p });
  if (!o.q) {
    if (result.worst > 4 * result.best && result.best > 0 && result.worst > 1e-6) {
      process.stdout.write(`The slowest run took ${(result.worst / result.best).toFixed(2)} times longer than the fastest. This could mean that an intermediate result is being cached.\n`);
    }
    process.stdout.write(`${result.toString()}\n`);
  }
  return o.o ? result : undefined;
}

export const timeitMagic: Magic<typeof OPTIONS> = {
  name: "timeit",
  description: DESCRIPTION,
  options: OPTIONS,
  line: {
    args: "STATEMENT",
    code: true,
    run: ({ options, thunk, usageError }) => runTimeit(options, thunk, usageError),
  },
  cell: {
    args: "[SETUP]",
    code: true,
    note: "first line of a cell; the body is timed",
    async run({ options, code: setup, body, run }) {
      // The first line's code after the options is setup, run once; the body is what is timed,
      // by the line magic with the options parsed here.
      const isAsync = /\bawait\b/.test(body);
      const head = `${setup ? `${setup};` : ""} await __parallab__.magic("timeit", ${JSON.stringify(optionsText(OPTIONS, options))}, ${isAsync ? "async " : ""}() => {`;
      return run(`${head}\n${body}\n})`);
    },
  },
};
