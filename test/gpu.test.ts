// %gpu / %%gpu and `tf` through the real kernel, with the tfjs packages this machine really
// has: nothing here pretends to be a GPU. Where the machine has tfjs-node(-gpu) or nvidia-smi,
// the expectations follow what is really there.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explainLoadFailure } from "../kernel/tensors/candidates.js";
import { errorOf, resultText, startKernel, stderr, stdout, type TestKernel } from "./helpers/kernel.js";

const require = createRequire(import.meta.url);
const installed = (pkg: string) => {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
};
const hasNvidiaSmi = spawnSync("nvidia-smi", ["-L"]).error === undefined;

let k: TestKernel;
beforeAll(async () => {
  k = await startKernel();
});
afterAll(async () => {
  await k?.stop();
});

describe('tf from "parallab"', () => {
  it("is not loaded until a cell uses it, then runs on the best backend", async () => {
    const before = await k.client.execute('Object.keys((require("node:module") as any)._cache).filter((p: string) => p.includes("@tensorflow")).length');
    expect(resultText(before.outputs)).toBe("0");
    const { outputs } = await k.client.execute('import { tf } from "parallab";\n[tf.getBackend(), tf.add(tf.scalar(2), 3).dataSync()[0]]');
    const expected = installed("@tensorflow/tfjs-node-gpu") || installed("@tensorflow/tfjs-node") ? "tensorflow" : "wasm";
    expect(resultText(outputs)).toBe(`[ '${expected}', 5 ]`);
  });

  it("shows a tensor's dtype, shape and values as the cell's value", async () => {
    const { outputs } = await k.client.execute("tf.tensor([[1, 2], [3, 4]])");
    expect(resultText(outputs)).toBe("Tensor float32 [2, 2]\n    [[1, 2],\n     [3, 4]]");
  });
});

describe("%gpu", () => {
  it("prints the active backend and why, every candidate with its real reason, GPUs, memory and SIMD", async () => {
    const { outputs } = await k.client.execute("%gpu");
    const text = stdout(outputs);
    expect(text).toMatch(/^Active backend: \w+ \([\w-]+\): /);
    for (const [id, pkg] of [
      ["tensorflow-gpu", "@tensorflow/tfjs-node-gpu"],
      ["tensorflow-cpu", "@tensorflow/tfjs-node"],
    ] as const) {
      if (!installed(pkg))
        expect(text).toMatch(new RegExp(`  ${id} +unavailable +${pkg.replace("/", "\\/")} is not installed: \`npm install ${pkg.replace("/", "\\/")}@4\\.22\\.0\` downloads libtensorflow`));
    }
    expect(text).toMatch(/ {2}wasm +(active|available) +XNNPACK kernels in WebAssembly with SIMD/);
    expect(text).toMatch(/ {2}cpu +available +plain JavaScript kernels/);
    expect(text).toContain(hasNvidiaSmi ? "GPUs (nvidia-smi" : "GPUs: none found (nvidia-smi is not installed: this machine has no NVIDIA driver)");
    expect(text).toMatch(/tfjs memory: \d+ tensors?, [\d.]+ \w*B/);
    expect(text).toContain("wasm SIMD: yes");
    expect(text).toMatch(
      /native kernels for wasm: OpenBLAS, \d+ threads? in the kernel \(of \d+ cores\); a pool worker or rank that trains uses 1, so the pool never oversubscribes the cores\n {2}BatchMatMul, _FusedMatMul, Conv2D, FusedConv2D, Conv2DBackpropInput, Conv2DBackpropFilter, MaxPool, MaxPoolGrad, Sum, GatherV2, Identity, Cast \(float32/,
    );
  });

  it("--json gives the same as data", async () => {
    const { outputs } = await k.client.execute(
      "const gpuStatus = %gpu --json\n[gpuStatus.backend, gpuStatus.candidates.map((c) => `${c.id}:${c.status}`).join(' '), typeof gpuStatus.memory.tensors, gpuStatus.wasmSimd, gpuStatus.gpus.found]",
    );
    const tensorflow = installed("@tensorflow/tfjs-node-gpu") || installed("@tensorflow/tfjs-node");
    if (!tensorflow)
      expect(resultText(outputs)).toMatch(
        new RegExp(
          `^\\[\\n {2}'wasm',\\n {2}'tensorflow-gpu:unavailable webgpu:(available|unavailable) tensorflow-cpu:unavailable wasm:active cpu:available',\\n {2}'number',\\n {2}true,\\n {2}${hasNvidiaSmi}\\n\\]$`,
        ),
      );
    else expect(resultText(outputs)).toMatch(/'tensorflow'/);
  });

  it("switches backend, and refuses an unavailable or unknown one saying why", async () => {
    const toCpu = await k.client.execute("%gpu cpu\ntf.getBackend()");
    expect(stdout(toCpu.outputs)).toMatch(/^Switched to cpu \(cpu\): plain JavaScript kernels/);
    expect(resultText(toCpu.outputs)).toBe("'cpu'");
    const status = await k.client.execute("%gpu");
    expect(stdout(status.outputs)).toMatch(/^Active backend: cpu \(cpu\): .*chosen with %gpu cpu/);
    if (!installed("@tensorflow/tfjs-node-gpu") && !installed("@tensorflow/tfjs-node")) {
      const refused = await k.client.execute("%gpu tensorflow");
      expect(refused.reply.content).toMatchObject({ status: "error", ename: "BackendUnavailableError" });
      expect(errorOf(refused.outputs)!.evalue).toMatch(
        /^the tensorflow backend is not available here\. tensorflow-gpu: @tensorflow\/tfjs-node-gpu is not installed.*Available: (webgpu, )?wasm, cpu\.$/,
      );
    }
    const unknown = await k.client.execute("%gpu webgl");
    expect(unknown.reply.content).toMatchObject({ status: "error", ename: "UsageError" });
    expect(errorOf(unknown.outputs)!.evalue).toContain("choose one of tensorflow, webgpu, wasm, cpu");
    const back = await k.client.execute("%gpu wasm\ntf.getBackend()");
    expect(resultText(back.outputs)).toBe("'wasm'");
  });
});

describe("%%gpu", () => {
  it("reports synchronized wall time, top kernels and peak bytes; frees only the intermediates", async () => {
    const before = await k.client.execute("tf.memory().numTensors");
    const { outputs } = await k.client.execute("%%gpu\nconst m = tf.randomNormal([128, 128]);\nconst shifted = tf.add(tf.matMul(m, m), 1);\nshifted");
    const report = stdout(outputs);
    expect(report).toMatch(/^%%gpu on wasm: wall time [\d.]+ (ms|µs|s) \(device synchronized\), readback [\d.]+ (ms|µs|s)\n/);
    expect(report).toMatch(/top kernels: (BatchMatMul|Add|RandomStandardNormal)[^\n]*BatchMatMul|top kernels: .*BatchMatMul [\d.]+ ms \(1×\)/);
    // The matMul's result is the one intermediate: m stays in its variable, shifted is returned.
    expect(report).toMatch(/tensors: peak [\d.]+ KiB; 1 freed at the end of the cell, 1 returned, 1 kept in notebook variables, 0 kept with tf.keep\(\)/);
    // Which ops ran through OpenBLAS: the matMul (Add is not one of them).
    expect(report).toContain("native kernels (OpenBLAS, native/blas): BatchMatMul 1×\n");
    expect(stderr(outputs)).toBe("");
    expect(resultText(outputs)).toMatch(/^Tensor float32 \[128, 128\]/);
    const after = await k.client.execute("tf.memory().numTensors");
    expect(Number(resultText(after.outputs))).toBe(Number(resultText(before.outputs)) + 2);
  });

  it("keeps the tensors a cell assigns to notebook variables for the next cells", async () => {
    await k.client.execute("%%gpu\nconst w = tf.ones([3]);");
    const next = await k.client.execute("w.sum().dataSync()[0]");
    expect(resultText(next.outputs)).toBe("3");
  });

  it("says which cell freed a tensor that is used later, and how to keep it", async () => {
    const made = await k.client.execute("%%gpu\nconst box = new (class Box { constructor(public t: any) {} })(tf.ones([3]));");
    const count = (made.reply.content as { execution_count: number }).execution_count;
    for (const use of ["box.t.sum()", "tf.add(box.t, 1)"]) {
      const used = await k.client.execute(use);
      expect(used.reply.content).toMatchObject({ status: "error", ename: "DisposedTensorError" });
      expect(errorOf(used.outputs)!.evalue).toBe(
        `this float32 [3] tensor was freed at the end of the %%gpu cell [${count}]: a %%gpu cell keeps only the tensors it returns, assigns to notebook variables (top-level const/let) or tf.keep()s. Keep it there with tf.keep(…) or a top-level variable, and run that cell again`,
      );
    }
    const disposed = await k.client.execute("const gone = tf.ones([2]);\ngone.dispose();\ngone.dataSync()");
    expect(errorOf(disposed.outputs)!.evalue).toMatch(/^this float32 \[2\] tensor was disposed \(tf\.dispose, \.dispose\(\) or tf\.tidy freed it\)/);
  });

  it("warns about tensors left alive, naming count and bytes, but not about tf.keep()", async () => {
    // A variable inside an object the notebook does not see into (a class instance) is a leak…
    const leaky = await k.client.execute("%%gpu\nconst holder = new (class { w = tf.variable(tf.zeros([100])) })();\ntf.sum(holder.w).dataSync()[0]");
    expect(stderr(leaky.outputs)).toBe(
      "Warning: 1 new tensor (400 B) left alive after the cell (variables, or tensors made outside its scope): dispose them when done, or hold them in a notebook variable (a top-level const or let) to say it is on purpose.\n",
    );
    // …one held in a notebook variable is kept on purpose.
    const held = await k.client.execute("%%gpu\nconst weights = tf.variable(tf.zeros([100]));\ntf.sum(weights).dataSync()[0]");
    expect(stderr(held.outputs)).toBe("");
    expect(stdout(held.outputs)).toContain("0 returned, 1 kept in notebook variables, 0 kept with tf.keep()");
    const kept = await k.client.execute("%%gpu\nconst ones = tf.keep(tf.ones([10]));\ntf.sum(ones).dataSync()[0]");
    expect(stderr(kept.outputs)).toBe("");
    expect(stdout(kept.outputs)).toContain("1 kept with tf.keep()");
    expect(resultText(kept.outputs)).toBe("10");
  });

  it("runs one cell on another backend with --backend, then switches back", async () => {
    const { outputs } = await k.client.execute("%%gpu --backend cpu\ntf.getBackend()");
    expect(stdout(outputs)).toMatch(/^%%gpu on cpu: /);
    expect(resultText(outputs)).toBe("'cpu'");
    const now = await k.client.execute("tf.getBackend()");
    expect(resultText(now.outputs)).toBe("'wasm'");
  });
});

describe("out of memory", () => {
  it("names the tensor that could not be allocated, and the kernel and backend live on", async () => {
    const made = await k.client.execute("const huge = tf.zeros([50000, 50000])");

    expect(made.reply.content).toMatchObject({ status: "error", ename: "TensorMemoryError" });
    expect(errorOf(made.outputs)!.evalue).toMatch(
      /^out of memory on the wasm backend allocating a float32 tensor of shape \[50000, 50000\] \(9\.31 GiB\) in tf\.tensor: the wasm backend's heap holds at most 4 GiB/,
    );
    const op = await k.client.execute("const outer = tf.matMul(tf.ones([60000, 1]), tf.ones([1, 60000]))");
    expect(errorOf(op.outputs)!.evalue).toMatch(/^out of memory on the wasm backend allocating a float32 tensor of shape \[(1, )?60000, 60000\] \(13\.41 GiB\) in tf op BatchMatMul/);
    const after = await k.client.execute("tf.matMul(tf.tensor([[1, 2]]), tf.tensor([[3], [4]])).arraySync()");
    expect(resultText(after.outputs)).toBe("[ [ 11 ] ]");
  });
});

describe("why a tfjs-node package did not load", () => {
  it("explains a package that is not installed with what installing it needs", () => {
    let error: unknown;
    try {
      require("@tensorflow/tfjs-node-gpu");
    } catch (err) {
      error = err;
    }
    if (!installed("@tensorflow/tfjs-node-gpu"))
      expect(explainLoadFailure("@tensorflow/tfjs-node-gpu", error)).toMatch(
        /^@tensorflow\/tfjs-node-gpu is not installed: `npm install @tensorflow\/tfjs-node-gpu@4\.22\.0` downloads libtensorflow from storage\.googleapis\.com.*CUDA 11\.2 and cuDNN 8\.1$/,
      );
  });

  it("tells a missing CUDA runtime, cuDNN or native addon apart, with the fix", () => {
    const dlopen = (lib: string) => new Error(`${lib}: cannot open shared object file: No such file or directory`);
    expect(explainLoadFailure("@tensorflow/tfjs-node-gpu", dlopen("libcudart.so.11.0"))).toMatch(/CUDA runtime library libcudart\.so\.11\.0 was not found: install CUDA 11\.2/);
    expect(explainLoadFailure("@tensorflow/tfjs-node-gpu", dlopen("libcudnn.so.8"))).toMatch(/cuDNN library libcudnn\.so\.8 was not found: install cuDNN 8\.1/);
    expect(explainLoadFailure("@tensorflow/tfjs-node", new Error("Cannot find module '/x/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node'"))).toMatch(
      /native addon \(tfjs_binding\.node\) is missing.*npm rebuild @tensorflow\/tfjs-node/,
    );
  });
});
