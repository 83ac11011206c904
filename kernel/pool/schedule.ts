// Dynamic scheduling through shared memory, as OpenMP's schedule(dynamic) does it: every worker
// claims the next range of items from one atomic counter, with no message to the main thread in
// between. The main thread reads progress and, after a crash, the range a worker was on.
const NEXT = 0;
const STOP = 1;
const DONE = 2;
const SLOTS = 3;

/** The shared state of one call's work queue, for `workers` tasks. */
export function createWorkQueue(workers: number): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer((SLOTS + 2 * workers) * Int32Array.BYTES_PER_ELEMENT);
  new Int32Array(buffer).fill(-1, SLOTS);
  return buffer;
}

/**
 * The next range [start, end) of `total` items, `chunkSize` at a time, recorded as worker
 * `slot`'s current range; null when all are claimed or the call is stopping.
 */
export function claim(queue: Int32Array, total: number, chunkSize: number, slot: number): [number, number] | null {
  for (;;) {
    if (Atomics.load(queue, STOP) !== 0) return null;
    const start = Atomics.load(queue, NEXT);
    if (start >= total) return null;
    // Compare-and-swap rather than add, so the counter never runs past `total` (nor overflows).
    const end = Math.min(total, start + chunkSize);
    if (Atomics.compareExchange(queue, NEXT, start, end) !== start) continue;
    Atomics.store(queue, SLOTS + 2 * slot, start);
    Atomics.store(queue, SLOTS + 2 * slot + 1, end);
    return [start, end];
  }
}

/** A claimed range is done: it counts towards the progress bar. */
export function completed(queue: Int32Array, items: number): void {
  Atomics.add(queue, DONE, items);
}

/** No worker claims anything more (an item failed, or the call was interrupted). */
export function stop(queue: Int32Array): void {
  Atomics.store(queue, STOP, 1);
}

export function itemsDone(queue: Int32Array): number {
  return Atomics.load(queue, DONE);
}

/** The range worker `slot` claimed last, or null when it claimed none. */
export function currentRange(queue: Int32Array, slot: number): [number, number] | null {
  const start = Atomics.load(queue, SLOTS + 2 * slot);
  return start < 0 ? null : [start, Atomics.load(queue, SLOTS + 2 * slot + 1)];
}
