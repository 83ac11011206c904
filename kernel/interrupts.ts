// The one interrupt signal of a kernel session: an interrupt_request (through the I/O thread)
// or SIGINT fires it, and whatever runs a user's code subscribes: the running cell, the worker
// pool, the ranks of a %%workers cell, an mpirun job.

export type InterruptListener = () => void;

export class InterruptSignal {
  private readonly listeners = new Set<InterruptListener>();

  /** Calls `listener` on every interrupt until the returned function is called. */
  subscribe(listener: InterruptListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells every subscriber; one that throws does not keep the others from hearing it. */
  fire(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (err) {
        process.emitWarning(`an interrupt listener failed: ${(err as Error).message}`);
      }
    }
  }
}
