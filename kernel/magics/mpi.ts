import { spawnSync } from "node:child_process";
import os from "node:os";
import { parseArgs } from "node:util";
import v8 from "node:v8";
import { markUserCodeStart } from "../execute/code-clock.js";
import { InterruptError } from "../execute/errors.js";
import type { CellOutcome } from "../execute/tslab-adapter.js";
import { MPI_ADDON, mpiMissing, onPath } from "../mpi/addon.js";
import { MpiLaunchError, mpirunCommand, runMpi } from "../mpi/launcher.js";
import { RankError } from "../pool/spmd.js";
import { positiveInt } from "./options.js";
import { UsageError, type CellMagicCall, type Magic } from "./registry.js";
import { isOutcome, prepareSpmdBody } from "./spmd-body.js";
import { RankValues } from "./workers.js";

const USAGE = `%mpi   (MPI here: Open MPI's version, mpirun, the bindings, OMPI_MCA_* settings)
%%mpi [-n N] [--hosts h1:slots,h2:slots | --hostfile FILE] [--share a,b]   (first line of a cell)

Runs the cell's body as an MPI program: mpirun starts N Node processes (default: the slots
of --hosts, else this machine's cores, ${os.availableParallelism()}), each with \`rank\`, \`size\` and \`comm\` as
in %%workers (barrier, bcast, scatter, gather, allgather, allreduce, send, recv, and Wtime),
over MPI (Open MPI) instead of threads. Ranks may run on other hosts (--hosts, --hostfile; every
host needs Node and this package at the same path). --share names notebook variables every
rank gets (a copy: they must be serializable, v8.serialize). Each rank's output shows with
[rank r]; the cell's value is every rank's last expression; an error on any rank stops the job.
Open MPI's settings come from OMPI_MCA_* environment variables; PARALLAB_MPIRUN replaces the
mpirun command. Needs MPI: apt-get install -y openmpi-bin libopenmpi-dev, then npm run build:mpi.`;

/** Names of rank/size/comm for the compiler; the values come from the rank's process. */
const RANK_DECLARATIONS = 'declare const rank: number;\ndeclare const size: number;\ndeclare const comm: import("parallab").MpiComm;\n';

/** Slots of `h1:2,h2,h3:4` (a host without a count has one). */
function slotsOf(hosts: string): number {
  return hosts
    .split(",")
    .filter(Boolean)
    .reduce((total, h) => {
      const m = /^[^:\s]+(?::(\d+))?$/.exec(h.trim());
      if (!m) throw new UsageError(`--hosts: expected host:slots[,host:slots…], got ${JSON.stringify(h)}.\n${USAGE}`);
      return total + (m[1] ? Number(m[1]) : 1);
    }, 0);
}

async function runCell(call: CellMagicCall): Promise<CellOutcome> {
  let parsed;
  try {
    parsed = parseArgs({
      args: call.args.split(/\s+/).filter(Boolean),
      options: { n: { type: "string", short: "n" }, hosts: { type: "string" }, host: { type: "string" }, hostfile: { type: "string" }, share: { type: "string" } },
      strict: true,
    }).values;
  } catch (err) {
    throw new UsageError(`${(err as Error).message}.\n${USAGE}`);
  }
  const hosts = parsed.hosts ?? parsed.host;
  if (hosts && parsed.hostfile) throw new UsageError(`%%mpi takes --hosts or --hostfile, not both.\n${USAGE}`);
  const missingMpi = mpiMissing();
  if (missingMpi) throw new UsageError(`%%mpi needs MPI: ${missingMpi}`);
  const size = parsed.n !== undefined ? positiveInt(parsed.n, "n", USAGE)! : hosts ? slotsOf(hosts) : os.availableParallelism();
  const body = await prepareSpmdBody(call, {
    magic: "%%mpi",
    share: parsed.share,
    declarations: RANK_DECLARATIONS,
    checkTravel: (v) => v8.serialize(v),
    travelProblem: "another process (it must be serializable with v8.serialize: functions, class instances with native state and sockets are not)",
  });
  if (isOutcome(body)) return body;
  const { scope, shared, compiled } = body;
  try {
    markUserCodeStart();
    const results = await runMpi({
      size,
      hosts,
      hostfile: parsed.hostfile,
      job: { code: compiled.js, async: compiled.async, lastExpressionVar: compiled.lastExpressionVar, scriptName: compiled.scriptName, shared, cwd: process.cwd() },
    });
    const values = RankValues.fromResults(results);
    scope._ranks = values;
    return { ok: true, value: values, hasValue: results.some((r) => r.text !== null) };
  } catch (err) {
    if (err instanceof InterruptError) return { ok: false, error: await call.errorContent(err), interrupted: true };
    if (err instanceof MpiLaunchError) return { ok: false, error: { ename: err.name, evalue: err.message, traceback: [`MpiLaunchError: ${err.message}`] }, interrupted: false };
    if (!(err instanceof RankError)) throw err;
    const error = await call.errorContent(err);
    return { ok: false, error: { ...error, evalue: `rank ${err.rank}: ${error.evalue}`, traceback: [`rank ${err.rank} failed:`, ...error.traceback] }, interrupted: false };
  }
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

export const mpiMagic: Magic = {
  name: "mpi",
  help: USAGE,
  line: {
    run({ args }) {
      if (args.trim()) throw new UsageError(`%mpi takes no arguments (the cell magic %%mpi runs code).\n${USAGE}`);
      showStatus();
    },
  },
  cell: { run: runCell },
};
