// The native kernels beyond BatchMatMul (test/native-matmul.test.ts) on tfjs's wasm backend:
// _FusedMatMul, Conv2D, FusedConv2D, Conv2DBackpropInput, Conv2DBackpropFilter, MaxPool,
// MaxPoolGrad and Sum (OpenBLAS, native/blas), GatherV2, Identity and Cast (on the heap), against tfjs's
// reference kernels (the cpu backend: tfjs-backend-wasm has no Conv2DBackpropFilter of its own),
// for every shape class (transposes, batches, strides, padding, explicit padding, dilations,
// NHWC, broadcasting bias, each activation), their fallbacks, 10 training steps of an MLP and a
// CNN that end at the same loss as on the reference path, and the BLAS threads of a worker.
// No skips: without gcc or libopenblas-dev every test fails with the build's reason.
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { wasmWithNativeBlas } from "./helpers/wasm-blas.js";
import { PACKAGE_ROOT } from "../common/paths.js";
import { installNativeKernels, nativeCallsSince, nativeCallsSnapshot } from "../kernel/tensors/native-kernels.js";

let ready: Promise<void> | undefined;
/** Builds the addon, starts the wasm backend and installs the kernels once; throws the build's reason. */
function setup(): Promise<void> {
  ready ??= wasmWithNativeBlas(tf).then(() => {
    const installed = installNativeKernels(tf);
    if (!installed.ok) throw new Error(`installNativeKernels failed: ${installed.reason}`);
  });
  return ready;
}

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

type Inputs = { shape: number[]; seed: number }[];
type Op = (...ts: tf.Tensor[]) => tf.Tensor | tf.Tensor[];

/** The op's outputs on `backend`, from the same input values. */
async function runOn(backend: "cpu" | "wasm", op: Op, inputs: Inputs): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const ts = inputs.map(({ shape, seed }) =>
      tf.tensor(
        values(
          shape.reduce((p, d) => p * d, 1),
          seed,
        ),
        shape,
      ),
    );
    const out = op(...ts);
    return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
  });
}

/** The op on the cpu backend (reference) and on wasm with the native kernels; the native calls it made, by kernel. */
async function compare(op: Op, inputs: Inputs, tolerance = 1e-4): Promise<Record<string, { native: number; fallback: number }>> {
  await setup();
  const want = await runOn("cpu", op, inputs);
  const before = nativeCallsSnapshot();
  const got = await runOn("wasm", op, inputs);
  const calls = nativeCallsSince(before);
  expect(got.length).toBe(want.length);
  for (const [i, w] of want.entries()) {
    const g = got[i]!;
    expect(g.length).toBe(w.length);
    let worst = 0;
    // Equal values first: a window entirely in the padding is -Infinity on both paths.
    for (let j = 0; j < w.length; j++) worst = Math.max(worst, g[j] === w[j] ? 0 : Math.abs(g[j]! - w[j]!) / (1 + Math.abs(w[j]!)));
    expect(worst).toBeLessThan(tolerance);
  }
  return calls;
}

type Pad = "valid" | "same" | [[number, number], [number, number], [number, number], [number, number]];
const CONVS: { name: string; x: number[]; f: number[]; strides: number | [number, number]; pad: Pad; dilations?: number | [number, number] }[] = [
  { name: "3x3, stride 1, valid", x: [2, 9, 9, 3], f: [3, 3, 3, 4], strides: 1, pad: "valid" },
  { name: "3x3, stride 2, same", x: [2, 10, 9, 3], f: [3, 3, 3, 5], strides: 2, pad: "same" },
  {
    name: "5x3, strides [2, 1], explicit padding",
    x: [3, 11, 8, 2],
    f: [5, 3, 2, 4],
    strides: [2, 1],
    pad: [
      [0, 0],
      [1, 2],
      [2, 0],
      [0, 0],
    ],
  },
  { name: "1x1 pointwise (no im2col)", x: [2, 5, 5, 8], f: [1, 1, 8, 6], strides: 1, pad: "valid" },
  { name: "28x28x1, 3x3x32 (the CNN's layer), batch 8", x: [8, 28, 28, 1], f: [3, 3, 1, 32], strides: 1, pad: "valid" },
  // 576 pixels x 288 columns an image: 12 images fit the 8 MiB im2col buffer, so 3 chunks.
  { name: "batch 30 in several im2col chunks", x: [30, 24, 24, 32], f: [3, 3, 32, 2], strides: 1, pad: "same" },
];

describe("native Conv2D, FusedConv2D and their gradients on the wasm backend", () => {
  it.each(CONVS)("Conv2D matches tfjs's reference: $name", async ({ x, f, strides, pad }) => {
    const calls = await compare(
      (a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad),
      [
        { shape: x, seed: 1 },
        { shape: f, seed: 2 },
      ],
    );
    expect(calls).toEqual({ Conv2D: { native: 1, fallback: 0 } });
  });

  it.each([
    { name: "dilation 2", dilations: 2 as const, pad: "valid" as const },
    { name: "dilations [2, 3], same", dilations: [2, 3] as [number, number], pad: "same" as const },
  ])("Conv2D matches tfjs's reference: $name", async ({ dilations, pad }) => {
    const calls = await compare(
      (a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad, "NHWC", dilations),
      [
        { shape: [2, 12, 13, 3], seed: 3 },
        { shape: [3, 3, 3, 4], seed: 4 },
      ],
    );
    expect(calls).toEqual({ Conv2D: { native: 1, fallback: 0 } });
  });

  it("Conv2D on a rank-3 image matches", async () => {
    await compare(
      (a, b) => tf.conv2d(a as tf.Tensor3D, b as tf.Tensor4D, 1, "same"),
      [
        { shape: [7, 7, 3], seed: 5 },
        { shape: [3, 3, 3, 2], seed: 6 },
      ],
    );
  });

  it.each(["linear", "relu", "relu6", "leakyrelu", "sigmoid", "elu"] as const)("FusedConv2D with a bias and %s matches", async (activation) => {
    const calls = await compare(
      (a, b, bias) => tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, strides: 2, pad: "same", bias: bias!.mul(3), activation, leakyreluAlpha: 0.3 }),
      [
        { shape: [2, 9, 9, 3], seed: 7 },
        { shape: [3, 3, 3, 4], seed: 8 },
        { shape: [4], seed: 9 },
      ],
    );
    expect(calls.FusedConv2D).toEqual({ native: 1, fallback: 0 });
  });

  it("FusedConv2D with prelu falls back to tfjs's kernel and still matches", async () => {
    const calls = await compare(
      (a, b, bias, alpha) => tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, strides: 1, pad: "valid", bias, activation: "prelu", preluActivationWeights: alpha }),
      [
        { shape: [1, 6, 6, 2], seed: 10 },
        { shape: [3, 3, 2, 3], seed: 11 },
        { shape: [3], seed: 12 },
        { shape: [3], seed: 13 },
      ],
    );
    expect(calls.FusedConv2D).toEqual({ native: 0, fallback: 1 });
  });

  it("NCHW goes to tfjs's kernel (and its error on wasm)", async () => {
    await setup();
    await tf.setBackend("wasm");
    const before = nativeCallsSnapshot();
    const x = tf.ones([1, 2, 5, 5]) as tf.Tensor4D;
    const f = tf.ones([3, 3, 2, 1]) as tf.Tensor4D;
    expect(() => tf.conv2d(x, f, 1, "valid", "NCHW")).toThrow(/channelsLast/);
    expect(nativeCallsSince(before)).toEqual({ Conv2D: { native: 0, fallback: 1 } });
    tf.dispose([x, f]);
  });

  it.each(CONVS.filter((c) => c.x[0]! <= 8 || c.name.includes("chunks")))("the gradients (Conv2DBackpropInput, Conv2DBackpropFilter) match: $name", async ({ x, f, strides, pad }) => {
    const out = tf.tidy(() => tf.conv2d(tf.zeros(x) as tf.Tensor4D, tf.zeros(f) as tf.Tensor4D, strides, pad).shape);
    const calls = await compare(
      (a, b, dy) =>
        tf.grads((xs: tf.Tensor, fs: tf.Tensor) =>
          tf
            .conv2d(xs as tf.Tensor4D, fs as tf.Tensor4D, strides, pad)
            .mul(dy!)
            .sum(),
        )([a!, b!]),
      [
        { shape: x, seed: 14 },
        { shape: f, seed: 15 },
        { shape: out, seed: 16 },
      ],
      2e-4,
    );
    expect(calls.Conv2DBackpropInput).toEqual({ native: 1, fallback: 0 });
    expect(calls.Conv2DBackpropFilter).toEqual({ native: 1, fallback: 0 });
  });

  it.each([
    { name: "2x2 stride 2 valid", size: 2, strides: 2, pad: "valid" as const, x: [3, 26, 26, 8] },
    { name: "3x3 stride 2 same", size: 3, strides: 2, pad: "same" as const, x: [2, 9, 11, 3] },
    { name: "3x2 strides [1, 2], explicit padding", size: [3, 2] as [number, number], strides: [1, 2] as [number, number], pad: 1, x: [2, 7, 8, 5] },
  ])("MaxPool matches: $name", async ({ size, strides, pad, x }) => {
    const calls = await compare((a) => tf.maxPool(a as tf.Tensor4D, size, strides, pad), [{ shape: x, seed: 43 }], 0.000001);
    expect(calls.MaxPool).toEqual({ native: 1, fallback: 0 });
  });

  it.each([
    { name: "2x2 stride 2 valid", size: 2, strides: 2, pad: "valid" as const, x: [3, 26, 26, 8] },
    { name: "3x3 stride 2 same", size: 3, strides: 2, pad: "same" as const, x: [2, 9, 11, 3] },
  ])("MaxPoolGrad matches: $name", async ({ size, strides, pad, x }) => {
    const out = tf.tidy(() => tf.maxPool(tf.zeros(x) as tf.Tensor4D, size, strides, pad).shape);
    const calls = await compare(
      (a, dy) =>
        tf.grad((xs: tf.Tensor) =>
          tf
            .maxPool(xs as tf.Tensor4D, size, strides, pad)
            .mul(dy!)
            .sum(),
        )(a!),
      [
        { shape: x, seed: 17 },
        { shape: out, seed: 18 },
      ],
    );
    expect(calls.MaxPoolGrad).toEqual({ native: 1, fallback: 0 });
  });

  it.each([
    { axis: [0, 1, 2], keepDims: false, native: true },
    { axis: [0], keepDims: true, native: true },
    { axis: [-1], keepDims: false, native: true },
    { axis: [1, 3], keepDims: false, native: false },
    { axis: [2], keepDims: false, native: false },
  ])("Sum over $axis (keepDims $keepDims) matches", async ({ axis, keepDims, native }) => {
    const calls = await compare((a) => tf.sum(a!, axis, keepDims), [{ shape: [6, 5, 4, 7], seed: 19 }]);
    expect(calls.Sum).toEqual(native ? { native: 1, fallback: 0 } : { native: 0, fallback: 1 });
  });
});

describe("native _FusedMatMul on the wasm backend", () => {
  it.each([
    { a: [64, 48], b: [48, 32], tA: false, tB: false, bias: [32] },
    { a: [48, 64], b: [48, 32], tA: true, tB: false, bias: [32] },
    { a: [64, 48], b: [32, 48], tA: false, tB: true, bias: [1] },
    { a: [48, 64], b: [32, 48], tA: true, tB: true, bias: null },
    { a: [3, 17, 33], b: [3, 33, 9], tA: false, tB: false, bias: [9] },
    { a: [2, 3, 10, 20], b: [20, 6], tA: false, tB: false, bias: [6] },
  ])("matches tfjs's reference: $a x $b, transposeA=$tA transposeB=$tB, bias $bias", async ({ a, b, tA, tB, bias }) => {
    const inputs = [{ shape: a, seed: 20 }, { shape: b, seed: 21 }, ...(bias ? [{ shape: bias, seed: 22 }] : [])];
    const calls = await compare((x, y, z) => tf.fused.matMul({ a: x!, b: y!, transposeA: tA, transposeB: tB, bias: z, activation: "linear" }), inputs);
    expect(calls._FusedMatMul).toEqual({ native: 1, fallback: 0 });
  });

  it.each(["relu", "relu6", "leakyrelu", "sigmoid", "elu"] as const)("applies %s as tfjs's kernel does", async (activation) => {
    const calls = await compare(
      (x, y, z) => tf.fused.matMul({ a: x!.mul(4), b: y!, bias: z, activation, leakyreluAlpha: 0.1 }),
      [
        { shape: [16, 24], seed: 23 },
        { shape: [24, 12], seed: 24 },
        { shape: [12], seed: 25 },
      ],
    );
    expect(calls._FusedMatMul).toEqual({ native: 1, fallback: 0 });
  });

  it("prelu and broadcast batches fall back to tfjs's kernel and still match", async () => {
    const prelu = await compare(
      (x, y, z, w) => tf.fused.matMul({ a: x!, b: y!, bias: z, activation: "prelu", preluActivationWeights: w }),
      [
        { shape: [8, 5], seed: 26 },
        { shape: [5, 4], seed: 27 },
        { shape: [4], seed: 28 },
        { shape: [4], seed: 29 },
      ],
    );
    expect(prelu._FusedMatMul).toEqual({ native: 0, fallback: 1 });
    const broadcast = await compare(
      (x, y) => tf.fused.matMul({ a: x!, b: y! }),
      [
        { shape: [1, 10, 20], seed: 30 },
        { shape: [3, 20, 6], seed: 31 },
      ],
    );
    expect(broadcast._FusedMatMul).toEqual({ native: 0, fallback: 1 });
  });
});

describe("training on the native kernels", () => {
  /** The loss after 10 SGD steps from the same weights and data on `backend`. */
  async function lossAfterTenSteps(
    backend: "cpu" | "wasm",
    make: () => tf.Sequential,
    inputShape: number[],
    n: number,
    weights: Float32Array[] | null,
  ): Promise<{ loss: number; weights: Float32Array[] }> {
    await tf.setBackend(backend);
    const model = make();
    const initial = weights ?? model.getWeights().map((w) => w.dataSync() as Float32Array);
    model.setWeights(model.getWeights().map((w, i) => tf.tensor(initial[i]!, w.shape)));
    model.compile({ optimizer: tf.train.sgd(0.05), loss: "categoricalCrossentropy" });
    const x = tf.tensor(
      values(n * inputShape.reduce((p, d) => p * d, 1), 40).map((v) => (v + 1) / 2),
      [n, ...inputShape],
    );
    const y = tf
      .oneHot(
        tf.tensor1d(
          Array.from(values(n, 41), (v) => Math.floor((v + 1) * 5)),
          "int32",
        ),
        10,
      )
      .toFloat();
    let loss = Number.NaN;
    for (let step = 0; step < 10; step++) loss = (await model.trainOnBatch(x, y)) as number;
    tf.dispose([x, y]);
    model.dispose();
    return { loss, weights: initial };
  }

  it.each([
    {
      name: "MLP 784-256-10",
      inputShape: [784],
      n: 32,
      make: () => tf.sequential({ layers: [tf.layers.dense({ inputShape: [784], units: 256, activation: "relu" }), tf.layers.dense({ units: 10, activation: "softmax" })] }),
    },
    {
      name: "CNN 3x3x32 conv + 2x2 max-pool + dense",
      inputShape: [28, 28, 1],
      n: 8, // the cpu backend's filter gradient takes ~2 s a step at 32
      make: () =>
        tf.sequential({
          layers: [
            tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: "relu" }),
            tf.layers.maxPooling2d({ poolSize: 2 }),
            tf.layers.flatten(),
            tf.layers.dense({ units: 10, activation: "softmax" }),
          ],
        }),
    },
  ])("$name: the same loss after 10 steps as on tfjs's reference kernels, within 1e-4", async ({ make, inputShape, n }) => {
    await setup();
    const reference = await lossAfterTenSteps("cpu", make, inputShape, n, null);
    const before = nativeCallsSnapshot();
    const native = await lossAfterTenSteps("wasm", make, inputShape, n, reference.weights);
    const calls = nativeCallsSince(before);
    expect(calls.BatchMatMul?.native).toBeGreaterThan(0);
    if (inputShape.length === 3) expect(calls.Conv2DBackpropFilter).toEqual({ native: 10, fallback: 0 });
    expect(Number.isFinite(reference.loss)).toBe(true);
    expect(Math.abs(native.loss - reference.loss)).toBeLessThan(1e-4);
  });
});

describe("OpenBLAS threads beside the worker pool", () => {
  it("a worker thread that trains uses one BLAS thread; the main thread keeps every core", async () => {
    await setup();
    const main = installNativeKernels(tf);
    expect(main).toMatchObject({ ok: true, mainThread: true });
    const mainThreads = main.ok ? main.threads : 0;
    expect(mainThreads).toBeGreaterThanOrEqual(1);
    // The built module (npm run build), as a pool worker loads it, and a matMul through it.
    const modulePath = pathToFileURL(path.join(PACKAGE_ROOT, "dist", "kernel", "tensors", "native-kernels.js")).href;
    const code = `
      const { parentPort } = require("node:worker_threads");
      (async () => {
        const tf = require("@tensorflow/tfjs");
        require("@tensorflow/tfjs-backend-wasm");
        await tf.setBackend("wasm");
        const { installNativeKernels, nativeKernelCalls } = await import(${JSON.stringify(modulePath)});
        const installed = installNativeKernels(tf);
        const product = tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])).dataSync()[0];
        parentPort.postMessage({ installed, product, native: nativeKernelCalls.BatchMatMul.native });
      })().catch((err) => parentPort.postMessage({ error: String(err) }));`;
    const worker = new Worker(code, { eval: true, workerData: null });
    const reply = await new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    await worker.terminate();
    expect(reply).toEqual({ installed: { ok: true, threads: 1, kernels: expect.any(Array), mainThread: false }, product: 64, native: 1 });
    // The worker's setting is its own: the main thread's calls still use every core.
    expect(installNativeKernels(tf)).toMatchObject({ ok: true, threads: mainThreads });
  });
});

describe("native GatherV2 (model.fit's batch rows) on the wasm backend", () => {
  it.each([
    { name: "rows of a matrix", x: [50, 7], indices: [5], axis: 0 },
    { name: "axis 1 of a rank-3 tensor, 2-D indices", x: [3, 9, 4], indices: [2, 3], axis: 1 },
    { name: "the last axis, negative", x: [4, 6], indices: [5], axis: -1 },
  ])("matches tfjs's reference: $name", async ({ x, indices, axis }) => {
    const dim = x.at(axis)!;
    const index = Array.from({ length: indices.reduce((p, d) => p * d, 1) }, (_, i) => (i * 7 + 3) % dim);
    const calls = await compare((t) => tf.gather(t!, tf.tensor(index, indices, "int32"), axis), [{ shape: x, seed: 42 }], 1e-12);
    expect(calls.GatherV2).toEqual({ native: 1, fallback: 0 });
  });

  it("copies int32 and bool rows too", async () => {
    await setup();
    await tf.setBackend("wasm");
    const before = nativeCallsSnapshot();
    const picked = tf.tidy(() => [
      Array.from(tf.gather(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], "int32"), [2, 0]).dataSync()),
      Array.from(tf.gather(tf.tensor1d([true, false, true], "bool"), [1, 1, 2]).dataSync()),
    ]);
    expect(picked).toEqual([
      [5, 6, 1, 2],
      [0, 0, 1],
    ]);
    expect(nativeCallsSince(before).GatherV2).toEqual({ native: 2, fallback: 0 });
  });

  it("leaves an index out of range to tfjs's kernel and its error", async () => {
    await setup();
    await tf.setBackend("wasm");
    const before = nativeCallsSnapshot();
    const x = tf.ones([3, 2]);
    expect(() => tf.gather(x, [0, 3])).toThrow("GatherV2: the index value 3 is not in [0, 2]");
    expect(nativeCallsSince(before).GatherV2).toEqual({ native: 0, fallback: 1 });
    x.dispose();
  });
});

describe("Identity and same-dtype Cast on the wasm backend: views, not copies", () => {
  it("a clone and a float32 -> float32 cast share the data, and outlive the original", async () => {
    await setup();
    await tf.setBackend("wasm");
    const before = nativeCallsSnapshot();
    const bytes = tf.memory().numBytes;
    const a = tf.tensor1d([1, 2, 3]);
    const b = a.clone();
    const c = tf.cast(a, "float32");
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3]);
    expect(nativeCallsSince(before)).toEqual({ Identity: { native: 1, fallback: 0 }, Cast: { native: 1, fallback: 0 } });
    tf.dispose([b, c]);
    expect(tf.memory().numBytes).toBe(bytes);
  });

  it("a cast to another dtype still converts (tfjs's kernel)", async () => {
    await setup();
    await tf.setBackend("wasm");
    const before = nativeCallsSnapshot();
    const ints = tf.tidy(() => Array.from(tf.cast(tf.tensor1d([1.7, -2.2, 3]), "int32").dataSync()));
    expect(ints).toEqual([1, -2, 3]);
    expect(nativeCallsSince(before)).toEqual({ Cast: { native: 0, fallback: 1 } });
  });

  it("a variable's assign leaves an earlier clone of it alone", async () => {
    await setup();
    await tf.setBackend("wasm");
    const v = tf.variable(tf.ones([2]));
    const copy = v.clone();
    v.assign(tf.zeros([2]));
    expect(Array.from(copy.dataSync())).toEqual([1, 1]);
    expect(Array.from(v.dataSync())).toEqual([0, 0]);
    tf.dispose([v, copy]);
  });
});

describe("a kernel only the addon provides on wasm", () => {
  it("Conv2DBackpropFilter in NCHW says what runs and where to go instead", async () => {
    await setup();
    await tf.setBackend("wasm");
    const x = tf.ones([1, 2, 5, 5]);
    const dy = tf.ones([1, 1, 3, 3]);
    expect(() => tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, { strides: 1, pad: "valid", dataFormat: "NCHW", filterShape: [3, 3, 2, 1] })).toThrow(
      /Conv2DBackpropFilter on the wasm backend: only float32 NHWC tensors run .*%gpu cpu/,
    );
    tf.dispose([x, dy]);
  });
});
