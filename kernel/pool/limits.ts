import os from "node:os";
import type { ResourceLimits } from "node:worker_threads";

/**
 * Heap limit of every worker thread (pool workers and %%workers ranks). Without one, a worker
 * that runs out of memory takes the whole kernel down; with one, only that worker dies and is
 * replaced. Typed arrays live outside this heap. PARALLAB_WORKER_HEAP_MB overrides it.
 */
export function workerResourceLimits(): ResourceLimits {
  const fromEnv = Number(process.env.PARALLAB_WORKER_HEAP_MB);
  const defaultMb = Math.min(4096, Math.floor(os.totalmem() / 2 ** 20 / 4));
  return { maxOldGenerationSizeMb: Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : defaultMb };
}
