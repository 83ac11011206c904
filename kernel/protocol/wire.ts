import type { Header, Message } from "./messages.js";
import type { Signer } from "./signer.js";
import { type ErrorKind, ParallabError } from "../../common/errors.js";

const DELIMITER = "<IDS|MSG>";

export class BadSignatureError extends ParallabError {
  override readonly kind: ErrorKind = "protocol";
  override name = "BadSignatureError";
  constructor(readonly msgType: string) {
    super(`rejected a ${msgType} message with a bad signature`);
  }
}

/** Multipart frames → message. Throws BadSignatureError when the HMAC does not match. */
export function decode(frames: Buffer[], signer: Signer): Message {
  const split = frames.findIndex((f) => f.length === DELIMITER.length && f.toString("latin1") === DELIMITER);
  if (split < 0 || frames.length < split + 6) throw new Error("malformed message: no delimiter or missing frames");
  const identities = frames.slice(0, split);
  const signature = frames[split + 1]!.toString("latin1");
  const parts = frames.slice(split + 2, split + 6);
  const header = JSON.parse(parts[0]!.toString("utf8")) as Header;
  if (!signer.verify(signature, parts)) throw new BadSignatureError(String(header?.msg_type));
  return {
    identities,
    header,
    parent_header: JSON.parse(parts[1]!.toString("utf8")),
    metadata: JSON.parse(parts[2]!.toString("utf8")),
    content: JSON.parse(parts[3]!.toString("utf8")),
    buffers: frames.slice(split + 6),
  };
}

export interface OutgoingMessage {
  identities?: Buffer[];
  header: Header;
  parent_header: Header | Record<string, never>;
  metadata?: Record<string, unknown>;
  content: unknown;
  buffers?: (Buffer | ArrayBuffer | Uint8Array)[];
}

/** Message → multipart frames, signed. */
export function encode(msg: OutgoingMessage, signer: Signer): (Buffer | string)[] {
  const parts = [JSON.stringify(msg.header), JSON.stringify(msg.parent_header ?? {}), JSON.stringify(msg.metadata ?? {}), JSON.stringify(msg.content ?? {})];
  const buffers = (msg.buffers ?? []).map((b) => Buffer.from(b instanceof ArrayBuffer ? new Uint8Array(b) : b));
  return [...(msg.identities ?? []), DELIMITER, signer.sign(parts), ...parts, ...buffers];
}
