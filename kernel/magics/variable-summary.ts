// How %who and %whos name a value's type and sum it up in a line: IPython's rules (a container's
// length, an array's shape, element count, dtype and bytes, else its text snipped in the middle)
// carried over to JavaScript's values, typed arrays, shared memory and TensorFlow.js tensors.
import { inspect } from "node:util";
import { isTypedArray, type TypedArray } from "../spmd/typed-arrays.js";

/** The type's name as %who TYPE matches it: a constructor's name, or typeof for primitives. */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "function") return /^class[\s{]/.test(Function.prototype.toString.call(value)) ? "class" : "function";
  if (typeof value !== "object") return typeof value;
  try {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === "string" && name ? name : "Object";
  } catch {
    // A Proxy or a getter that throws: still a value worth listing.
    return "Object";
  }
}

const KB = 1024;
const MB = 1024 * 1024;

/** Python's str() of a float: 97.65625, and 1000.0 for a whole number. */
const pyFloat = (x: number) => (Number.isInteger(x) ? x.toFixed(1) : String(x));

/** IPython's ndarray line: `2x3: 6 elems, type \`float32\`, 24 bytes`, with kb or Mb when large. */
function arrayLine(shape: readonly number[], size: number, dtype: string, bytes: number | null): string {
  const head = `${shape.join("x")}: ${size} elems, type \`${dtype}\``;
  if (bytes === null) return head;
  const line = `${head}, ${bytes} bytes`;
  if (bytes < 100000) return line;
  return bytes < MB ? `${line} (${pyFloat(bytes / KB)} kb)` : `${line} (${pyFloat(bytes / MB)} Mb)`;
}

function dtypeOf(array: TypedArray): string {
  const name = array.constructor.name;
  if (name === "Uint8ClampedArray") return "uint8";
  return name
    .replace(/Array$/, "")
    .toLowerCase()
    .replace(/^big/, "");
}

/** A TensorFlow.js tensor, known by its shape without loading tfjs (a %whos never loads it). */
interface TensorLike {
  shape: number[];
  dtype: string;
  size: number;
  isDisposed: boolean;
}

function isTensor(value: object): value is TensorLike {
  const t = value as Partial<TensorLike> & { dataId?: unknown };
  return Array.isArray(t.shape) && typeof t.dtype === "string" && typeof t.size === "number" && t.dataId !== undefined;
}

const TENSOR_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };

const sharedNote = (buffer: ArrayBufferLike) => (buffer instanceof SharedArrayBuffer ? ", shared" : "");

/** The text IPython shows of everything else: str(), on one line, snipped in the middle past 50 characters. */
function text(value: unknown): string {
  let s: string;
  try {
    s = typeof value === "string" ? value : inspect(value, { breakLength: Number.POSITIVE_INFINITY, depth: 1, maxArrayLength: 20, maxStringLength: 100 });
  } catch {
    s = "<object (inspect failed)>";
  }
  s = s.replace(/\n/g, "\\n");
  return s.length < 50 ? s : `${s.slice(0, 25)}<...>${s.slice(-25)}`;
}

/** %whos's Data/Info column. */
export function summary(value: unknown): string {
  if (value === null || typeof value !== "object") return text(value);
  try {
    if (isTypedArray(value)) return arrayLine([value.length], value.length, dtypeOf(value), value.byteLength) + sharedNote(value.buffer);
    if (value instanceof SharedArrayBuffer || value instanceof ArrayBuffer) return `${value.byteLength} bytes${sharedNote(value)}`;
    if (isTensor(value)) {
      if (value.isDisposed) return `disposed (was ${value.shape.join("x") || "scalar"}, type \`${value.dtype}\`)`;
      const per = TENSOR_BYTES[value.dtype];
      return arrayLine(value.shape, value.size, value.dtype, per === undefined ? null : value.size * per);
    }
    if (Array.isArray(value)) return `n=${value.length}`;
    if (value instanceof Map || value instanceof Set) return `size=${value.size}`;
  } catch {
    // A getter that throws: fall back to the text.
  }
  return text(value);
}
