import { writeFileSync } from "node:fs";
import { OutputCollector, readNotebook, sourceText, type Notebook } from "./notebook.js";
import { startLocalKernel } from "./runner/local-kernel.js";
import type { KernelStarter } from "./runner/notebook-kernel.js";

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
}

/** Executes a notebook's code cells in a fresh kernel and fills in their outputs. */
export async function runNotebook(file: string, options: RunOptions = {}): Promise<RunResult> {
  const notebook = readNotebook(file);
  const kernel = await (options.startKernel ?? startLocalKernel)({ notebook: file, env: options.env });
  let failed: RunResult["failed"] = null;
  try {
    const code = notebook.cells.map((c, i) => [c, i] as const).filter(([c]) => c.cell_type === "code");
    for (const [n, [cell, index]] of code.entries()) {
      const collector = new OutputCollector();
      const reply = await kernel.execute(sourceText(cell), { onOutput: (m) => collector.add(m), stopOnError: !options.allowErrors, timeoutMs: options.timeoutMs ?? 10 * 60_000 });
      cell.outputs = collector.outputs;
      cell.execution_count = reply.execution_count;
      options.onCell?.(n + 1, code.length, reply.status === "ok" ? "ok" : "error");
      if (reply.status !== "ok" && !failed) failed = { cell: index, ename: reply.ename ?? "Error", evalue: reply.evalue ?? "" };
      if (failed && !options.allowErrors) break;
    }
  } finally {
    await kernel.shutdown();
  }
  notebook.metadata.kernelspec = { name: "parallab", display_name: "TypeScript (Parallab)", language: "typescript" };
  return { notebook, failed };
}

export function writeNotebook(file: string, notebook: Notebook): void {
  writeFileSync(file, `${JSON.stringify(notebook, null, 1)}\n`);
}
