// Comms as the Jupyter messaging spec has them, seen from a cell: `import { comms } from
// "parallab"`. Laid out as @jupyterlab/services lays out its kernel comms: these interfaces,
// the implementation (comm.ts, manager.ts), and the typed messages (kernel/protocol/messages.ts).

/** A comm message's JSON part. */
export type CommData = Record<string, unknown>;

/** Binary buffers that travel with a comm message, as extra frames of the wire message. */
export type CommBuffers = readonly (ArrayBuffer | ArrayBufferView)[];

/** A message from the front end on a comm: the comm_open that opened it, a comm_msg or a comm_close. */
export interface CommMessage {
  /** The comm it arrived on. */
  commId: string;
  data: CommData;
  metadata: Record<string, unknown>;
  buffers: Uint8Array[];
  /** The front end's msg_id: what the handler prints or displays has this message as its parent. */
  msgId: string;
}

export interface CommSendOptions {
  metadata?: Record<string, unknown>;
  buffers?: CommBuffers;
}

/** One end of a comm; the other end is in the front end (every front end: iopub is broadcast). */
export interface JupyterComm {
  readonly commId: string;
  readonly targetName: string;
  /** True once either side closed it: then it can no longer send. */
  readonly isClosed: boolean;
  /** Sends a comm_msg to the front end. */
  send(data?: CommData, options?: CommSendOptions): void;
  /** Sends a comm_close (once) and forgets the comm. */
  close(data?: CommData, options?: CommSendOptions): void;
  /** Calls `handler` with each comm_msg from the front end; returns a function that stops it. */
  onMsg(handler: (msg: CommMessage) => unknown): () => void;
  /** Calls `handler` when the front end closes the comm. */
  onClose(handler: (msg: CommMessage) => unknown): () => void;
}

/** Called when a front end opens a comm to a registered target. */
export type CommTargetHandler = (comm: JupyterComm, open: CommMessage) => unknown;

/** `comms` of the parallab module. */
export interface CommsApi {
  /** Accepts the comms front ends open to `targetName` (a comm_open to a target nobody registered is closed). */
  registerTarget(targetName: string, handler: CommTargetHandler): void;
  unregisterTarget(targetName: string): void;
  /** Opens a comm to the front end's `targetName`. */
  open(targetName: string, data?: CommData, options?: CommSendOptions): JupyterComm;
  /** The open comms, as comm_info_reply lists them: comm id → its target. */
  list(targetName?: string): Record<string, { target_name: string }>;
}
