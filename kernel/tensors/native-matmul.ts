// Runs tfjs's float32 BatchMatMul on the wasm backend through the system's OpenBLAS
// (native/blas, built by cli/scripts/build-native.ts): the wasm kernel (XNNPACK, one thread) does
// ~20 GFLOP/s at n=1024 where OpenBLAS does ~150. The addon reads and writes the wasm heap
// in place, so there is no copy in or out.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { PACKAGE_ROOT } from "../../common/paths.js";

export const NATIVE_BLAS_ADDON = path.join(PACKAGE_ROOT, "native", "blas", "build", "blas.node");

interface NativeBlas {
  sgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, batch?: number): void;
  threads(): number;
}

interface TensorInfo {
  dataId: object;
  shape: number[];
  dtype: string;
}

/** The parts of tfjs-backend-wasm's BackendWasm (4.22) that the kernel uses. */
interface WasmBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: "float32"): TensorInfo;
}

interface BatchMatMulArgs {
  inputs: { a: TensorInfo; b: TensorInfo };
  backend: WasmBackend;
  attrs: { transposeA: boolean; transposeB: boolean };
}

interface KernelConfig {
  kernelName: string;
  backendName: string;
  kernelFunc: (args: never) => unknown;
  setupFunc?: (backend: never) => void;
  disposeFunc?: (backend: never) => void;
}

/** What is used of the tfjs namespace; `import * as tf from "@tensorflow/tfjs"` fits. */
export interface TfKernelRegistry {
  getKernel(kernelName: string, backendName: string): KernelConfig | undefined;
  unregisterKernel(kernelName: string, backendName: string): void;
  registerKernel(config: KernelConfig): void;
}

export type NativeMatMulResult = { ok: true; threads: number } | { ok: false; reason: string };

let blas: NativeBlas | undefined;
let original: KernelConfig | undefined;

/** Calls since load, by path: tests and benchmarks check that OpenBLAS really ran. */
export const nativeMatMulCalls = { native: 0, fallback: 0 };

const size = (shape: number[]): number => shape.reduce((p, d) => p * d, 1);
const sameShape = (x: number[], y: number[]): boolean => x.length === y.length && x.every((d, i) => d === y[i]);

/** The float32 data of a tensor on the wasm backend, as a view of the heap (no copy). */
function heapView(backend: WasmBackend, t: TensorInfo, heap: ArrayBufferLike): Float32Array {
  const data = backend.dataIdMap.get(t.dataId);
  if (!data) throw new Error("native matMul: tensor data is not on the wasm backend");
  return new Float32Array(heap, data.memoryOffset, size(t.shape));
}

function nativeBatchMatMul(args: BatchMatMulArgs): TensorInfo {
  const {
    inputs: { a, b },
    backend,
    attrs: { transposeA, transposeB },
  } = args;
  const fallback = (): TensorInfo => {
    nativeMatMulCalls.fallback++;
    return (original!.kernelFunc as (x: BatchMatMulArgs) => TensorInfo)(args);
  };
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (!blas || a.dtype !== "float32" || b.dtype !== "float32" || ra < 2 || rb < 2) return fallback();
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  // A mismatch goes to the original kernel, which throws tfjs's own message.
  if (k !== (transposeB ? b.shape[rb - 1] : b.shape[rb - 2])) return fallback();
  const batchDims = a.shape.slice(0, -2);
  const bBatchDims = b.shape.slice(0, -2);
  let rows = m;
  let batch = size(batchDims);
  if (sameShape(batchDims, bBatchDims)) {
    // One GEMM per stacked matrix pair.
  } else if (!transposeA && bBatchDims.every((d) => d === 1) && batchDims.length >= bBatchDims.length) {
    // [..., m, k] x [k, n] (activations x weights): a's stacked matrices are one (batch*m x k) matrix.
    rows = m * batch;
    batch = 1;
  } else {
    return fallback(); // other broadcasting
  }
  const out = backend.makeOutput([...batchDims, m, n], "float32");
  // Views only after makeOutput: its malloc may grow wasm memory, which detaches the old buffer.
  const heap = backend.wasm.HEAPU8.buffer;
  nativeMatMulCalls.native++;
  blas.sgemm(transposeA, transposeB, rows, n, k, heapView(backend, a, heap), heapView(backend, b, heap), heapView(backend, out, heap), batch);
  return out;
}

function loadBlas(): NativeBlas | string {
  if (!existsSync(NATIVE_BLAS_ADDON)) return `${path.relative(PACKAGE_ROOT, NATIVE_BLAS_ADDON)} is not built: run \`node dist/cli/scripts/build-native.js\` (needs gcc and libopenblas-dev)`;
  try {
    return createRequire(import.meta.url)(NATIVE_BLAS_ADDON) as NativeBlas;
  } catch (err) {
    return `cannot load ${NATIVE_BLAS_ADDON}: ${(err as Error).message}`;
  }
}

/** Routes the wasm backend's float32 BatchMatMul through OpenBLAS; other cases keep tfjs's kernel. */
export function installNativeMatMul(tf: TfKernelRegistry): NativeMatMulResult {
  if (!blas) {
    const loaded = loadBlas();
    if (typeof loaded === "string") return { ok: false, reason: loaded };
    blas = loaded;
  }
  if (!original) {
    const current = tf.getKernel("BatchMatMul", "wasm");
    if (!current) return { ok: false, reason: 'the tfjs wasm backend is not registered: import "@tensorflow/tfjs-backend-wasm" first' };
    original = current;
    tf.unregisterKernel("BatchMatMul", "wasm");
    // The original's setupFunc still runs at backend init: the fallback needs its cwrap'd function.
    tf.registerKernel({ ...current, kernelFunc: nativeBatchMatMul as (args: never) => unknown });
  }
  return { ok: true, threads: blas.threads() };
}

/** Puts tfjs's own wasm BatchMatMul back. Returns false when the override was not installed. */
export function uninstallNativeMatMul(tf: TfKernelRegistry): boolean {
  if (!original) return false;
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel(original);
  original = undefined;
  return true;
}
