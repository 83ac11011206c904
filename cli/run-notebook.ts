import { writeFileSync } from "node:fs";
import { KernelClient } from "../kernel/client/kernel-client.js";
import { launchKernel } from "../kernel/client/launch.js";
import { OutputCollector, readNotebook, sourceText, type Notebook } from "./notebook.js";

export interface RunOptions {
  allowErrors?: boolean;
  cwd?: string;
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

/** Executes a notebook's code cells in a fresh kernel over ZMQ and fills in their outputs. */
export async function runNotebook(file: string, options: RunOptions = {}): Promise<RunResult> {
  const notebook = readNotebook(file);
  const kernel = await launchKernel({ cwd: options.cwd, env: options.env });
  const client = new KernelClient(kernel.connection);
  let failed: RunResult["failed"] = null;
  try {
    await client.ready();
    const code = notebook.cells.map((c, i) => [c, i] as const).filter(([c]) => c.cell_type === "code");
    for (const [n, [cell, index]] of code.entries()) {
      const collector = new OutputCollector();
      const { reply } = await client.execute(sourceText(cell), { onOutput: (m) => collector.add(m), stopOnError: !options.allowErrors, timeoutMs: options.timeoutMs ?? 10 * 60_000 });
      const content = reply.content as { status: string; execution_count: number; ename?: string; evalue?: string };
      cell.outputs = collector.outputs;
      cell.execution_count = content.execution_count;
      options.onCell?.(n + 1, code.length, content.status === "ok" ? "ok" : "error");
      if (content.status !== "ok" && !failed) failed = { cell: index, ename: content.ename ?? "Error", evalue: content.evalue ?? "" };
      if (failed && !options.allowErrors) break;
    }
    await client.request("control", "shutdown_request", { restart: false }, { timeoutMs: 5000 }).catch(() => undefined);
  } finally {
    client.close();
    if (kernel.process.exitCode === null) kernel.process.kill();
  }
  notebook.metadata.kernelspec = { name: "parallab", display_name: "TypeScript (Parallab)", language: "typescript" };
  return { notebook, failed };
}

export function writeNotebook(file: string, notebook: Notebook): void {
  writeFileSync(file, `${JSON.stringify(notebook, null, 1)}\n`);
}
