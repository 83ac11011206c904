// When the current cell's own code began to run (after the compiler): magics that time or
// profile a cell (%%gpu, %%profile) start from here, so that compiling the cell does not count.
export class CodeClock {
  private startedAt = 0;
  private waiting: (() => void)[] = [];

  markUserCodeStart(): void {
    this.startedAt = performance.now();
    const callbacks = this.waiting;
    this.waiting = [];
    for (const callback of callbacks) {
      try {
        callback();
      } catch {
        // A profiler that cannot start must not stop the cell.
      }
    }
  }

  userCodeStartedAt(): number {
    return this.startedAt;
  }

  /** Runs `callback` synchronously when the next cell code starts; returns the cancel. */
  atUserCodeStart(callback: () => void): () => void {
    this.waiting.push(callback);
    return () => {
      this.waiting = this.waiting.filter((c) => c !== callback);
    };
  }
}
