// tfjs's float32 BatchMatMul and _FusedMatMul on the wasm backend through OpenBLAS: the wasm
// kernels (XNNPACK, one thread) do ~20 GFLOP/s at n=1024 where OpenBLAS does ~150. tfjs-layers'
// Dense runs _FusedMatMul (bias, and the activation outside training), so both are needed for a
// dense layer to leave XNNPACK. Anything the addon does not cover goes to tfjs's own kernel.
import { ACTIVATIONS, heapViews, type TensorInfo, type WasmBackend } from "./native-blas.js";
import type { NativeOverride, OverrideContext } from "./native-override.js";

interface MatMulArgs {
  inputs: { a: TensorInfo; b: TensorInfo; bias?: TensorInfo | null; preluActivationWeights?: TensorInfo | null };
  backend: WasmBackend;
  attrs: { transposeA: boolean; transposeB: boolean; activation?: string; leakyreluAlpha?: number };
}

const size = (shape: number[]): number => shape.reduce((p, d) => p * d, 1);
const sameShape = (x: number[], y: number[]): boolean => x.length === y.length && x.every((d, i) => d === y[i]);

/** The GEMMs for op(a) x op(b), or null when tfjs's kernel must run (other broadcasting, a mismatch). */
function plan(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): { rows: number; n: number; k: number; batch: number; outShape: number[] } | null {
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (a.dtype !== "float32" || b.dtype !== "float32" || ra < 2 || rb < 2) return null;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  // A mismatch goes to the original kernel, which throws tfjs's own message.
  if (k !== (transposeB ? b.shape[rb - 1] : b.shape[rb - 2])) return null;
  const batchDims = a.shape.slice(0, -2);
  const bBatchDims = b.shape.slice(0, -2);
  const outShape = [...batchDims, m, n];
  if (sameShape(batchDims, bBatchDims)) return { rows: m, n, k, batch: size(batchDims), outShape }; // one GEMM per stacked pair
  // [..., m, k] x [k, n] (activations x weights): a's stacked matrices are one (batch*m x k) matrix.
  if (!transposeA && bBatchDims.every((d) => d === 1) && batchDims.length >= bBatchDims.length) return { rows: m * size(batchDims), n, k, batch: 1, outShape };
  return null;
}

function matMul(ctx: OverrideContext, fused: boolean) {
  return (args: MatMulArgs): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { a, b } = inputs;
    const bias = fused ? inputs.bias : null;
    const activation = fused ? ACTIVATIONS[attrs.activation ?? "linear"] : 0;
    const shape = plan(a, b, attrs.transposeA, attrs.transposeB);
    // prelu, a bias that is not a float32 vector of n values (or 1): tfjs's kernel, and its errors.
    const biasOk = !bias || (bias.dtype === "float32" && bias.shape.length === 1 && (bias.shape[0] === 1 || bias.shape[0] === shape?.n));
    if (!shape || activation === undefined || inputs.preluActivationWeights || !biasOk) return ctx.fallback(args) as TensorInfo;
    const out = backend.makeOutput(shape.outShape, "float32");
    const view = heapViews(backend);
    ctx.calls.native++;
    ctx.blas.sgemm(attrs.transposeA, attrs.transposeB, shape.rows, shape.n, shape.k, view(a), view(b), view(out), shape.batch, bias ? view(bias) : undefined, activation, attrs.leakyreluAlpha ?? 0);
    return out;
  };
}

export const batchMatMulOverride: NativeOverride = { kernelName: "BatchMatMul", make: (ctx) => matMul(ctx, false) };
export const fusedMatMulOverride: NativeOverride = { kernelName: "_FusedMatMul", make: (ctx) => matMul(ctx, true) };
