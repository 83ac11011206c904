// Ops that a small convolutional model's training step spends most of its time in on wasm once
// the convolutions run on OpenBLAS (tf.profile of one epoch of the 3x3x32 conv + 2x2
// max-pool + dense model at batch 128): MaxPoolGrad, ~68 ms a step in tfjs's wasm kernel, and
// Sum, ~22 ms a step, mostly the conv bias's gradient ([128, 26, 26, 32] -> [32]), which the
// wasm kernel transposes before it reduces; and MaxPool itself. All are plain loops in native/blas.
import type { Conv2DInfo, TensorInfo, WasmBackend } from "./native-blas.js";
import { heapViews } from "./native-blas.js";
import { geometry } from "./native-conv.js";
import type { NativeOverride, OverrideContext } from "./native-override.js";

type Shape4 = [number, number, number, number];

interface MaxPoolGradArgs {
  inputs: { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
  backend: WasmBackend;
  attrs: { filterSize: number | [number, number]; strides: number | [number, number]; pad: unknown; dimRoundingMode?: unknown };
}

interface SumArgs {
  inputs: { x: TensorInfo };
  backend: WasmBackend;
  attrs: { axis: number | number[]; keepDims: boolean };
}

const same = (x: number[], y: number[]): boolean => x.length === y.length && x.every((d, i) => d === y[i]);
const size = (shape: number[]): number => shape.reduce((p, d) => p * d, 1);

function maxPoolGrad(ctx: OverrideContext) {
  return (args: MaxPoolGradArgs): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { dy, input } = inputs;
    const info = dy.dtype === "float32" ? poolInfo(ctx, input, attrs) : null;
    if (!info || !same(info.outShape, dy.shape)) return ctx.fallback(args) as TensorInfo;
    const dx = backend.makeOutput([...input.shape], "float32");
    const view = heapViews(backend);
    ctx.calls.native++;
    ctx.blas.maxPoolGrad(geometry(info), view(dy), view(input), view(dx));
    return dx;
  };
}

interface MaxPoolArgs {
  inputs: { x: TensorInfo };
  backend: WasmBackend;
  attrs: MaxPoolGradArgs["attrs"];
}

/** tfjs's pooling geometry for an NHWC float32 input, or null (tfjs's kernel then runs, and says why). */
function poolInfo(ctx: OverrideContext, x: TensorInfo, attrs: MaxPoolGradArgs["attrs"]): Conv2DInfo | null {
  if (x.dtype !== "float32" || x.shape.length !== 4) return null;
  try {
    return ctx.tf.backend_util.computePool2DInfo(x.shape as Shape4, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode) as Conv2DInfo;
  } catch {
    return null;
  }
}

function maxPool(ctx: OverrideContext) {
  return (args: MaxPoolArgs): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const info = poolInfo(ctx, inputs.x, attrs);
    if (!info) return ctx.fallback(args) as TensorInfo;
    const y = backend.makeOutput(info.outShape, "float32");
    const view = heapViews(backend);
    ctx.calls.native++;
    ctx.blas.maxPool(geometry(info), view(inputs.x), view(y));
    return y;
  };
}

/** The reduced axes as a leading (0) or trailing (1) block, with the rows and columns of x; null otherwise. */
function block(shape: number[], axis: number | number[]): { rows: number; cols: number; axis: 0 | 1; outShape: number[] } | null {
  const rank = shape.length;
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  if (axes.length === 0 || axes.some((a, i) => a !== axes[0]! + i || a < 0 || a >= rank)) return null;
  const first = axes[0]!;
  const last = axes[axes.length - 1]!;
  if (first === 0) return { rows: size(shape.slice(0, last + 1)), cols: size(shape.slice(last + 1)), axis: 0, outShape: shape.slice(last + 1) };
  if (last === rank - 1) return { rows: size(shape.slice(0, first)), cols: size(shape.slice(first)), axis: 1, outShape: shape.slice(0, first) };
  return null;
}

function sum(ctx: OverrideContext) {
  return (args: SumArgs): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const plan = x.dtype === "float32" && x.shape.length > 0 ? block(x.shape, attrs.axis) : null;
    if (!plan) return ctx.fallback(args) as TensorInfo;
    const reduced = new Set((Array.isArray(attrs.axis) ? attrs.axis : [attrs.axis]).map((a) => (a < 0 ? a + x.shape.length : a)));
    const outShape = attrs.keepDims ? x.shape.map((d, i) => (reduced.has(i) ? 1 : d)) : plan.outShape;
    const out = backend.makeOutput(outShape, "float32");
    const view = heapViews(backend);
    ctx.calls.native++;
    ctx.blas.sumRows(view(x), plan.rows, plan.cols, view(out), plan.axis);
    return out;
  };
}

export const maxPoolOverride: NativeOverride = { kernelName: "MaxPool", make: maxPool };
export const maxPoolGradOverride: NativeOverride = { kernelName: "MaxPoolGrad", make: maxPoolGrad };
export const sumOverride: NativeOverride = { kernelName: "Sum", make: sum };
