// Every change Parallab makes to Node's, TypeScript's or tslab's globals, in one list. None
// happens on import: the kernel session installs the process patches when it starts, and the
// tslab adapter installs the compiler patches when it loads the compiler.
//
// Process (./process.ts), installed by installProcessPatches:
//   process.stdout.write, process.stderr.write  a cell's output goes to that cell (console.* too)
//   process.exit                                a cell's exit delivers its output first
//   process 'uncaughtException', 'unhandledRejection'  stray async errors go to the cell, the kernel lives
//   node:assert (frozen)                        %%check and grading cannot be fooled by a cell
//   NODE_PATH, Module._initPaths                a notebook anywhere imports the user's packages
//                                               (%npm install --user) and the packages Parallab ships
//   globalThis.__parallab_before_terminate__    the I/O thread can stop a busy loop without aborting Node
// Kernel entry (../main.ts):
//   Error.stackTraceLimit (when a kernel started from the compiler snapshot lacks it)  errors keep their stacks
// Compiler (./compiler.ts), installed by TslabAdapter.create:
//   require.cache of @tslab/typescript-for-tslab  compiled with V8's code cache (../execute/code-cache.ts),
//                                               inline source maps, CommonJS passed through tslab's
//                                               ESM→CJS transpile (the lean builder emits it), only @types/node,
//                                               imports resolved through package.json "exports" too, and
//                                               afresh after %npm changed node_modules (execute/module-resolution.ts),
//                                               a plain program per cell instead of tslab's builder
//                                               state and its first, names-only program (execute/lean-builder.ts),
//                                               and in a kernel started
//                                               from the compiler snapshot, its TypeScript (../snapshot/)
//   ts.sys (fileExists, readFile, …)            `import … from "parallab"`, the user's packages' and shipped
//                                               packages' types resolve anywhere
//   vm.runInThisContext                         cell scripts are named cell-N (tracebacks, profiles) and
//                                               the interrupt knows when the cell's own code starts; a
//                                               cell that only declares runs without the SIGINT watchdog
//   globalThis.__tslab__.require                "parallab" is this kernel's API; tslab's display works; a
//                                               package that is not installed says `%npm install NAME`
//   globalThis.__tslab__.exports, globalThis.__parallab_defineProp, (a moment on) Object.prototype
//                                               cells run against a plain object, not tslab's Proxy (30× faster loops)
// Magics (../magics/runtime.ts), installed by the session: globalThis.__parallab__, the run-time
//   end of line magics written into cells.
// %run's script processes (./script-loader.ts, `node --import` it; never in the kernel):
//   module.register (./script-loader-hooks.ts)  a script's TypeScript files load as the JavaScript
//                                               the kernel type-checked and compiled
//   Module._extensions[".ts", ".cts"], Module._resolveFilename  the same for require(), and
//                                               require("./x.js") finds ./x.ts as TypeScript does
// Tensors, installed when a cell first uses tf (they patch tfjs's own objects, where they live):
//   tf.engine().runKernel, makeTensor, backends' write/makeTensorInfo/makeOutput, wasm _malloc
//   (../tensors/memory-errors.ts)        an out-of-memory error names the tensor, the op and what to do
//   tfjs's wasm kernels BatchMatMul, _FusedMatMul, Conv2D, FusedConv2D, Conv2DBackpropInput,
//   Conv2DBackpropFilter, MaxPool, MaxPoolGrad, Sum, GatherV2, Identity, Cast
//   (../tensors/native-kernels.ts, through tf.registerKernel; the OpenBLAS thread count per thread)
//                                        they run on OpenBLAS or in C in place on the wasm heap,
//                                        the rest falls back to tfjs's own kernels
//   tf.Tensor.prototype.throwIfDisposed, tf.engine().runKernel (../tensors/disposed.ts)
//                                        a freed tensor's use names it and the %%gpu cell that freed it
// WebGPU, installed when Dawn is probed and the webgpu backend registered (../tensors/webgpu/):
//   process.env.EGL_PLATFORM (when unset: "surfaceless")  Mesa's EGL needs no display for compute
//   globalThis.GPUBufferUsage, GPUMapMode, … (Dawn's globals), navigator.gpu
//                                        tfjs-backend-webgpu expects a browser's WebGPU globals
//   tfjs's "webgpu" backend factory (tf.removeBackend / registerBackend)
//                                        our adapter (hardware, or software on request), device loss seen
//   WebGPUBackend.prototype.readSync     a synchronous read of a GPU tensor says to await t.data()
//                                        (tfjs reads through a browser canvas Node lacks)
//   the backend's bufferManager.acquireBuffer   %%gpu reports the GPU memory peak
import type { OutputRouter } from "../execute/output-router.js";
import type { IoClient } from "../io/io-client.js";
import { captureStdStreams, exitAfterOutput, freezeAssert, packageFallbackForRequire, reportStrayErrors, unwindBeforeTerminate } from "./process.js";

export function installProcessPatches(session: { router: OutputRouter; io: IoClient; realExit: (code?: number | string | null) => never }): void {
  unwindBeforeTerminate();
  packageFallbackForRequire();
  captureStdStreams(session.router);
  exitAfterOutput(session.router, session.io, session.realExit);
  freezeAssert();
  reportStrayErrors(session.router);
}
