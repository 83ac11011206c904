// The tensors a value holds: a tensor, or arrays, plain objects, Maps and Sets of them (what
// tfjs calls a TensorContainer, and what a notebook variable usually holds).
import type { Tf } from "./tfjs.js";

export type TensorLike = { id: number; size: number; dtype: string; shape: number[]; kept?: boolean; isDisposed: boolean; dataSync(): unknown; data(): Promise<unknown> };

/** Tensors inside `value`, each once; class instances other than tensors are not looked into. */
export function tensorsIn(tf: Tf, value: unknown, out: TensorLike[] = [], seen = new Set<unknown>()): TensorLike[] {
  if (value === null || typeof value !== "object" || seen.has(value)) return out;
  seen.add(value);
  if (value instanceof tf.Tensor) out.push(value as unknown as TensorLike);
  else if (Array.isArray(value)) for (const v of value) tensorsIn(tf, v, out, seen);
  else if (value instanceof Map) for (const v of value.values()) tensorsIn(tf, v, out, seen);
  else if (value instanceof Set) for (const v of value) tensorsIn(tf, v, out, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) for (const v of Object.values(value)) tensorsIn(tf, v, out, seen);
  return out;
}
