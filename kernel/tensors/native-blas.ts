// The OpenBLAS addon (native/blas, built by cli/scripts/build-native.ts) and what the native
// kernels share: the wasm backend's heap, read and written in place (no copy in or out), and the
// tfjs kernel-registry types they use.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { PACKAGE_ROOT } from "../../common/paths.js";

export const NATIVE_BLAS_ADDON = path.join(PACKAGE_ROOT, "native", "blas", "build", "blas.node");

/** native/blas/blas.c's exports. */
export interface NativeBlas {
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    batch?: number,
    bias?: Float32Array,
    activation?: number,
    alpha?: number,
  ): void;
  /** kind 0: y = act(conv(x, w) + bias); 1: x = dx of y = dy; 2: w = dW of x and y = dy. */
  conv2d(kind: 0 | 1 | 2, geom: Int32Array, x: Float32Array, w: Float32Array, y: Float32Array, bias?: Float32Array, activation?: number, alpha?: number): void;
  /** y = the maximum of each pooling window of x, padding excluded (geom as conv2d's, in == out channels). */
  maxPool(geom: Int32Array, x: Float32Array, y: Float32Array): void;
  /** dx[argmax of each pooling window of x] += dy (geom as conv2d's, in == out channels). */
  maxPoolGrad(geom: Int32Array, dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  /** x is rows x cols: axis 0 writes the column sums to out, axis 1 the row sums. */
  sumRows(x: Float32Array, rows: number, cols: number, out: Float32Array, axis: 0 | 1): void;
  /** The OpenBLAS threads this thread's calls use. */
  threads(): number;
  /** This thread's calls use n threads (0: OpenBLAS's default, every core); returns the count in effect. */
  setThreads(n: number): number;
}

export interface TensorInfo {
  dataId: object;
  shape: number[];
  dtype: string;
}

/** The parts of tfjs-backend-wasm's BackendWasm (4.22) that the native kernels use. */
export interface WasmBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: "float32"): TensorInfo;
}

export interface KernelConfig {
  kernelName: string;
  backendName: string;
  kernelFunc: (args: never) => unknown;
  setupFunc?: (backend: never) => void;
  disposeFunc?: (backend: never) => void;
}

/** What tfjs's computeConv2DInfo returns that the convolutions use. */
export interface Conv2DInfo {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padInfo: { top: number; left: number };
  dataFormat: "channelsLast" | "channelsFirst";
  inShape: number[];
  outShape: number[];
}

/** What is used of the tfjs namespace; `import * as tf from "@tensorflow/tfjs"` fits. */
export interface TfKernelRegistry {
  getKernel(kernelName: string, backendName: string): KernelConfig | undefined;
  unregisterKernel(kernelName: string, backendName: string): void;
  registerKernel(config: KernelConfig): void;
  backend_util: {
    computePool2DInfo(
      inShape: [number, number, number, number],
      filterSize: number | [number, number],
      strides: number | [number, number],
      dilations: number | [number, number],
      pad: unknown,
      roundingMode?: unknown,
    ): unknown;
    computeConv2DInfo(
      inShape: [number, number, number, number],
      filterShape: [number, number, number, number],
      strides: number | [number, number],
      dilations: number | [number, number],
      pad: unknown,
      roundingMode?: unknown,
      depthwise?: boolean,
      dataFormat?: "channelsFirst" | "channelsLast",
    ): unknown;
  };
}

export const size = (shape: number[]): number => shape.reduce((p, d) => p * d, 1);

/**
 * Views (no copy) of tensors' float32 data on the wasm heap as it is now. Take them only after
 * the kernel's makeOutput: its malloc may grow wasm memory, which detaches the old buffer.
 */
export function heapViews(backend: WasmBackend): (t: TensorInfo) => Float32Array {
  const heap = backend.wasm.HEAPU8.buffer;
  return (t) => {
    const data = backend.dataIdMap.get(t.dataId);
    if (!data) throw new Error("native kernels: tensor data is not on the wasm backend");
    return new Float32Array(heap, data.memoryOffset, size(t.shape));
  };
}

/** The addon, or why it cannot be loaded. */
export function loadBlas(): NativeBlas | string {
  if (!existsSync(NATIVE_BLAS_ADDON)) return `${path.relative(PACKAGE_ROOT, NATIVE_BLAS_ADDON)} is not built: run \`node dist/cli/scripts/build-native.js\` (needs gcc and libopenblas-dev)`;
  try {
    return createRequire(import.meta.url)(NATIVE_BLAS_ADDON) as NativeBlas;
  } catch (err) {
    return `cannot load ${NATIVE_BLAS_ADDON}: ${(err as Error).message}`;
  }
}

/** tfjs's FusableActivation codes (tfjs-backend-wasm kernels/types.ts) that the addon applies; prelu stays in tfjs. */
export const ACTIVATIONS: Readonly<Record<string, number>> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 4, sigmoid: 5, elu: 6 };
