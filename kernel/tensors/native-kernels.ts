// Installs the native kernels over the wasm backend's own: matMuls and 2-D convolutions with
// their gradients through OpenBLAS, the other ops a CNN's training step spends its time in
// (MaxPool, MaxPoolGrad, Sum) in C, model.fit's batch gather (GatherV2, row copies on the heap),
// and Identity and same-dtype Cast (views, not copies); each falls back to tfjs's kernel for
// what it does not cover. The addon's thread count is per thread of this process: the kernel's
// main thread uses every core; a pool worker or rank that trains uses one, so that N workers on
// N cores do not each start N BLAS threads on top of each other.
import { isMainThread } from "node:worker_threads";
import { type KernelConfig, loadBlas, type NativeBlas, type TfKernelRegistry } from "./native-blas.js";
import { conv2DBackpropFilterOverride, conv2DBackpropInputOverride, conv2DOverride, fusedConv2DOverride } from "./native-conv.js";
import { gatherOverride } from "./native-gather.js";
import { batchMatMulOverride, fusedMatMulOverride } from "./native-matmul.js";
import { maxPoolGradOverride, maxPoolOverride, sumOverride } from "./native-train.js";
import { castOverride, identityOverride } from "./native-views.js";
import { type KernelCalls, NativeKernelError, type NativeOverride } from "./native-override.js";

export { NATIVE_BLAS_ADDON } from "./native-blas.js";
export type { KernelCalls } from "./native-override.js";

const OVERRIDES: readonly NativeOverride[] = [
  batchMatMulOverride,
  fusedMatMulOverride,
  conv2DOverride,
  fusedConv2DOverride,
  conv2DBackpropInputOverride,
  conv2DBackpropFilterOverride,
  maxPoolOverride,
  maxPoolGradOverride,
  sumOverride,
  gatherOverride,
  identityOverride,
  castOverride,
];

/** The kernels that run natively on wasm (OpenBLAS, native/blas, or row copies on the heap). */
export const NATIVE_KERNELS: readonly string[] = OVERRIDES.map((o) => o.kernelName);

/** Calls of each overridden kernel since load, by path. */
export const nativeKernelCalls: Readonly<Record<string, KernelCalls>> = Object.fromEntries(NATIVE_KERNELS.map((name) => [name, { native: 0, fallback: 0 }]));

export type NativeKernelsResult = { ok: true; threads: number; kernels: readonly string[]; mainThread: boolean } | { ok: false; reason: string };

let blas: NativeBlas | undefined;
/** tfjs's own wasm kernel for each overridden name while installed (null: wasm has none). */
const originals = new Map<string, KernelConfig | null>();

/**
 * Routes the wasm backend's float32 matMuls, convolutions, pooling and sums through native/blas
 * (and its gathers, identities and casts through the heap); other cases keep tfjs's kernels. `threads`: OpenBLAS threads for this thread's calls (default: every core on
 * the main thread, 1 in a worker thread). Installing again only sets the threads.
 */
export function installNativeKernels(tf: TfKernelRegistry, options: { threads?: number } = {}): NativeKernelsResult {
  if (!blas) {
    const loaded = loadBlas();
    if (typeof loaded === "string") return { ok: false, reason: loaded };
    blas = loaded;
  }
  const native = blas;
  if (originals.size === 0) {
    if (!tf.getKernel("BatchMatMul", "wasm")) return { ok: false, reason: 'the tfjs wasm backend is not registered: import "@tensorflow/tfjs-backend-wasm" first' };
    for (const override of OVERRIDES) {
      const current = tf.getKernel(override.kernelName, "wasm") ?? null;
      originals.set(override.kernelName, current);
      const calls = nativeKernelCalls[override.kernelName]!;
      const fallback = (args: unknown): unknown => {
        calls.fallback++;
        if (current) return (current.kernelFunc as (a: unknown) => unknown)(args);
        throw new NativeKernelError(
          `${override.kernelName} on the wasm backend: only float32 NHWC tensors run (through OpenBLAS); tfjs-backend-wasm has no kernel of its own for the rest. Use the cpu backend (%gpu cpu) for this op.`,
        );
      };
      const kernelFunc = override.make({ blas: native, tf, calls, fallback }) as (args: never) => unknown;
      if (current) tf.unregisterKernel(override.kernelName, "wasm");
      // The original's setupFunc still runs at backend init: the fallback needs its cwrap'd function.
      tf.registerKernel(current ? { ...current, kernelFunc } : { kernelName: override.kernelName, backendName: "wasm", kernelFunc });
    }
  }
  const threads = native.setThreads(options.threads ?? (isMainThread ? 0 : 1));
  return { ok: true, threads, kernels: NATIVE_KERNELS, mainThread: isMainThread };
}

/** Puts tfjs's own wasm kernels back. Returns false when the overrides were not installed. */
export function uninstallNativeKernels(tf: TfKernelRegistry): boolean {
  if (originals.size === 0) return false;
  for (const [name, original] of originals) {
    tf.unregisterKernel(name, "wasm");
    if (original) tf.registerKernel(original);
  }
  originals.clear();
  return true;
}

/** A copy of the counters, to diff against later. */
export function nativeCallsSnapshot(): Record<string, KernelCalls> {
  return Object.fromEntries(Object.entries(nativeKernelCalls).map(([name, c]) => [name, { ...c }]));
}

/** Calls since `before`, only the kernels that ran. */
export function nativeCallsSince(before: Record<string, KernelCalls>): Record<string, KernelCalls> {
  const ran: Record<string, KernelCalls> = {};
  for (const [name, c] of Object.entries(nativeKernelCalls)) {
    const b = before[name] ?? { native: 0, fallback: 0 };
    const d = { native: c.native - b.native, fallback: c.fallback - b.fallback };
    if (d.native || d.fallback) ran[name] = d;
  }
  return ran;
}

/** "BatchMatMul 12×, Conv2D 3×; fell back to tfjs's kernels: _FusedMatMul 1×", or null when none ran. */
export function describeNativeCalls(calls: Record<string, KernelCalls>): string | null {
  const entries = Object.entries(calls);
  const part = (key: keyof KernelCalls) =>
    entries
      .filter(([, c]) => c[key] > 0)
      .map(([name, c]) => `${name} ${c[key]}×`)
      .join(", ");
  const native = part("native");
  const fallback = part("fallback");
  if (!native && !fallback) return null;
  return [native, fallback && `fell back to tfjs's kernels: ${fallback}`].filter(Boolean).join("; ");
}
