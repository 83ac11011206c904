// A key for a call's `with` values that is the same exactly when a worker could not tell two
// calls' values apart: primitives, and typed arrays over the same shared memory.

type View = ArrayBufferView & { length?: number; constructor: { name: string } };

const bufferIds = new WeakMap<SharedArrayBuffer, number>();
let nextBufferId = 1;

function bufferId(buffer: SharedArrayBuffer): number {
  let id = bufferIds.get(buffer);
  if (id === undefined) {
    id = nextBufferId++;
    bufferIds.set(buffer, id);
  }
  return id;
}

function keyOf(value: unknown): string | null {
  switch (typeof value) {
    case "number":
      return Object.is(value, -0) ? "n:-0" : `n:${value}`;
    case "boolean":
    case "bigint":
    case "undefined":
      return `${typeof value}:${String(value)}`;
    case "string":
      // A long text is cheaper to bind again than to compare.
      return value.length <= 256 ? `s:${JSON.stringify(value)}` : null;
  }
  if (value === null) return "null";
  if (value instanceof SharedArrayBuffer) return `sab:${bufferId(value)}`;
  if (ArrayBuffer.isView(value) && value.buffer instanceof SharedArrayBuffer) {
    const view = value as View;
    return `${view.constructor.name}:${bufferId(value.buffer)}:${view.byteOffset}:${view.byteLength}`;
  }
  // Anything else arrives as a copy the function may change: it is bound afresh every call.
  return null;
}

/** The key of `values`, or null when a call must bind its own copies. */
export function valuesKey(values: Record<string, unknown>): string | null {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    const key = keyOf(value);
    if (key === null) return null;
    parts.push(`${name}=${key}`);
  }
  return parts.join("\u0001");
}
