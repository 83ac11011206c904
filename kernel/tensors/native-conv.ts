// tfjs's float32 2-D convolutions on the wasm backend through OpenBLAS, as im2col + sgemm in
// native/blas: Conv2D and FusedConv2D (tfjs-layers' Conv2D runs the fused one outside training),
// and the two gradients, Conv2DBackpropInput and Conv2DBackpropFilter. tfjs-backend-wasm 4.22
// has no Conv2DBackpropFilter at all, so without this a convolution cannot be trained on wasm.
// NHWC only (tfjs-layers' own layout); NCHW and prelu go to tfjs's kernels.
import { ACTIVATIONS, type Conv2DInfo, heapViews, type TensorInfo, type WasmBackend } from "./native-blas.js";
import type { NativeOverride, OverrideContext } from "./native-override.js";

type Pad = "valid" | "same" | number | number[][];
type Shape4 = [number, number, number, number];

interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat: "NHWC" | "NCHW";
  dilations?: number | [number, number];
  dimRoundingMode?: "floor" | "round" | "ceil";
}

interface ConvArgs {
  inputs: { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo | null; preluActivationWeights?: TensorInfo | null };
  backend: WasmBackend;
  attrs: ConvAttrs & { activation?: string; leakyreluAlpha?: number };
}

interface BackpropInputArgs {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: WasmBackend;
  attrs: ConvAttrs & { inputShape: Shape4 };
}

interface BackpropFilterArgs {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: WasmBackend;
  attrs: ConvAttrs & { filterShape: Shape4 };
}

const FORWARD = 0;
const BACKPROP_INPUT = 1;
const BACKPROP_FILTER = 2;

const same = (x: number[], y: number[]): boolean => x.length === y.length && x.every((d, i) => d === y[i]);
const float4 = (...ts: TensorInfo[]): boolean => ts.every((t) => t.dtype === "float32" && t.shape.length === 4);

/** tfjs's own geometry (padding, output size), or null when it throws: tfjs's kernel then says why. */
function convInfo(ctx: OverrideContext, xShape: number[], filterShape: number[], attrs: ConvAttrs, dilations: ConvAttrs["dilations"]): Conv2DInfo | null {
  if (attrs.dataFormat !== "NHWC") return null;
  try {
    return ctx.tf.backend_util.computeConv2DInfo(xShape as Shape4, filterShape as Shape4, attrs.strides, dilations ?? 1, attrs.pad, attrs.dimRoundingMode, false, "channelsLast") as Conv2DInfo;
  } catch {
    return null;
  }
}

/** The geometry as native/blas's conv2d and maxPoolGrad read it (geom_t). */
export function geometry(c: Conv2DInfo): Int32Array {
  return Int32Array.from([
    c.batchSize,
    c.inHeight,
    c.inWidth,
    c.inChannels,
    c.outHeight,
    c.outWidth,
    c.outChannels,
    c.filterHeight,
    c.filterWidth,
    c.strideHeight,
    c.strideWidth,
    c.dilationHeight,
    c.dilationWidth,
    c.padInfo.top,
    c.padInfo.left,
  ]);
}

function conv2d(ctx: OverrideContext, fused: boolean) {
  return (args: ConvArgs): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x, filter } = inputs;
    const bias = fused ? inputs.bias : null;
    const activation = fused ? ACTIVATIONS[attrs.activation ?? "linear"] : 0;
    const info = float4(x, filter) ? convInfo(ctx, x.shape, filter.shape, attrs, attrs.dilations) : null;
    const biasOk = !bias || (bias.dtype === "float32" && bias.shape.length === 1 && bias.shape[0] === info?.outChannels);
    if (!info || activation === undefined || inputs.preluActivationWeights || !biasOk) return ctx.fallback(args) as TensorInfo;
    const out = backend.makeOutput(info.outShape, "float32");
    const view = heapViews(backend);
    ctx.calls.native++;
    ctx.blas.conv2d(FORWARD, geometry(info), view(x), view(filter), view(out), bias ? view(bias) : undefined, activation, attrs.leakyreluAlpha ?? 0);
    return out;
  };
}

function backpropInput(ctx: OverrideContext) {
  return (args: BackpropInputArgs): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs;
    const info = float4(dy, filter) ? convInfo(ctx, attrs.inputShape, filter.shape, attrs, 1) : null;
    if (!info || !same(info.outShape, dy.shape)) return ctx.fallback(args) as TensorInfo;
    const dx = backend.makeOutput(info.inShape, "float32");
    const view = heapViews(backend);
    ctx.calls.native++;
    ctx.blas.conv2d(BACKPROP_INPUT, geometry(info), view(dx), view(filter), view(dy));
    return dx;
  };
}

function backpropFilter(ctx: OverrideContext) {
  return (args: BackpropFilterArgs): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x, dy } = inputs;
    const info = float4(x, dy) ? convInfo(ctx, x.shape, attrs.filterShape, attrs, 1) : null;
    if (!info || !same(info.outShape, dy.shape)) return ctx.fallback(args) as TensorInfo;
    const dw = backend.makeOutput([...attrs.filterShape], "float32");
    const view = heapViews(backend);
    ctx.calls.native++;
    ctx.blas.conv2d(BACKPROP_FILTER, geometry(info), view(x), view(dw), view(dy));
    return dw;
  };
}

export const conv2DOverride: NativeOverride = { kernelName: "Conv2D", make: (ctx) => conv2d(ctx, false) };
export const fusedConv2DOverride: NativeOverride = { kernelName: "FusedConv2D", make: (ctx) => conv2d(ctx, true) };
export const conv2DBackpropInputOverride: NativeOverride = { kernelName: "Conv2DBackpropInput", make: backpropInput };
export const conv2DBackpropFilterOverride: NativeOverride = { kernelName: "Conv2DBackpropFilter", make: backpropFilter };
