import type { Signer } from "../protocol/signer.js";
import { encode, type OutgoingMessage } from "../protocol/wire.js";

export interface Sendable {
  send(frames: (Buffer | string)[]): Promise<void>;
}

/** Largest stream message we build by coalescing (bigger bursts become several messages). */
const MAX_COALESCED_CHARS = 1 << 20;

/**
 * Serialises the sends of one socket: zeromq allows one send in flight per socket, so every
 * message waits its turn and none is dropped. While a send is in flight, stream text for the
 * same parent and stream name is appended to the last queued stream message: bursts become a
 * few large messages (as ipykernel's IOPub batching does) and single prints leave at once.
 */
export class SendQueue {
  private queue: OutgoingMessage[] = [];
  private draining: Promise<void> | null = null;

  constructor(
    private readonly socket: Sendable,
    private readonly signer: Signer,
    private readonly onError: (err: Error) => void,
  ) {}

  push(msg: OutgoingMessage): void {
    if (msg.header.msg_type === "stream" && this.coalesce(msg)) return;
    this.queue.push(msg);
    this.draining ??= this.drain();
  }

  /** Resolves once everything queued so far has been handed to the socket. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private coalesce(msg: OutgoingMessage): boolean {
    const last = this.queue[this.queue.length - 1];
    if (last?.header.msg_type !== "stream") return false;
    const a = last.content as { name: string; text: string };
    const b = msg.content as { name: string; text: string };
    const lastParent = (last.parent_header as { msg_id?: string }).msg_id;
    const parent = (msg.parent_header as { msg_id?: string }).msg_id;
    if (a.name !== b.name || lastParent !== parent || a.text.length + b.text.length > MAX_COALESCED_CHARS) return false;
    a.text += b.text;
    return true;
  }

  private async drain(): Promise<void> {
    try {
      for (let msg = this.queue.shift(); msg; msg = this.queue.shift()) {
        try {
          await this.socket.send(encode(msg, this.signer));
        } catch (err) {
          this.onError(err as Error);
        }
      }
    } finally {
      this.draining = null;
    }
  }
}
