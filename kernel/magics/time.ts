import { formatTime } from "./format-time.js";
import type { Magic } from "./contract.js";

const DESCRIPTION = `Times one run of a statement or expression (or of the whole cell) and prints IPython's
"CPU times: user …, sys: …, total: …" and "Wall time: …". The value of the expression is the
value of the line, so \`%time f(x)\` shows f(x) as the cell's result when it comes last.
CPU times are the whole kernel process's (all threads), as IPython reports them.`;

interface Clock {
  wall: bigint;
  cpu: NodeJS.CpuUsage;
}

const start = (): Clock => ({ wall: process.hrtime.bigint(), cpu: process.cpuUsage() });

export function timeReport(from: Clock): string {
  const wall = Number(process.hrtime.bigint() - from.wall) / 1e9;
  const cpu = process.cpuUsage(from.cpu);
  const user = cpu.user / 1e6;
  const sys = cpu.system / 1e6;
  return `CPU times: user ${formatTime(user)}, sys: ${formatTime(sys)}, total: ${formatTime(user + sys)}\nWall time: ${formatTime(wall)}\n`;
}

export const timeMagic: Magic = {
  name: "time",
  description: DESCRIPTION,
  line: {
    args: "STATEMENT",
    code: true,
    async run({ thunk }) {
      const clock = start();
      try {
        return await thunk?.();
      } finally {
        process.stdout.write(timeReport(clock));
      }
    },
  },
  cell: {
    async run({ body, run }) {
      const clock = start();
      const outcome = await run(`\n${body}`);
      process.stdout.write(timeReport(clock));
      return outcome;
    },
  },
};
