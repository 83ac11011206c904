// tslab runs every cell against `exports`, a Proxy whose only trap is defineProperty (so that
// TypeScript's `Object.defineProperty(exports, …)` getters become plain, rewritable values).
// A Proxy costs every access, and each assignment goes through the trap: a top-level loop
// such as `let t = 0; for (…) t += k` ran about 30× slower than the same loop in a block, which
// would flatter every parallel speed-up measured against it. Cells run against the Proxy's
// plain target instead; the one thing the trap did, the compiled code now asks for by name.

/** The global that stands in for `Object.defineProperty` on `exports` (same length: columns keep). */
export const DEFINE_EXPORT = "__parallab_defineProp";
const CALL = /\bObject\.defineProperty\(exports,/g;

const GRAB = "__parallab_exports_target__";

/**
 * The plain object behind tslab's exports Proxy. Its defineProperty trap assigns to the target;
 * for that one call, an inherited setter with the same name receives the target as `this`.
 */
export function exportsTarget(proxy: object): Record<string, unknown> {
  let target: Record<string, unknown> | null = null;
  Object.defineProperty(Object.prototype, GRAB, {
    configurable: true,
    set(this: Record<string, unknown>) {
      target = this;
    },
  });
  try {
    Object.defineProperty(proxy, GRAB, { value: true, configurable: true, enumerable: false, writable: true });
  } finally {
    delete (Object.prototype as Record<string, unknown>)[GRAB];
  }
  if (!target) throw new Error("tslab's exports object has changed: its Proxy target could not be found");
  return target;
}

/** What tslab's trap did: a getter's value or the value, as a plain writable property. */
function defineExport(exports: Record<string, unknown>, name: string, attributes: PropertyDescriptor): Record<string, unknown> {
  if (name !== "__esModule") exports[name] = attributes.get ? attributes.get() : attributes.value;
  return exports;
}

/** Runs cells against `target`, with their defineProperty calls on `exports` rewritten. */
export function usePlainExports(tslabGlobal: { exports: object }, target: Record<string, unknown>): void {
  tslabGlobal.exports = target;
  Object.defineProperty(globalThis, DEFINE_EXPORT, { value: defineExport, configurable: true, writable: false, enumerable: false });
}

export function rewriteDefineExports(output: string): string {
  return output.replace(CALL, `${DEFINE_EXPORT}(exports,`);
}
