// One error family for the kernel, the tracker, the course and the CLI. Every error Parallab
// throws on purpose extends ParallabError and says what kind of failure it is; code that must
// tell failures apart asks `instanceof` or the kind, never the name. The name stays what users
// see (an error output's ename, "UsageError", "KeyboardInterrupt", …).
//
// Structured clone (worker threads, the frames of an mpirun rank) keeps an error's name, message
// and stack but not its class: such errors cross as an ErrorRecord, with their kind, and are
// rebuilt on the kernel's side (see RankError in kernel/spmd/results.ts).

/** What went wrong, as far as the code that catches an error needs to know. */
export type ErrorKind =
  /** A command, a magic or an API called wrongly: the caller fixes the call. CLI exit code 1. */
  | "usage"
  /** Input that is wrong (a notebook, an id, the skills files, a course folder). CLI exit code 2. */
  | "data"
  /** The user interrupted (a cell, a pool job, %%workers ranks, mpirun). */
  | "interrupt"
  /** Something did not finish in time. */
  | "timeout"
  /** A server or database that cannot be reached or used. */
  | "connection"
  /** Something this machine lacks: a tensor backend, MPI, a JupyterLab to serve. */
  | "unavailable"
  /** A process Parallab started failed on its own (mpirun and its ranks). */
  | "launch"
  /** Out of memory (a tensor that cannot be allocated). */
  | "resource"
  /** A message that breaks the wire protocol (a bad signature). */
  | "protocol"
  /** Gave up because another rank failed: the other rank's error is the story. */
  | "peer"
  /** Thrown by the notebook's own code, carried across a boundary (a rank, a profile). */
  | "cell"
  /** A failure with no better kind: a bug, or an error Parallab did not expect. */
  | "internal";

/** The base of every error Parallab throws on purpose. Subclasses set `kind` and `name`. */
export class ParallabError extends Error {
  readonly kind: ErrorKind = "internal";
  override name = "ParallabError";
}

/** A command, magic or API used wrongly. In a notebook it shows as IPython's `UsageError`, without a stack. */
export class UsageError extends ParallabError {
  override readonly kind: ErrorKind = "usage";
  override name = "UsageError";
}

/** Input data that is wrong (not how the command was called): the CLI exits with 2. */
export class DataError extends ParallabError {
  override readonly kind: ErrorKind = "data";
  override name = "DataError";
}

/** The user interrupted: a cell, a pool job, the ranks of %%workers or %%mpi. Shown as `KeyboardInterrupt`. */
export class InterruptError extends ParallabError {
  override readonly kind: ErrorKind = "interrupt";
  override name = "KeyboardInterrupt";
  constructor() {
    super("the cell was interrupted");
  }
}

/** The kind of a thrown value: its own for a ParallabError, else undefined (anything else). */
export function kindOf(err: unknown): ErrorKind | undefined {
  return err instanceof ParallabError ? err.kind : undefined;
}

/** An error as it crosses a thread or process boundary, where structured clone drops its class. */
export interface ErrorRecord {
  name: string;
  message: string;
  stack: string;
  /** Set for a ParallabError, so the other side can tell what kind it was. */
  kind?: ErrorKind;
}

/** The CLI's exit code for an error that ends a command: 2 for bad data, 1 for the rest. */
export function exitCodeOf(err: unknown): 1 | 2 {
  return kindOf(err) === "data" ? 2 : 1;
}

/** What of an error crosses a boundary: name, message, stack, and the kind of a ParallabError. */
export function errorRecord(err: Error): ErrorRecord {
  const kind = kindOf(err);
  return { name: err.name, message: err.message, stack: err.stack ?? "", ...(kind ? { kind } : {}) };
}
