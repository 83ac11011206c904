import type { TslabAdapter } from "../execute/tslab-adapter.js";
import type { OutputRouter } from "../execute/output-router.js";
import type { HistoryStore } from "../history/store.js";
import type { MagicRegistry } from "../magics/registry.js";
import type { IoClient } from "../io/io-client.js";
import type { ReplyContents, ReplyType } from "../protocol/messages.js";

/** What request handlers share: built once by the kernel. */
export interface KernelServices {
  io: IoClient;
  router: OutputRouter;
  registry: MagicRegistry;
  history: HistoryStore;
  /** The compiler and executor; resolves once TypeScript is loaded. */
  adapter(): Promise<TslabAdapter>;
  /** Sets up what a cell's code needs before it runs (tensors, when it uses `tf`). */
  prepare(code: string): Promise<void>;
}

/** A reply to send: `msgType` pairs with its content's shape. */
export type Reply = { [T in ReplyType]: { msgType: T; content: ReplyContents[T]; metadata?: Record<string, unknown> } }[ReplyType];
