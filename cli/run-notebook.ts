import { OutputCollector, readNotebook, sourceText, writeNotebook, type Notebook } from "./notebook.js";
import { startLocalKernel } from "./runner/local-kernel.js";
import type { KernelStarter } from "./runner/notebook-kernel.js";
import { WidgetStateRecorder } from "./widget-state.js";

export { writeNotebook };

export interface RunOptions {
  allowErrors?: boolean;
  /** Starts the kernel the notebook runs in: a local one by default. */
  startKernel?: KernelStarter;
  /** The kernel's environment (PARALLAB_LEARNER, PARALLAB_DB, …); default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Longest a cell may run, in ms (default 10 minutes). */
  timeoutMs?: number;
  /** Called as each code cell starts (index 0 before the first) and ends. */
  onCell?: (index: number, total: number, outcome: "ok" | "error") => void;
}

export interface RunResult {
  notebook: Notebook;
  failed: { cell: number; ename: string; evalue: string } | null;
  /** Each code cell's reply, by its index in the notebook; cells that never ran are absent. */
  statuses: Map<number, "ok" | "error">;
  /** The cell that ran past the timeout (the kernel was stopped there), else null. */
  timedOut: { cell: number; id: string | undefined; seconds: number } | null;
}

/** Executes a notebook's code cells in a fresh kernel and fills in their outputs. */
export async function runNotebook(file: string, options: RunOptions = {}): Promise<RunResult> {
  return executeNotebook(readNotebook(file), file, options);
}

/**
 * Executes `notebook` (already read, or built by the grader) in a fresh kernel whose working
 * directory is `file`'s folder; the outputs are written into the notebook's cells.
 */
export async function executeNotebook(notebook: Notebook, file: string, options: RunOptions = {}): Promise<RunResult> {
  const kernel = await (options.startKernel ?? startLocalKernel)({ notebook: file, env: options.env });
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  let failed: RunResult["failed"] = null;
  let timedOut: RunResult["timedOut"] = null;
  const statuses = new Map<number, "ok" | "error">();
  const widgets = new WidgetStateRecorder();
  try {
    const code = notebook.cells.map((c, i) => [c, i] as const).filter(([c]) => c.cell_type === "code");
    for (const [n, [cell, index]] of code.entries()) {
      const collector = new OutputCollector();
      let reply;
      try {
        reply = await kernel.execute(sourceText(cell), { onOutput: (m) => widgets.take(m) || collector.add(m), stopOnError: !options.allowErrors, timeoutMs });
      } catch (err) {
        // No reply in time: the kernel is stuck in this cell, and is shut down below.
        cell.outputs = collector.outputs;
        timedOut = { cell: index, id: cell.id, seconds: timeoutMs / 1000 };
        failed ??= { cell: index, ename: "TimeoutError", evalue: `cell ${index + 1}${cell.id ? ` (id ${cell.id})` : ""} did not finish within ${timeoutMs / 1000} s (${(err as Error).message})` };
        break;
      }
      cell.outputs = collector.outputs;
      cell.execution_count = reply.execution_count;
      const status = reply.status === "ok" ? "ok" : "error";
      statuses.set(index, status);
      options.onCell?.(n + 1, code.length, status);
      if (reply.status !== "ok" && !failed) failed = { cell: index, ename: reply.ename ?? "Error", evalue: reply.evalue ?? "" };
      if (failed && !options.allowErrors) break;
    }
  } finally {
    await kernel.shutdown();
  }
  notebook.metadata.kernelspec = { name: "parallab", display_name: "TypeScript (Parallab)", language: "typescript" };
  // The widgets open at the end, so that a front end with a widget manager shows them; a state
  // saved by an earlier run (or front end) names models this run did not make, so it goes.
  const widgetState = widgets.metadata();
  if (widgetState) notebook.metadata.widgets = widgetState;
  else delete notebook.metadata.widgets;
  return { notebook, failed, statuses, timedOut };
}
