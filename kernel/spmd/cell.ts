// The kernel's side of an SPMD cell, whatever runs its ranks: the body prepared (body.ts), the
// ranks launched with a signal that interrupts them, and what they give back made the cell's
// outcome (every rank's value, or the failing rank's error at the cell's line).
import { InterruptError } from "../../common/errors.js";
import type { CellMagicCall, CellOutcome } from "../magics/contract.js";
import type { InterruptSignal } from "../interrupts.js";
import { isOutcome, prepareSpmdBody, type SpmdBodyOptions } from "./body.js";
import type { RankJob } from "./rank.js";
import { RankError, RankValues, type RankResult } from "./results.js";

export interface SpmdCell extends SpmdBodyOptions {
  /** Runs the job on the ranks: every rank's result, or the error of the rank that failed; InterruptError once `signal` aborts. */
  launch(job: RankJob, signal: AbortSignal): Promise<RankResult[]>;
  /** The outcome of an error of the transport's own (not a rank's: mpirun's launch failures). */
  failure?(err: unknown): CellOutcome | undefined;
}

export async function runSpmdCell(call: CellMagicCall, cell: SpmdCell): Promise<CellOutcome> {
  const body = await prepareSpmdBody(call, cell);
  if (isOutcome(body)) return body;
  const { scope, shared, compiled } = body;
  const interrupt = abortOnInterrupt(call.session.interrupts);
  try {
    // The cell's own code starts now (on the ranks): profilers and timers start here, after the compiler.
    call.session.clock.markUserCodeStart();
    const job: RankJob = { code: compiled.js, async: compiled.async, lastExpressionVar: compiled.lastExpressionVar, scriptName: compiled.scriptName, shared, cwd: process.cwd() };
    const results = await cell.launch(job, interrupt.signal);
    const values = RankValues.fromResults(results);
    // Kept for the next cells, as IPython keeps `_`.
    scope._ranks = values;
    return { ok: true, value: values, hasValue: results.some((r) => r.text !== null) };
  } catch (err) {
    if (err instanceof InterruptError) return { ok: false, error: await call.errorContent(err), interrupted: true };
    const own = cell.failure?.(err);
    if (own) return own;
    if (!(err instanceof RankError)) throw err;
    const error = await call.errorContent(err);
    return { ok: false, error: { ...error, evalue: `rank ${err.rank}: ${error.evalue}`, traceback: [`rank ${err.rank} failed:`, ...error.traceback] }, interrupted: false };
  } finally {
    interrupt.dispose();
  }
}

/** The kernel's interrupt as the launch's AbortSignal: threads are terminated, mpirun's process group is ended. */
function abortOnInterrupt(interrupts: InterruptSignal): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const unsubscribe = interrupts.subscribe(() => controller.abort());
  return { signal: controller.signal, dispose: () => void unsubscribe() };
}
