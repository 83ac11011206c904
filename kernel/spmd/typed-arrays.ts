// The typed arrays, written once: what parallel.map shares, what comm sends raw and combines in
// allreduce, and the type codes of the MPI addon.

/** Any typed array, on an ArrayBuffer or a SharedArrayBuffer. */
export type TypedArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

/** The typed arrays of numbers (not of bigints): what comm.allreduce combines. */
export type NumberArray = Exclude<TypedArray, BigInt64Array | BigUint64Array>;

/** Their constructors in napi_typedarray_type order: a constructor's index is the type code the MPI addon reports. */
export const TYPED_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array] as const;

export function isTypedArray(value: unknown): value is TypedArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}
