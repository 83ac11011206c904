// When the current cell's own code began to run (after the compiler): magics that time or
// profile a cell (%%gpu, %%profile) start from here, so that compiling the cell does not count.
let startedAt = 0;
let waiting: (() => void)[] = [];

export function markUserCodeStart(): void {
  startedAt = performance.now();
  const callbacks = waiting;
  waiting = [];
  for (const callback of callbacks) {
    try {
      callback();
    } catch {
      // A profiler that cannot start must not stop the cell.
    }
  }
}

export function userCodeStartedAt(): number {
  return startedAt;
}

/** Runs `callback` synchronously when the next cell code starts; returns the cancel. */
export function atUserCodeStart(callback: () => void): () => void {
  waiting.push(callback);
  return () => {
    waiting = waiting.filter((c) => c !== callback);
  };
}
