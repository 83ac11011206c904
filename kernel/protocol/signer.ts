import { createHmac, timingSafeEqual } from "node:crypto";

/** HMAC signing of the four JSON frames of a message, as the wire protocol specifies. */
export interface Signer {
  sign(frames: readonly (Buffer | string)[]): string;
  /** Timing-safe: the comparison takes the same time wherever the first difference is. */
  verify(signature: string, frames: readonly (Buffer | string)[]): boolean;
}

export function createSigner(key: string, scheme = "hmac-sha256"): Signer {
  if (!key) {
    // An empty key means signing is disabled (jupyter_client's convention).
    return { sign: () => "", verify: () => true };
  }
  const match = /^hmac-(.+)$/.exec(scheme);
  if (!match) throw new Error(`unsupported signature scheme ${scheme}: use hmac-sha256`);
  const algorithm = match[1]!;
  const sign = (frames: readonly (Buffer | string)[]): string => {
    const hmac = createHmac(algorithm, key);
    for (const frame of frames) hmac.update(frame);
    return hmac.digest("hex");
  };
  return {
    sign,
    verify(signature, frames) {
      const expected = Buffer.from(sign(frames), "latin1");
      const actual = Buffer.from(signature, "latin1");
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
  };
}
