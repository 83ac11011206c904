// The "parallab" module (./api.ts) but for the skills framework, whose schemas and YAML parser
// took ~90 ms to load: a kernel (./parallab-module.ts) loads that part only once it is idle.
import { standaloneComms } from "./comms/api.js";
import type { CommsApi } from "./comms/interfaces.js";
import { createDisplayApi } from "./display/api.js";
import { stdoutSink } from "./display/sink.js";
import { createParallel } from "./pool/parallel.js";
import { WorkerPool } from "./pool/pool.js";
import { NotebookScope } from "./pool/scope.js";
import { WorkerProfiling } from "./pool/worker-profiling.js";

const output = createDisplayApi(stdoutSink);
export const { display, html, markdown, image, plot, clearOutput, input } = output;
/** A Node program's own pool (started on first use); it has no notebook variables. */
export const parallel = createParallel({ pool: new WorkerPool(), notebook: new NotebookScope(), profiling: new WorkerProfiling(), output });
export { DisplayHandle, MIME_BUNDLE } from "./display/api.js";
export type { DisplayOptions, Displayable, PlotTrace, PlotOptions } from "./display/api.js";
/** What `%%capture NAME` keeps in NAME. */
export type { CapturedIO, RichOutput } from "./display/captured.js";
export { ParallelScopeError, type ParallelOptions } from "./pool/parallel.js";
export type { Comm } from "./pool/comm.js";
export type { MpiComm } from "./mpi/comm.js";
export type { ReduceOp, SpmdComm } from "./spmd/comm.js";
/** Comms of the Jupyter messaging spec: register a target, open a comm, send, receive, close (in a kernel). */
export const comms: CommsApi = standaloneComms;
export type { CommBuffers, CommData, CommMessage, CommSendOptions, CommsApi, CommTargetHandler, JupyterComm } from "./comms/interfaces.js";
/** ipywidgets 8's controls, on the Jupyter widget protocol 2.1.0. */
export * as widgets from "./widgets/api.js";
export { interact } from "./widgets/api.js";
export { tf } from "./tensors/lazy-tf.js";
