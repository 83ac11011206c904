import { stripVTControlCharacters } from "node:util";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { KernelClient } from "../../client/kernel-client.js";
import { launchKernel, type LaunchedKernel } from "../../client/launch.js";
import type { Message } from "../../kernel/protocol/messages.js";

const TEST_CODE_CACHE = path.join(os.tmpdir(), `parallab-test-code-cache-${process.getuid?.() ?? "user"}`);

export interface TestKernel {
  kernel: LaunchedKernel;
  client: KernelClient;
  dataDir: string;
  /** The kernel's working directory: the notebook's folder. */
  cwd: string;
  stop(): Promise<void>;
}

/**
 * A real kernel process (the built dist/) with a real client, in its own data dir and (unless
 * `cwd` names one) a fresh notebook folder. `argv` is the command line, as launchKernel takes it.
 */
export async function startKernel(options: { dataDir?: string; env?: NodeJS.ProcessEnv; cwd?: string; argv?: string[] } = {}): Promise<TestKernel> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "parallab-test-data-"));
  const cwd = options.cwd ?? mkdtempSync(path.join(os.tmpdir(), "parallab-test-cwd-"));
  // One code cache of the compiler for the run's kernels (each has a data dir of its own).
  const env = { ...process.env, JUPYTER_DATA_DIR: dataDir, PARALLAB_CACHE_DIR: TEST_CODE_CACHE, ...options.env };
  const kernel = await launchKernel({ cwd, argv: options.argv, env });
  const client = new KernelClient(kernel.connection);
  await client.ready();
  return {
    kernel,
    client,
    dataDir,
    cwd,
    async stop() {
      client.close();
      if (kernel.process.exitCode === null && kernel.process.signalCode === null) {
        const exited = new Promise((r) => kernel.process.once("exit", r));
        kernel.process.kill();
        await exited;
      }
    },
  };
}

export const ofType = (outputs: Message[], type: string) => outputs.filter((m) => m.header.msg_type === type);
export const stdout = (outputs: Message[]) =>
  ofType(outputs, "stream")
    .filter((m) => (m.content as { name: string }).name === "stdout")
    .map((m) => (m.content as { text: string }).text)
    .join("");
export const stderr = (outputs: Message[]) =>
  ofType(outputs, "stream")
    .filter((m) => (m.content as { name: string }).name === "stderr")
    .map((m) => (m.content as { text: string }).text)
    .join("");
export const resultText = (outputs: Message[]) => {
  const r = ofType(outputs, "execute_result")[0];
  return r ? String((r.content as { data: Record<string, unknown> }).data["text/plain"]) : undefined;
};
export const errorOf = (outputs: Message[]) => ofType(outputs, "error")[0]?.content as { ename: string; evalue: string; traceback: string[] } | undefined;
// eslint-disable-next-line no-control-regex
export const stripAnsi = (s: string) => stripVTControlCharacters(s);
