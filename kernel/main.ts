#!/usr/bin/env node
// Kernel entry point: `node dist/kernel/main.js CONNECTION_FILE` (what kernel.json runs).
import assert from "node:assert";
import { randomUUID } from "node:crypto";
import { inspect } from "node:util";
import * as api from "./api.js";
import { withTextFallback } from "./display/mime.js";
import { setDisplaySink } from "./display/sink.js";
import { OutputRouter } from "./execute/output-router.js";
import { InterruptError } from "./execute/errors.js";
import { markUserCodeStart } from "./execute/code-clock.js";
import { installTerminationSupport } from "./execute/termination.js";
import { installRuntimeFallback } from "./package-fallback.js";
import { TslabAdapter } from "./execute/tslab-adapter.js";
import { HistoryStore } from "./history/store.js";
import { CellState } from "./io/bridge.js";
import { IoClient } from "./io/io-client.js";
import { Kernel } from "./kernel.js";
import { kernelInfoReply } from "./kernel-info.js";
import { mentionsTensors, tensorsReady } from "./tensors/runtime.js";
import { createBuiltinRegistry } from "./magics/builtins.js";
import { installMagicRuntime } from "./magics/runtime.js";
import { kernelPool } from "./pool/pool.js";
import { setNotebookScope, setSourceLocator } from "./pool/scope.js";
import { setCellLocator } from "./profile/locator.js";
import { readConnectionFile } from "./protocol/connection.js";
import type { KernelServices } from "./requests/context.js";

const connectionFile = process.argv[2];
if (!connectionFile || connectionFile.startsWith("-")) {
  process.stderr.write("usage: node dist/kernel/main.js CONNECTION_FILE\n(Jupyter starts the kernel this way; install it with `npx parallab install`.)\n");
  process.exit(2);
}

const realExit = process.exit.bind(process);
let connection;
try {
  connection = readConnectionFile(connectionFile);
} catch (err) {
  process.stderr.write(`parallab: ${(err as Error).message}\n`);
  process.exit(2);
}
const io = new IoClient(connection, randomUUID(), kernelInfoReply());
io.on("exit", (code) => realExit(code === 0 ? 0 : 1));
installTerminationSupport();
installRuntimeFallback();
const router = new OutputRouter(io);
router.install();
const registry = createBuiltinRegistry();
installMagicRuntime(registry);

let adapter: Promise<TslabAdapter> | null = null;
const services: KernelServices = {
  io,
  router,
  registry,
  history: new HistoryStore(),
  adapter: () =>
    (adapter ??= TslabAdapter.create({
      rootDir: process.cwd(),
      parallabModule: api,
      onUserCode: () => {
        // Interrupted while compiling: the cell's code does not start at all.
        if (io.takePendingInterrupt()) throw new InterruptError();
        io.setCellState(CellState.RunningUserCode);
        markUserCodeStart();
      },
      tslabDisplay: (content, update) =>
        router.publish(update ? "update_display_data" : "display_data", { data: withTextFallback(content.data), metadata: content.metadata ?? {}, transient: content.transient ?? {} }),
    })),
  prepare: async (code) => {
    if (mentionsTensors(code)) await tensorsReady();
  },
};

let inputWaiter: ((value: string) => void) | null = null;
io.on("input_reply", (value) => {
  inputWaiter?.(value);
  inputWaiter = null;
});
setDisplaySink({
  display(data, metadata, displayId, update) {
    router.publish(update ? "update_display_data" : "display_data", { data, metadata, transient: displayId ? { display_id: displayId } : {} });
  },
  clearOutput(wait) {
    router.publish("clear_output", { wait });
  },
  input(prompt, password) {
    const context = router.current();
    if (!context?.allowStdin) return Promise.reject(new Error("input() is not available: this front end did not allow stdin for this cell (allow_stdin is false)"));
    router.flush();
    io.post({ op: "input_request", parent: context.parent, prompt, password });
    return new Promise((resolve) => (inputWaiter = resolve));
  },
});

/** Flushes every output on its way to the client, then exits: the client sees a clean death. */
async function exitKernel(code: number): Promise<never> {
  router.flush();
  await io.flush(2000, true);
  return realExit(code);
}

// Load TypeScript (about 2 s) while the I/O thread binds its sockets and answers kernel_info:
// the first cell then waits as little as possible.
services
  .adapter()
  .then((a) => {
    setNotebookScope(a.locals);
    setSourceLocator((source) => a.locateFunction(source));
    setCellLocator((script, line, column) => a.cellPosition(script, line, column));
  })
  .catch((err) => router.realStderr(`[parallab] cannot load the TypeScript compiler: ${(err as Error).stack}\n`));
await io.ready;

const kernel = new Kernel(services, exitKernel);
io.on("request", (channel, request) => kernel.onRequest(channel, request));
// An interrupt also stops the worker pool's tasks (their threads are replaced).
const interrupt = () => {
  kernel.interrupt();
  kernelPool.abortAll();
};
io.on("interrupt", interrupt);
process.on("SIGINT", interrupt);

// A cell that calls process.exit() ends the kernel, but only after its output is delivered.
process.exit = ((code?: number | string | null) => {
  router.write("stderr", `process.exit(${code ?? ""}) was called: the kernel is exiting.\n`);
  router.flush();
  io.flushSync(2000, true);
  return realExit(code ?? 0);
}) as typeof process.exit;

// %%check and grading trust node:assert: a cell that set assert.strictEqual to a no-op would
// pass every check after it. Cells can still call it as they like; they cannot replace it.
Object.freeze(assert.strict);
Object.freeze(assert);

// Errors of a cell's stray async work go to that cell's output; they never kill the kernel.
process.on("uncaughtException", (err) => router.write("stderr", `Uncaught ${inspect(err)}\n`));
process.on("unhandledRejection", (reason) => router.write("stderr", `Uncaught (in promise) ${inspect(reason)}\n`));
