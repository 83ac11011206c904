// Stopping a busy cell from the I/O thread (kernel/io/interrupter.ts) needs a function on the
// main thread that empties Node's async id stack first: kernel/patches/process.ts says why.

/** Global name the I/O thread evaluates before terminating. */
export const UNWIND_FUNCTION = "__parallab_before_terminate__";
