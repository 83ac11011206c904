// OpenBLAS matMul for tfjs's wasm backend: the addon builds, its results match tfjs's own wasm
// kernel (transposes, batches, broadcasting fallback, wasm memory growth), and uninstall restores it.
// No skips: without gcc or libopenblas-dev every test fails with the build's reason.
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { describe, expect, it } from "vitest";
import { wasmWithNativeBlas } from "./helpers/wasm-blas.js";
import { installNativeKernels, nativeKernelCalls, uninstallNativeKernels } from "../kernel/tensors/native-kernels.js";

const nativeMatMulCalls = nativeKernelCalls.BatchMatMul!;

/** Builds the addon and starts the wasm backend once; throws the build's reason. */
const setup = () => wasmWithNativeBlas(tf);

function installed(): void {
  const result = installNativeKernels(tf);
  if (!result.ok) throw new Error(`installNativeKernels failed: ${result.reason}`);
}

/** tf.matMul's values with tfjs's own wasm kernel and with OpenBLAS, for the same inputs. */
function both(aShape: number[], bShape: number[], transposeA = false, transposeB = false): { want: Float32Array; got: Float32Array; shape: number[] } {
  const a = tf.randomUniform(aShape, -1, 1, "float32", 1);
  const b = tf.randomUniform(bShape, -1, 1, "float32", 2);
  uninstallNativeKernels(tf);
  const ref = tf.matMul(a, b, transposeA, transposeB);
  installed();
  const out = tf.matMul(a, b, transposeA, transposeB);
  expect(out.shape).toEqual(ref.shape);
  const result = { want: ref.dataSync() as Float32Array, got: out.dataSync() as Float32Array, shape: out.shape };
  tf.dispose([a, b, ref, out]);
  return result;
}

function maxAbsDiff(x: Float32Array, y: Float32Array): number {
  expect(x.length).toBe(y.length);
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
  return max;
}

describe("native OpenBLAS matMul on the wasm backend", () => {
  it("builds the addon and installs over the wasm BatchMatMul kernel", async () => {
    await setup();
    const result = installNativeKernels(tf);
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(result.threads).toBeGreaterThanOrEqual(1);
  });

  it.each([
    { a: [64, 48], b: [48, 32], tA: false, tB: false },
    { a: [48, 64], b: [48, 32], tA: true, tB: false },
    { a: [64, 48], b: [32, 48], tA: false, tB: true },
    { a: [48, 64], b: [32, 48], tA: true, tB: true },
    { a: [1, 1], b: [1, 7], tA: false, tB: false },
    { a: [3, 17, 33], b: [3, 33, 9], tA: false, tB: false },
    { a: [3, 33, 17], b: [3, 9, 33], tA: true, tB: true },
    { a: [2, 3, 5, 7], b: [2, 3, 4, 7], tA: false, tB: true },
    { a: [3, 10, 20], b: [20, 6], tA: false, tB: false }, // stacked into one (30 x 20) GEMM
    { a: [300, 512], b: [512, 257], tA: false, tB: false }, // big enough for OpenBLAS's threads
  ])("matches tfjs's wasm kernel: $a x $b, transposeA=$tA transposeB=$tB", async ({ a, b, tA, tB }) => {
    await setup();
    const before = nativeMatMulCalls.native;
    const { want, got } = both(a, b, tA, tB);
    expect(nativeMatMulCalls.native).toBe(before + 1);
    const k = tA ? a[a.length - 2] : a[a.length - 1];
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-5 * k + 1e-5);
  });

  it("falls back to tfjs's kernel for broadcast batches and still matches", async () => {
    await setup();
    const before = { ...nativeMatMulCalls };
    for (const [a, b, tA] of [
      [[1, 10, 20], [3, 20, 6], false],
      [[3, 20, 10], [20, 6], true],
    ] as const) {
      const { want, got, shape } = both([...a], [...b], tA);
      expect(shape).toEqual([3, 10, 6]);
      expect(maxAbsDiff(got, want)).toBeLessThan(1e-3);
    }
    expect(nativeMatMulCalls.native).toBe(before.native);
    expect(nativeMatMulCalls.fallback).toBe(before.fallback + 2);
  });

  it("is right when allocating the output grows the wasm memory (views taken after the allocation)", async () => {
    await setup();
    installed();
    const backend = tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } };
    const bytesBefore = backend.wasm.HEAPU8.buffer.byteLength;
    // A 64 MiB output, more than the heap's free space, so makeOutput's malloc grows memory.
    const n = 4096;
    expect(n * n * 4).toBeGreaterThan(bytesBefore);
    const a = tf.randomUniform([n, 8], -1, 1, "float32", 3);
    const b = tf.randomUniform([8, n], -1, 1, "float32", 4);
    const out = tf.matMul(a, b);
    expect(backend.wasm.HEAPU8.buffer.byteLength).toBeGreaterThan(bytesBefore);
    const [av, bv, ov] = [a.dataSync(), b.dataSync(), out.dataSync()];
    // Spot-check rows and columns against a plain JS dot product.
    for (const [i, j] of [
      [0, 0],
      [1, 4095],
      [2048, 17],
      [4095, 4095],
      [1234, 3210],
    ]) {
      let dot = 0;
      for (let p = 0; p < 8; p++) dot += av[i * 8 + p] * bv[p * n + j];
      expect(ov[i * n + j]).toBeCloseTo(dot, 4);
    }
    tf.dispose([a, b, out]);
  });

  it("keeps tfjs's errors: a non-float32 matMul still fails the way the wasm kernel does", async () => {
    await setup();
    installed();
    const a = tf.ones([2, 2], "int32");
    expect(() => tf.matMul(a, a)).toThrow(/float32/);
    a.dispose();
  });

  it("uninstall restores the original kernel", async () => {
    await setup();
    installed();
    const overridden = tf.getKernel("BatchMatMul", "wasm")!.kernelFunc;
    expect(uninstallNativeKernels(tf)).toBe(true);
    const restored = tf.getKernel("BatchMatMul", "wasm")!.kernelFunc;
    expect(restored).not.toBe(overridden);
    expect(uninstallNativeKernels(tf)).toBe(false);
    const before = { ...nativeMatMulCalls };
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    expect(Array.from(tf.matMul(x, x).dataSync())).toEqual([7, 10, 15, 22]);
    expect(nativeMatMulCalls).toEqual(before);
    // Installing again wraps the restored kernel, not a stale one.
    installed();
    expect(tf.getKernel("BatchMatMul", "wasm")!.kernelFunc).not.toBe(restored);
    uninstallNativeKernels(tf);
    expect(tf.getKernel("BatchMatMul", "wasm")!.kernelFunc).toBe(restored);
    x.dispose();
  });
});
