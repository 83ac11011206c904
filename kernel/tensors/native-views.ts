// Identity and same-dtype Cast on the wasm backend as views of the input's data (a reference
// count more, no copy), as tfjs's cpu and webgl backends do them and as wasm's own Reshape
// does. tfjs-backend-wasm 4.22 copies the whole tensor for both, and a convolution's training
// step runs them on its largest tensors (the relu gradient casts a float32 step to float32):
// tf.profile of the CNN in bench/train, batch 128, counted ~9 ms a step in Identity and Cast.
// Tensors are immutable in tfjs (a variable's assign swaps its data), so sharing is safe.
import type { TensorInfo } from "./native-blas.js";
import type { NativeOverride, OverrideContext } from "./native-override.js";

interface ViewBackend {
  incRef(dataId: object): void;
}

interface IdentityArgs {
  inputs: { x: TensorInfo };
  backend: ViewBackend;
}

interface CastArgs extends IdentityArgs {
  attrs: { dtype: string };
}

function view(ctx: OverrideContext, args: IdentityArgs): TensorInfo {
  const { x } = args.inputs;
  ctx.calls.native++;
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

function identity(ctx: OverrideContext) {
  // Strings live outside the heap: tfjs's kernel rebuilds them.
  return (args: IdentityArgs): TensorInfo => (args.inputs.x.dtype === "string" ? (ctx.fallback(args) as TensorInfo) : view(ctx, args));
}

function cast(ctx: OverrideContext) {
  return (args: CastArgs): TensorInfo => (args.inputs.x.dtype === args.attrs.dtype && args.inputs.x.dtype !== "string" ? view(ctx, args) : (ctx.fallback(args) as TensorInfo));
}

export const identityOverride: NativeOverride = { kernelName: "Identity", make: identity };
export const castOverride: NativeOverride = { kernelName: "Cast", make: cast };
