import type { ReplyContents, ReplyType } from "../protocol/messages.js";

/** A reply to send: `msgType` pairs with its content's shape. */
export type Reply = { [T in ReplyType]: { msgType: T; content: ReplyContents[T]; metadata?: Record<string, unknown> } }[ReplyType];
