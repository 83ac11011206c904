import type { MimeBundle } from "../protocol/messages.js";

/** Bytes of a PNG, JPEG, GIF or SVG image → a bundle (base64 for binary images). */
export function imageBundle(bytes: Uint8Array | string, alt?: string): MimeBundle {
  if (typeof bytes === "string") {
    if (!/^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(bytes)) throw new TypeError("image(): a string must be SVG markup; pass PNG, JPEG or GIF bytes as a Uint8Array");
    return { "image/svg+xml": bytes, "text/plain": alt ?? "<SVG image>" };
  }
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = sniff(buf);
  if (!type) throw new TypeError("image(): unknown image format; pass the bytes of a PNG, JPEG or GIF file");
  const size = type === "image/png" && buf.length >= 24 ? ` ${buf.readUInt32BE(16)}×${buf.readUInt32BE(20)}` : "";
  return { [type]: buf.toString("base64"), "text/plain": alt ?? `<${type}${size}, ${buf.length} bytes>` };
}

function sniff(buf: Buffer): string | null {
  if (buf.length >= 8 && buf.readUInt32BE(0) === 0x89504e47) return "image/png";
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return "image/jpeg";
  if (buf.length >= 6 && buf.toString("latin1", 0, 4) === "GIF8") return "image/gif";
  const head = buf.toString("utf8", 0, Math.min(buf.length, 256));
  if (/^\s*(<\?xml[^>]*>\s*)?<svg[\s>]/.test(head)) return "image/svg+xml";
  return null;
}
