import { inspect } from "node:util";
import type { MimeBundle } from "../protocol/messages.js";

/** Objects that know how to show themselves implement this (like IPython's _repr_mimebundle_). */
export const MIME_BUNDLE = Symbol.for("parallab.mimebundle");

export interface Displayable {
  [MIME_BUNDLE](): MimeBundle;
}

const MIME_KEY = /^[a-z]+\/[\w.+-]+$/;

export function isMimeBundle(value: unknown): value is MimeBundle {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => MIME_KEY.test(k));
}

/** How a value looks as a cell result or a display: util.inspect with the Node REPL's options. */
export function plainText(value: unknown): string {
  return inspect(value, { showProxy: true });
}

/** Any value → a mime bundle that always has a text/plain part. */
export function toMimeBundle(value: unknown): MimeBundle {
  if (value !== null && typeof value === "object" && typeof (value as Partial<Displayable>)[MIME_BUNDLE] === "function") {
    return withTextFallback((value as Displayable)[MIME_BUNDLE]());
  }
  if (isMimeBundle(value)) return withTextFallback(value);
  return { "text/plain": plainText(value) };
}

export function withTextFallback(bundle: MimeBundle): MimeBundle {
  if (typeof bundle["text/plain"] === "string") return bundle;
  const markdown = bundle["text/markdown"];
  const text = typeof markdown === "string" ? markdown : `<${Object.keys(bundle).join(", ")}>`;
  return { ...bundle, "text/plain": text };
}
