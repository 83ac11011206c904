// GatherV2 on the wasm backend as row copies on the heap: model.fit gathers every batch's rows
// of x and y by the shuffled indices, and tfjs's wasm kernel copies element by element through
// strides after reading the indices back (tf.profile of an MLP epoch, 784 inputs, batch 128:
// ~7 ms a step for the two gathers, about as long as the step's four GEMMs). Here each gathered
// slice is one copyWithin of contiguous bytes. No addon call: plain JS on the wasm heap.
import type { TensorInfo, WasmBackend } from "./native-blas.js";
import type { NativeOverride, OverrideContext } from "./native-override.js";

interface GatherArgs {
  inputs: { x: TensorInfo; indices: TensorInfo };
  backend: Omit<WasmBackend, "makeOutput"> & { makeOutput(shape: number[], dtype: string): TensorInfo };
  attrs: { axis: number; batchDims: number };
}

const BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1 };
const size = (shape: number[]): number => shape.reduce((p, d) => p * d, 1);

function gather(ctx: OverrideContext) {
  return (args: GatherArgs): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x, indices } = inputs;
    const rank = x.shape.length;
    const axis = attrs.axis < 0 ? attrs.axis + rank : attrs.axis;
    const bytes = BYTES[x.dtype];
    const n = size(indices.shape);
    const xData = backend.dataIdMap.get(x.dataId);
    const indexData = backend.dataIdMap.get(indices.dataId);
    if (!bytes || attrs.batchDims !== 0 || indices.dtype !== "int32" || axis < 0 || axis >= rank || n === 0 || size(x.shape) === 0 || !xData || !indexData) return ctx.fallback(args) as TensorInfo;
    const dim = x.shape[axis]!;
    const indexAt = (heap: ArrayBufferLike) => new Int32Array(heap, indexData.memoryOffset, n);
    // An index out of range: tfjs's kernel throws its own message.
    if (indexAt(backend.wasm.HEAPU8.buffer).some((i) => i < 0 || i >= dim)) return ctx.fallback(args) as TensorInfo;
    const out = backend.makeOutput([...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)], x.dtype);
    // Views only after makeOutput: its malloc may grow wasm memory, which detaches the old buffer.
    const heap = backend.wasm.HEAPU8;
    const index = indexAt(heap.buffer);
    const outOffset = backend.dataIdMap.get(out.dataId)!.memoryOffset;
    const slice = size(x.shape.slice(axis + 1)) * bytes;
    const outer = size(x.shape.slice(0, axis));
    ctx.calls.native++;
    for (let o = 0; o < outer; o++) {
      const from = xData.memoryOffset + o * dim * slice;
      const to = outOffset + o * n * slice;
      for (let i = 0; i < n; i++) {
        const start = from + index[i]! * slice;
        heap.copyWithin(to + i * slice, start, start + slice);
      }
    }
    return out;
  };
}

export const gatherOverride: NativeOverride = { kernelName: "GatherV2", make: gather };
