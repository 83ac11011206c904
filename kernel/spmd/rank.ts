// The rank runtime: what every rank of an SPMD cell does with the cell's compiled code, in a
// worker thread (%%workers, kernel/pool/spmd-worker.ts) or in a process mpirun started (%%mpi,
// kernel/mpi/rank-main.ts). It binds the names the body sees, runs it, and describes its last
// value or its error for the kernel; the transport carries that back.
import { createRequire } from "node:module";
import path from "node:path";
import { inspect } from "node:util";
import vm from "node:vm";
import { type ErrorRecord, errorRecord } from "../../common/errors.js";
import type { SpmdComm } from "./comm.js";

/** The names every rank gets, besides the --share values. */
export const RANK_NAMES = ["rank", "size", "comm"] as const;

/** A compiled SPMD cell, as the kernel sends it to every rank. */
export interface RankJob {
  code: string;
  async: boolean;
  lastExpressionVar?: string;
  /** The cell's script name, so that the rank's stack frames map to the cell's lines. */
  scriptName: string;
  /** Notebook variables the cell shares (--share). */
  shared: Record<string, unknown>;
  /** The kernel's working directory: the rank's `require` resolves from it. */
  cwd: string;
}

/** A rank's last value: itself (when it can travel) and its text. */
export interface RankDone {
  value: unknown;
  text: string | null;
  /** How long the body ran, in ms. */
  busyMs: number;
}

/** What the body sees: `rank`, `size`, `comm`. */
export interface RankBindings {
  rank: number;
  size: number;
  comm: SpmdComm;
}

/**
 * The cell's code, ready to run, and the `exports` it reads and writes. tslab compiles notebook
 * names as `exports.NAME` (the shared values, and rank/size/comm) but leaves some uses as plain
 * names (a shorthand property `({ rank })`): an outer function declares every name as a
 * parameter and returns the inner one, tslab's own wrapper, in which the cell's code may still
 * declare names of its own. Both open on the script's first line, so that the cell's lines keep
 * their numbers in the rank's stack.
 */
export function bootstrap(job: RankJob, bindings: RankBindings): { exports: Record<string, unknown>; run: () => unknown } {
  const exports: Record<string, unknown> = { ...job.shared, ...bindings };
  const require = createRequire(path.join(job.cwd, "notebook.js"));
  const names = Object.keys(exports).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== "exports" && n !== "require");
  const inner = job.async ? "async function(exports, require) { " : "function(exports, require) { ";
  const outer = `(function(${["exports", "require", ...names].join(", ")}) { return (${inner}`;
  const bind = vm.runInThisContext(`${outer}${job.code}\n}); })`, { filename: job.scriptName }) as (...args: unknown[]) => (e: unknown, r: unknown) => unknown;
  const body = bind(exports, require, ...names.map((n) => exports[n]));
  // Bound, not wrapped: no frame of ours between the rank's main and the cell in stacks and profiles.
  return { exports, run: body.bind(undefined, exports, require) as () => unknown };
}

/** Runs the cell's code on this rank: its last expression's value and text once it ends. */
export async function runRank(job: RankJob, bindings: RankBindings): Promise<RankDone> {
  const started = performance.now();
  const { exports, run } = bootstrap(job, bindings);
  await run();
  const value = job.lastExpressionVar ? exports[job.lastExpressionVar] : undefined;
  return { value, text: value === undefined ? null : inspect(value), busyMs: performance.now() - started };
}

/** A rank's error as it crosses to the kernel (its stack names the cell's script); a non-Error as its inspect text. */
export function rankFailure(thrown: unknown): ErrorRecord {
  return errorRecord(thrown instanceof Error ? thrown : new Error(inspect(thrown)));
}
