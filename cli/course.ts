// Runs notebooks headless through the kernel (`parallab run`, and the course for `npm start`):
// each in its own kernel over our ZMQ client, with a progress bar, writing the executed
// notebooks; the kernel records the %%check cells into the tracker as they pass.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { runNotebook, writeNotebook } from "./run-notebook.js";
import type { KernelStarter } from "./runner/notebook-kernel.js";
import { progressLine } from "./progress.js";

export interface CourseOptions {
  outDir: string;
  allowErrors?: boolean;
  timeoutMs?: number;
  learner?: string;
  /** Starts each notebook's kernel: a local one by default, or one on a Jupyter server. */
  startKernel?: KernelStarter;
  /** Where progress goes (a terminal gets a bar that redraws in place). */
  progress?: NodeJS.WriteStream;
}

export interface NotebookRun {
  source: string;
  output: string;
  seconds: number;
  failed: { cell: number; ename: string; evalue: string } | null;
}

export async function runNotebooks(files: string[], options: CourseOptions): Promise<NotebookRun[]> {
  mkdirSync(options.outDir, { recursive: true });
  const out = options.progress ?? process.stderr;
  const env = options.learner ? { ...process.env, PARALLAB_LEARNER: options.learner } : process.env;
  const runs: NotebookRun[] = [];
  for (const source of files) {
    const name = path.basename(source);
    const started = Date.now();
    const { notebook, failed } = await runNotebook(source, {
      startKernel: options.startKernel,
      env,
      allowErrors: options.allowErrors,
      timeoutMs: options.timeoutMs,
      onCell: (n, total, outcome) => {
        const line = `${progressLine(name, n, total)}${outcome === "error" ? " (error)" : ""}`;
        if (out.isTTY) out.write(`\r${line}\u001b[K`);
        else if (n === total || outcome === "error") out.write(`${line}\n`);
      },
    });
    const output = path.join(options.outDir, name);
    writeNotebook(output, notebook);
    const seconds = (Date.now() - started) / 1000;
    if (out.isTTY) out.write(`\r${name} ${failed ? `failed at cell ${failed.cell + 1}` : "done"} in ${seconds.toFixed(1)} s\u001b[K\n`);
    runs.push({ source, output, seconds, failed });
    if (failed && !options.allowErrors) break;
  }
  return runs;
}
