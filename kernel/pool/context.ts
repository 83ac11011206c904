import type { DisplayApi } from "../display/api.js";
import type { LiveWidgets } from "../widgets/live.js";
import type { WorkerPool } from "./pool.js";
import type { NotebookScope } from "./scope.js";
import type { WorkerProfiling } from "./worker-profiling.js";

/** What parallel calls use of the kernel session (or, outside a kernel, of a standalone one). */
export interface PoolContext {
  readonly pool: WorkerPool;
  readonly notebook: NotebookScope;
  readonly profiling: WorkerProfiling;
  readonly output: DisplayApi;
  /** A kernel session's widgets: the progress bar is one where the front end has a widget manager. */
  readonly widgets?: LiveWidgets;
}
