// One transaction at a time on a connection. better-sqlite3 has one connection per store, and
// an async transaction yields between its statements: without this, another caller in the same
// process (the kernel's next cell) would run its statements inside that transaction.
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    // The next caller waits for this one to settle, whatever its outcome.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
