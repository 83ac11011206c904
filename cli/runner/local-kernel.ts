// A kernel this process starts itself, spoken to over ZMQ with our own client.
import path from "node:path";
import { KernelClient } from "../../client/kernel-client.js";
import { launchKernel } from "../../client/launch.js";
import type { CellExecution, KernelStarter, NotebookKernel } from "./notebook-kernel.js";

export const startLocalKernel: KernelStarter = async ({ notebook, env }) => {
  const kernel = await launchKernel({ cwd: path.dirname(path.resolve(notebook)), env });
  const client = new KernelClient(kernel.connection);
  try {
    await client.ready();
  } catch (err) {
    client.close();
    kernel.process.kill();
    throw err;
  }
  return {
    where: "a local kernel",
    async execute(code, options) {
      const { reply } = await client.execute(code, { onOutput: options.onOutput, stopOnError: options.stopOnError, timeoutMs: options.timeoutMs });
      return reply.content as unknown as CellExecution;
    },
    async shutdown() {
      await client.request("control", "shutdown_request", { restart: false }, { timeoutMs: 5000 }).catch(() => undefined);
      client.close();
      if (kernel.process.exitCode === null) kernel.process.kill();
    },
  } satisfies NotebookKernel;
};
