// The patches to Node's process and globals (see ./index.ts for the list and why each exists).
import assert from "node:assert";
import { createRequire } from "node:module";
import path from "node:path";
import { inspect } from "node:util";
import type { OutputRouter } from "../execute/output-router.js";
import { UNWIND_FUNCTION } from "../execute/termination.js";
import type { IoClient } from "../io/io-client.js";
import { FALLBACK_MODULE_DIRS } from "../package-fallback.js";

/** process.stdout/stderr (and so console.*) write to the cell whose code is running. */
export function captureStdStreams(router: OutputRouter): void {
  process.stdout.write = router.streamWriter("stdout");
  process.stderr.write = router.streamWriter("stderr");
}

/** A cell that calls process.exit() ends the kernel, but only after its output is delivered. */
export function exitAfterOutput(router: OutputRouter, io: IoClient, realExit: (code?: number | string | null) => never): void {
  process.exit = ((code?: number | string | null) => {
    router.write("stderr", `process.exit(${code ?? ""}) was called: the kernel is exiting.\n`);
    router.flush();
    io.flushSync(2000, true);
    return realExit(code ?? 0);
  }) as typeof process.exit;
}

/** Errors of a cell's stray async work go to that cell's output; they never kill the kernel. */
export function reportStrayErrors(router: OutputRouter): void {
  process.on("uncaughtException", (err) => router.write("stderr", `Uncaught ${inspect(err)}\n`));
  process.on("unhandledRejection", (reason) => router.write("stderr", `Uncaught (in promise) ${inspect(reason)}\n`));
}

/**
 * %%check and grading trust node:assert: a cell that set assert.strictEqual to a no-op would
 * pass every check after it. Cells can still call it as they like; they cannot replace it.
 */
export function freezeAssert(): void {
  Object.freeze(assert.strict);
  Object.freeze(assert);
}

/**
 * Node's require (cells, worker threads, ranks) finds the user's packages (`%npm install --user`)
 * and the packages Parallab ships from any notebook folder: NODE_PATH is read after the folders
 * above the caller, so a notebook's own node_modules still come first.
 */
export function packageFallbackForRequire(): void {
  const current = (process.env.NODE_PATH ?? "").split(path.delimiter).filter(Boolean);
  process.env.NODE_PATH = [...current, ...FALLBACK_MODULE_DIRS.filter((d) => !current.includes(d))].join(path.delimiter);
  (createRequire(import.meta.url)("node:module") as { _initPaths(): void })._initPaths();
}

/**
 * Support for stopping a busy cell from the I/O thread (kernel/io/interrupter.ts). V8's
 * TerminateExecution unwinds every JavaScript frame, including the async-hook "after" callbacks
 * that AsyncLocalStorage relies on, and Node then finds its async id stack out of step and
 * aborts the process. The I/O thread therefore first runs this function on the main thread
 * (through the inspector, which can run code even inside a busy loop) to empty that stack.
 */
export function unwindBeforeTerminate(): void {
  const quiet = process.noDeprecation;
  process.noDeprecation = true;
  // process.binding is deprecated in documentation only; this is the one hook Node offers.
  const { clearAsyncIdStack } = (process as unknown as { binding(name: string): { clearAsyncIdStack(): void } }).binding("async_wrap");
  process.noDeprecation = quiet;
  Object.defineProperty(globalThis, UNWIND_FUNCTION, { value: () => clearAsyncIdStack(), enumerable: false });
}
