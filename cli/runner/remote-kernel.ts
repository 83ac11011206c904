// A kernel on a Jupyter server (a team's JupyterHub, a GPU box), through @jupyterlab/services:
// a session per notebook, as JupyterLab opens one, so the server lists it like any other.
// Not ServiceManager: its event stream (/api/events) does not exist on jupyter_server 1.x.
import path from "node:path";
import { KernelManager, SessionManager, type KernelMessage } from "@jupyterlab/services";
import { KERNEL_NAME } from "../kernelspec.js";
import { checkServer, serverSettings, type ServerAddress } from "./jupyter-server.js";
import type { CellExecution, KernelStarter, NotebookKernel } from "./notebook-kernel.js";
import { type ErrorKind, ParallabError } from "../../common/errors.js";

export class CellTimeoutError extends ParallabError {
  override readonly kind: ErrorKind = "timeout";
  override name = "CellTimeoutError";
}

export function remoteKernelStarter(address: ServerAddress): KernelStarter {
  const settings = serverSettings(address);
  let checked: Promise<void> | null = null;
  return async ({ notebook }) => {
    checked ??= checkServer(address);
    await checked;
    const kernelManager = new KernelManager({ serverSettings: settings });
    const sessions = new SessionManager({ kernelManager, serverSettings: settings });
    const dispose = () => {
      sessions.dispose();
      kernelManager.dispose();
    };
    let session;
    try {
      await sessions.ready;
      // handleComms false: the runner only records the widgets' comm messages (cli/widget-state.ts);
      // a client that handles comms closes each comm_open whose target it has not registered.
      session = await sessions.startNew(
        { path: path.basename(notebook), type: "notebook", name: path.basename(notebook), kernel: { name: KERNEL_NAME } },
        { kernelConnectionOptions: { handleComms: false } },
      );
    } catch (err) {
      dispose();
      throw err;
    }
    const kernel = session.kernel!;
    await kernel.info;
    return {
      where: address.baseUrl,
      async execute(code, options) {
        const future = kernel.requestExecute({ code, stop_on_error: options.stopOnError, allow_stdin: false, store_history: true, silent: false });
        future.onIOPub = (msg) => options.onOutput(msg);
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            void kernel.interrupt().catch(() => undefined);
            reject(new CellTimeoutError(`the cell ran longer than ${options.timeoutMs / 1000} s on ${address.baseUrl}; the kernel was interrupted`));
          }, options.timeoutMs);
        });
        try {
          const reply = (await Promise.race([future.done, timedOut])) as KernelMessage.IExecuteReplyMsg;
          return reply.content as CellExecution;
        } finally {
          clearTimeout(timer);
        }
      },
      async shutdown() {
        await session!.shutdown().catch(() => undefined);
        dispose();
      },
    } satisfies NotebookKernel;
  };
}
