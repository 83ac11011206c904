import { spawnSync } from "node:child_process";
import os from "node:os";
import type { CellMagicCall, CellOutcome, Magic, OptionSpecs, OptionValues } from "./contract.js";
import { MPI_ADDON, mpiMissing } from "../mpi/addon.js";
import { onPath } from "../../common/commands.js";
import { MpiLaunchError, mpirunCommand, PROCESS_TRAVEL, runMpi } from "../mpi/launcher.js";
import { runSpmdCell } from "../spmd/cell.js";
import { usageText } from "./options.js";
import { UsageError } from "../../common/errors.js";

const DESCRIPTION = `Runs the cell's body as an MPI program: mpirun starts N Node processes (default: the slots
of --hosts, else this machine's cores, ${os.availableParallelism()}), each with \`rank\`, \`size\` and \`comm\` as
in %%workers (barrier, bcast, scatter, gather, allgather, allreduce, send, recv, and Wtime),
over MPI (Open MPI) instead of threads. Ranks may run on other hosts (--hosts, --hostfile; every
host needs Node and this package at the same path). --share names notebook variables every
rank gets (a copy: they must be serializable, v8.serialize). Each rank's output shows with
[rank r]; the cell's value is every rank's last expression; an error on any rank stops the job.
Open MPI's settings come from OMPI_MCA_* environment variables; PARALLAB_MPIRUN replaces the
mpirun command. Needs MPI: apt-get install -y openmpi-bin libopenmpi-dev, then npm run build:mpi.`;

const OPTIONS = {
  n: { type: "int", min: 1, only: "cell", help: "processes (default: the slots of --hosts, else the cores)" },
  hosts: { type: "string", only: "cell", aliases: ["host"], value: "h1:slots,h2:slots", help: "hosts to run ranks on" },
  hostfile: { type: "string", only: "cell", value: "FILE", help: "an Open MPI hostfile (instead of --hosts)" },
  share: { type: "string", only: "cell", value: "a,b", help: "notebook variables every rank gets (a copy)" },
} satisfies OptionSpecs;

type Options = OptionValues<typeof OPTIONS>;

/** Usage errors outside a call (the --hosts list), with the usage as a call's have it. */
const usageError = (message: string) => new UsageError(`${message}\n${usageText(mpiMagic)}`);

/** Slots of `h1:2,h2,h3:4` (a host without a count has one). */
function slotsOf(hosts: string): number {
  return hosts
    .split(",")
    .filter(Boolean)
    .reduce((total, h) => {
      const m = /^[^:\s]+(?::(\d+))?$/.exec(h.trim());
      if (!m) throw usageError(`--hosts: expected host:slots[,host:slots…], got ${JSON.stringify(h)}.`);
      return total + (m[1] ? Number(m[1]) : 1);
    }, 0);
}

async function runCell(call: CellMagicCall<Options>): Promise<CellOutcome> {
  const parsed = call.options;
  const hosts = parsed.hosts;
  if (hosts && parsed.hostfile) throw call.usageError("%%mpi takes --hosts or --hostfile, not both.");
  const missingMpi = mpiMissing();
  if (missingMpi) throw new UsageError(`%%mpi needs MPI: ${missingMpi}`);
  const size = parsed.n ?? (hosts ? slotsOf(hosts) : os.availableParallelism());
  return runSpmdCell(call, {
    magic: "%%mpi",
    share: parsed.share,
    commType: "MpiComm",
    travel: PROCESS_TRAVEL,
    launch: (job, signal) => runMpi({ size, hosts, hostfile: parsed.hostfile, job }, { signal }),
    failure: (err) => (err instanceof MpiLaunchError ? { ok: false, error: { ename: err.name, evalue: err.message, traceback: [`MpiLaunchError: ${err.message}`] }, interrupted: false } : undefined),
  });
}

/** `%mpi`: what %%mpi would use, or why it cannot run. */
function showStatus(): void {
  const missing = mpiMissing();
  const lines: string[] = [];
  const mpirun = onPath("mpirun");
  if (mpirun) {
    const version = spawnSync("mpirun", ["--version"], { encoding: "utf8" });
    lines.push(`mpirun: ${mpirun} (${(version.stdout ?? "").split("\n")[0]!.trim() || "version unknown"})`);
  }
  lines.push(`launch: ${[...mpirunCommand(), "--tag-output -n N …"].join(" ")}`);
  const mca = Object.entries(process.env).filter(([k]) => k.startsWith("OMPI_MCA_"));
  if (mca.length) lines.push(`Open MPI settings: ${mca.map(([k, v]) => `${k.slice(9)}=${v}`).join(", ")}`);
  lines.push(missing ? `%%mpi cannot run: ${missing}` : `bindings: ${MPI_ADDON}; %%mpi is ready.`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

export const mpiMagic: Magic<typeof OPTIONS> = {
  name: "mpi",
  description: DESCRIPTION,
  options: OPTIONS,
  line: {
    note: "MPI here: Open MPI's version, mpirun, the bindings, OMPI_MCA_* settings",
    run: showStatus,
  },
  cell: { run: runCell },
};
