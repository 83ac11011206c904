// What the notebook runner needs from a kernel, wherever it runs: our own ZMQ client to a
// kernel it starts (local), or a Jupyter server's kernel through @jupyterlab/services (remote).

/** An iopub message, as both clients deliver it. */
export interface IopubMessage {
  header: { msg_type: string };
  /** The request it answers: an Output widget takes the outputs of the msg_id it captures. */
  parent_header?: { msg_id?: string };
  content: unknown;
  /** A comm message's binary buffers (a widget's state may hold some). */
  buffers?: (ArrayBuffer | ArrayBufferView)[];
}

export interface CellExecution {
  status: "ok" | "error" | "aborted";
  execution_count: number | null;
  ename?: string;
  evalue?: string;
}

export interface ExecuteCellOptions {
  onOutput: (msg: IopubMessage) => void;
  stopOnError: boolean;
  timeoutMs: number;
}

export interface NotebookKernel {
  /** Where the kernel runs, for messages ("a local kernel", "http://host:8888/"). */
  readonly where: string;
  execute(code: string, options: ExecuteCellOptions): Promise<CellExecution>;
  shutdown(): Promise<void>;
}

export interface KernelStartOptions {
  /** The notebook being run: its directory is the kernel's working directory. */
  notebook: string;
  /** The kernel's environment (local kernels only; a server sets its kernels' own). */
  env?: NodeJS.ProcessEnv;
}

export type KernelStarter = (options: KernelStartOptions) => Promise<NotebookKernel>;
