// Support for stopping a busy cell from the I/O thread (see kernel/io/interrupter.ts).
//
// V8's TerminateExecution unwinds every JavaScript frame, including the async-hook "after"
// callbacks that AsyncLocalStorage relies on, and Node then finds its async id stack out of
// step and aborts the process. The I/O thread therefore first runs this function on the main
// thread (through the inspector, which can run code even inside a busy loop) to empty that
// stack; after the unwinding it is exactly what it must be: empty, at the top of the loop.

/** Global name the I/O thread evaluates before terminating. */
export const UNWIND_FUNCTION = "__parallab_before_terminate__";

export function installTerminationSupport(): void {
  const quiet = process.noDeprecation;
  process.noDeprecation = true;
  // process.binding is deprecated in documentation only; this is the one hook Node offers.
  const { clearAsyncIdStack } = (process as unknown as { binding(name: string): { clearAsyncIdStack(): void } }).binding("async_wrap");
  process.noDeprecation = quiet;
  Object.defineProperty(globalThis, UNWIND_FUNCTION, { value: () => clearAsyncIdStack(), enumerable: false });
}
