// The webgpu candidate through the real kernel, on the adapter this machine really has. Without
// a GPU (CI, this machine) that is Mesa's llvmpipe through Dawn's OpenGL ES backend: a software
// adapter, never the default, but it runs tfjs's WebGPU shaders for real, so its results are
// compared with the cpu backend's. On a machine with a hardware adapter, webgpu is active instead.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerLacksGraphics, explainNoGles, explainNoVulkan, type GraphicsFacts } from "../kernel/tensors/webgpu/diagnose.js";
import { errorOf, resultText, startKernel, stderr, stdout, type TestKernel } from "./helpers/kernel.js";

const ldconfig = execFileSync("/sbin/ldconfig", ["-p"], { encoding: "utf8" });
const hasLibvulkan = /libvulkan\.so\.1 /.test(ldconfig);

let k: TestKernel;
beforeAll(async () => {
  k = await startKernel();
  await k.client.execute('import { tf } from "parallab";');
}, 60_000);
afterAll(async () => {
  await k?.stop();
});

/** Runs `code`, whose last line is an expression giving a number[], and gives its value. */
async function numbers(code: string): Promise<number[]> {
  const lines = code.trimEnd().split("\n");
  const last = lines.pop()!;
  const { outputs, reply } = await k.client.execute([...lines, `console.log(JSON.stringify(${last}))`].join("\n"));
  expect(reply.content, JSON.stringify(errorOf(outputs))).toMatchObject({ status: "ok" });
  return JSON.parse(stdout(outputs).trim().split("\n").pop()!) as number[];
}

function expectClose(actual: number[], expected: number[], relative = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(1, ...expected.map(Math.abs));
  const worst = Math.max(...actual.map((a, i) => Math.abs(a - expected[i]!)));
  expect(worst / scale).toBeLessThan(relative);
}

describe("the webgpu candidate in a fresh kernel", () => {
  it("%gpu lists webgpu with its adapter, and says why a software adapter is not the default", async () => {
    const { outputs } = await k.client.execute("%gpu");
    const text = stdout(outputs);
    const line = /^ {2}webgpu +(\w+) +(.*)$/m.exec(text);
    expect(line, text).not.toBeNull();
    expect(text).toMatch(/WebGPU adapter \(Dawn\): .+ through (Vulkan|OpenGL ES|Metal|D3D12)/);
    expect(text).toMatch(/ {2}limits: maxBufferSize [\d.]+ \w+, maxStorageBufferBindingSize [\d.]+ \w+/);
    expect(text).toMatch(/ {2}features: shader-f16 (yes|no), timestamp-query (yes|no), subgroups (yes|no)/);
    if (/llvmpipe/.test(text)) {
      expect(line![1]).toBe("available");
      expect(line![2]).toMatch(
        /^only a software adapter: llvmpipe.* through OpenGL ES \(software\)\. It runs every op correctly but on the CPU.*never the default; `%gpu webgpu` uses it\. No GPU adapter because Vulkan: /,
      );
      if (!hasLibvulkan) expect(line![2]).toContain("the Vulkan loader libvulkan.so.1 is not installed: `sudo apt-get install libvulkan1`");
      expect(text).toMatch(/^Active backend: \w+ .*webgpu has only a software adapter/m);
      expect(text).toMatch(/ {2}backend OpenGL ES, software \(runs on the CPU\)/);
      // The order of the chain: CUDA, webgpu, TensorFlow on the CPU, wasm, cpu.
      expect([...text.matchAll(/^ {2}([\w-]+) +(active|available|unavailable) /gm)].map((m) => m[1])).toEqual(["tensorflow-gpu", "webgpu", "tensorflow-cpu", "wasm", "cpu"]);
    } else {
      expect(line![1]).toMatch(/active|available/);
    }
  });

  it("%gpu --json includes the adapter", async () => {
    const value = await k.client.execute("const s = %gpu --json\n[s.webgpu.api, typeof s.webgpu.software, s.webgpu.limits.maxStorageBufferBindingSize > 0, Object.keys(s.webgpu.features).join(',')]");
    expect(resultText(value.outputs).replace(/\s+/g, " ")).toMatch(/^\[ '(Vulkan|OpenGL ES|Metal|D3D12)', 'boolean', true, 'shader-f16,timestamp-query,subgroups' \]$/);
  });
});

describe("%gpu webgpu", () => {
  it("switches to it, and a matMul gives the cpu backend's result within 1e-4 relative", async () => {
    const switched = await k.client.execute("%gpu webgpu\ntf.getBackend()");
    expect(stdout(switched.outputs)).toMatch(/^Switched to webgpu \(webgpu\): /);
    expect(resultText(switched.outputs)).toBe("'webgpu'");
    const setup = "const a = tf.randomUniform([96, 80], -1, 1, 'float32', 7); const b = tf.randomUniform([80, 64], -1, 1, 'float32', 8);";
    const onGpu = await numbers(`${setup}\nArray.from(await tf.matMul(a, b).data())`);
    const onCpu = await numbers("%gpu cpu\nArray.from(tf.matMul(a, b).dataSync())");
    expectClose(onGpu, onCpu);
  });

  it("conv2d, softmax and one training step of a small MLP match the cpu backend", async () => {
    const program = `
const x = tf.randomUniform([2, 12, 12, 3], -1, 1, 'float32', 1) as any;
const filter = tf.randomUniform([3, 3, 3, 4], -1, 1, 'float32', 2) as any;
const conv = Array.from(await tf.conv2d(x, filter, [2, 2], 'same').data());
const soft = Array.from(await tf.softmax(tf.randomUniform([5, 10], -3, 3, 'float32', 3)).data());
const w1 = tf.variable(tf.randomUniform([16, 8], -0.5, 0.5, 'float32', 4));
const w2 = tf.variable(tf.randomUniform([8, 3], -0.5, 0.5, 'float32', 5));
const xs = tf.randomUniform([32, 16], 0, 1, 'float32', 6);
const ys = tf.oneHot(tf.tensor1d([...Array(32).keys()].map((i) => i % 3), 'int32'), 3).toFloat();
const loss = tf.train.sgd(0.1).minimize(() => tf.losses.softmaxCrossEntropy(ys, tf.matMul(tf.relu(tf.matMul(xs, w1)), w2)), true)!;
const step = [...conv, ...soft, ...(await loss.data()), ...(await w1.data()), ...(await w2.data())];
w1.dispose(); w2.dispose();
step`;
    const onGpu = await numbers(`%gpu webgpu\n${program}`);
    const onCpu = await numbers(`%gpu cpu\n${program}`);
    expectClose(onGpu, onCpu);
  });

  it("switches back and forth in one kernel, and tensors in notebook variables come along", async () => {
    await k.client.execute("%gpu webgpu\nconst kept = tf.matMul(tf.ones([4, 4]), tf.ones([4, 4]))");
    const toCpu = await k.client.execute("%gpu cpu\nJSON.stringify(Array.from(kept.add(1).dataSync()))");
    expect(resultText(toCpu.outputs)).toBe(`'${JSON.stringify(Array(16).fill(5))}'`);
    const back = await k.client.execute("%gpu webgpu\n[tf.getBackend(), (await kept.sum().data())[0]]");
    expect(resultText(back.outputs)).toBe("[ 'webgpu', 64 ]");
    const wasm = await k.client.execute("%gpu wasm\ntf.getBackend()");
    expect(resultText(wasm.outputs)).toBe("'wasm'");
  });

  it("shows a GPU tensor's values as the cell's value, and a synchronous read says to await", async () => {
    await k.client.execute("%gpu webgpu");
    const shown = await k.client.execute("tf.matMul(tf.tensor([[1, 2], [3, 4]]), tf.eye(2))");
    expect(resultText(shown.outputs)).toBe("Tensor float32 [2, 2]\n    [[1, 2],\n     [3, 4]]");
    const sync = await k.client.execute("tf.matMul(tf.ones([3, 3]), tf.ones([3, 3])).dataSync()");
    expect(sync.reply.content).toMatchObject({ status: "error", ename: "GpuReadbackError" });
    expect(errorOf(sync.outputs)!.evalue).toMatch(/^this tensor is on the GPU and Node can only read it back asynchronously.*use `await t\.data\(\)` or `await t\.array\(\)`/);
  });

  it("refuses a tensor beyond the adapter's binding limit, naming the limit, and goes on", async () => {
    await k.client.execute("%gpu webgpu");
    const limit = Number(resultText((await k.client.execute("const limits = %gpu --json\nlimits.webgpu.limits.maxStorageBufferBindingSize")).outputs));
    const side = Math.ceil(Math.sqrt(limit / 4)) + 8;
    const big = await k.client.execute(`const big = tf.add(tf.zeros([${side}, ${side}]), 1)`);
    expect(big.reply.content, errorOf(big.outputs)?.evalue).toMatchObject({ status: "error", ename: "TensorMemoryError" });
    expect(errorOf(big.outputs)!.evalue).toMatch(new RegExp(`^a float32 tensor of shape \\[${side}, ${side}\\] \\([\\d.]+ MiB\\) is larger than this WebGPU adapter's maxStorageBufferBindingSize`));
    const after = await k.client.execute("Array.from(await tf.add(tf.ones([2]), 1).data())");
    expect(resultText(after.outputs)).toBe("[ 2, 2 ]");
  });
});

describe("%%gpu on webgpu", () => {
  it("reports kernels, GPU memory in use and at peak, readback, and keeps the notebook's tensors", async () => {
    await k.client.execute("%gpu webgpu");
    const { outputs } = await k.client.execute("%%gpu\nconst m = tf.randomNormal([64, 64]);\nconst total = tf.matMul(tf.matMul(m, m), m).sum();\ntotal");
    const report = stdout(outputs);
    expect(report).toMatch(/^%%gpu on webgpu: wall time [\d.]+ (ms|µs|s) \(device synchronized\), readback [\d.]+ (ms|µs|s)\n/);
    expect(report).toMatch(/\n(kernels by calls \(no per-kernel GPU times: this adapter has no timestamp-query\)|top kernels \(GPU timestamps\)): .*BatchMatMul/);
    // The inner matMul's result is the one intermediate; m and total stay in variables.
    expect(report).toMatch(/tensors: peak [\d.]+ KiB; 2 freed at the end of the cell, 1 returned, 1 kept in notebook variables, 0 kept with tf\.keep\(\)\n/);
    expect(report).toMatch(/\nGPU memory: [\d.]+ KiB in use, peak [\d.]+ KiB\n$/);
    expect(resultText(outputs)).toMatch(/^Tensor float32 \[\]/);
    const next = await k.client.execute("(await m.sum().data())[0] !== 0");
    expect(resultText(next.outputs)).toBe("true");
  });
});

describe("a lost device", () => {
  it("is reported, and the chain falls back", async () => {
    await k.client.execute("%gpu webgpu");
    await k.client.execute("(tf.backend() as any).device.destroy()");
    // The loss arrives asynchronously; the next cell sees the fallback.
    await new Promise((r) => setTimeout(r, 200));
    const now = await k.client.execute("tf.getBackend()");
    expect(resultText(now.outputs)).not.toBe("'webgpu'");
    const status = await k.client.execute("%gpu");
    expect(stdout(status.outputs)).toMatch(/ {2}webgpu +available +the device was lost \(destroyed: .*\); `%gpu webgpu` asks for a new one/);
    const again = await k.client.execute("%gpu webgpu\nArray.from(await tf.add(tf.ones([2]), 2).data())");
    expect(resultText(again.outputs)).toBe("[ 3, 3 ]");
  });
});

describe("PARALLAB_TF_BACKEND, and shutdown", () => {
  it("starts on the backend the environment names; shutdown releases the device and the process exits cleanly", async () => {
    const own = await startKernel({ env: { PARALLAB_TF_BACKEND: "webgpu" } });
    const first = await own.client.execute('import { tf } from "parallab";\nconst onGpu = await tf.ones([8]).data();\ntf.getBackend()');
    expect(resultText(first.outputs)).toBe("'webgpu'");
    const status = await own.client.execute("%gpu");
    expect(stdout(status.outputs)).toMatch(/^Active backend: webgpu \(webgpu\): .*; chosen with PARALLAB_TF_BACKEND=webgpu\n/);
    const exited = new Promise<number | null>((r) => own.kernel.process.once("exit", (code) => r(code)));
    const { reply } = await own.client.request("control", "shutdown_request", { restart: false });
    expect(reply.content).toMatchObject({ status: "ok" });
    expect(await exited).toBe(0);
    await own.stop();
  });
});

describe("why there is no adapter", () => {
  it("names a missing EGL driver when the environment hides it", async () => {
    const hidden = await startKernel({ env: { __EGL_VENDOR_LIBRARY_FILENAMES: "/nonexistent/egl_vendor.json", VK_DRIVER_FILES: "/nonexistent/icd.json" } });
    try {
      const { outputs } = await hidden.client.execute("%gpu");
      const line = /^ {2}webgpu +(\w+) +(.*)$/m.exec(stdout(outputs));
      expect(line![1]).toBe("unavailable");
      expect(line![2]).toMatch(/^no WebGPU adapter\. Vulkan: .+; OpenGL ES: __EGL_VENDOR_LIBRARY_FILENAMES names no EGL driver that exists \(\/nonexistent\/egl_vendor\.json\): unset it$/);
      if (hasLibvulkan) expect(line![2]).toContain("VK_DRIVER_FILES names no Vulkan driver that exists (/nonexistent/icd.json)");
      expect(stderr(outputs)).toBe("");
    } finally {
      await hidden.stop();
    }
  });

  const facts = (over: Partial<GraphicsFacts>): GraphicsFacts => ({
    platform: "linux",
    libvulkan: "/usr/lib/x86_64-linux-gnu/libvulkan.so.1",
    vulkanIcds: ["nvidia_icd.json"],
    icdOverride: null,
    libegl: "/usr/lib/x86_64-linux-gnu/libEGL.so.1",
    eglVendors: ["50_mesa.json"],
    eglVendorOverride: null,
    nvidiaGpu: true,
    nvidiaCapabilities: null,
    ...over,
  });

  it("tells each cause apart with what to do", () => {
    expect(containerLacksGraphics(facts({ nvidiaCapabilities: "compute,utility" }))).toBe(true);
    expect(containerLacksGraphics(facts({ nvidiaCapabilities: "all" }))).toBe(false);
    expect(explainNoVulkan(facts({ nvidiaCapabilities: "compute,utility" }))).toMatch(/without the graphics capability \(NVIDIA_DRIVER_CAPABILITIES=compute,utility\).*NVIDIA_DRIVER_CAPABILITIES=all/);
    expect(explainNoVulkan(facts({ libvulkan: null, nvidiaGpu: false }))).toBe("the Vulkan loader libvulkan.so.1 is not installed: `sudo apt-get install libvulkan1`, plus your GPU's Vulkan driver");
    expect(explainNoVulkan(facts({ vulkanIcds: [] }))).toMatch(/no Vulkan driver \(ICD manifest in .*\) is: install your GPU's Vulkan driver \(NVIDIA's: .*nvidia_icd\.json\)/);
    expect(explainNoVulkan(facts({ vulkanIcds: ["lvp_icd.x86_64.json"], nvidiaGpu: false }))).toMatch(/only Vulkan driver is a CPU one \(lvp_icd\.x86_64\.json\)/);
    expect(explainNoVulkan(facts({ vulkanIcds: ["intel_icd.x86_64.json"] }))).toMatch(/NVIDIA GPU is present but its Vulkan driver \(nvidia_icd\.json\) is not among the ICDs/);
    expect(explainNoGles(facts({ libegl: null }))).toBe("EGL (libEGL.so.1) is not installed: `sudo apt-get install libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri`");
    expect(explainNoGles(facts({ eglVendors: [] }))).toMatch(/libEGL\.so\.1 has no driver .*sudo apt-get install libegl1 libegl-mesa0/);
  });
});
