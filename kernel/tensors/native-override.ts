// What a native kernel override is given: the addon, tfjs, its call counters, and the way back
// to tfjs's own kernel (the fallback) for the cases the addon does not cover.
import type { NativeBlas, TfKernelRegistry } from "./native-blas.js";
import { type ErrorKind, ParallabError } from "../../common/errors.js";

/** Calls of one overridden kernel since load: tests, %%gpu and the benchmarks check that OpenBLAS really ran. */
export interface KernelCalls {
  native: number;
  fallback: number;
}

export interface OverrideContext {
  blas: NativeBlas;
  tf: TfKernelRegistry;
  calls: KernelCalls;
  /** Runs tfjs's own kernel (counted as a fallback), or throws tfjs's error when the wasm backend has none. */
  fallback(args: unknown): unknown;
}

export interface NativeOverride {
  kernelName: string;
  make(ctx: OverrideContext): (args: never) => unknown;
}

/** A kernel that only the addon provides on wasm (Conv2DBackpropFilter) met a case the addon does not cover. */
export class NativeKernelError extends ParallabError {
  override readonly kind: ErrorKind = "unavailable";
  override name = "NativeKernelError";
}
