// bench/gpu: float32 matMul GFLOP/s and one training epoch of a small MLP on every tfjs backend
// path this machine has (tensorflow, webgpu, wasm, wasm+openblas, cpu), against numpy in the
// same run. webgpu runs on the adapter it would run on when asked for (on a machine without a
// GPU: Mesa's llvmpipe, a software adapter).
//   node bench/run.js gpu [--quick] [--sizes 512,1024,2048,4096] [--only webgpu,tensorflow-gpu]
//   (npm run bench -- gpu builds first; bench/gpu/device-check.sh runs it on a GPU machine)
// The last line of stdout is one JSON object: {"matmul1024_best_vs_numpy", "best_path",
// "webgpu_matmul1024_gflops", "webgpu_vs_cpu", "raw"}.
import { execFileSync, spawnSync } from "node:child_process";
import os from "node:os";

const HELP = `usage: node bench/run.js gpu [--quick] [--sizes LIST] [--only PATHS]
  --quick        smoke run: n = 512, 1024 only, no MLP epoch on the cpu backend
  --sizes LIST   matMul sizes, comma-separated (default 512,1024,2048; a GPU machine adds 4096)
  --only PATHS   measure only these paths (e.g. webgpu,tensorflow-gpu), beside numpy`;
if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log(HELP);
  process.exit(0);
}
const QUICK = process.argv.includes("--quick");
const argValue = (flag) => {
  const i = process.argv.indexOf(flag);
  return i < 0 ? null : (process.argv[i + 1] ?? null);
};
const ONLY = argValue("--only")?.split(",").filter(Boolean) ?? null;

const SIZES = argValue("--sizes")
  ? argValue("--sizes")
      .split(",")
      .map(Number)
      .filter((n) => n > 0)
  : QUICK
    ? [512, 1024]
    : [512, 1024, 2048];
if (!SIZES.includes(1024)) SIZES.push(1024); // the headline figures are at n = 1024
SIZES.sort((a, b) => a - b);
const CPU_SIZES = [512, 1024]; // the cpu backend does ~0.7 GFLOP/s: n = 2048 would take ~30 s
const MIN_RUNS = 3; // best of at least this many timed runs per size...
const MIN_SECONDS = 1; // ...and of as many as fit in this time
const MAX_RUNS = 20;
const MLP = { samples: 4096, batch: 128, inputs: 784, hidden: 256, classes: 10 };
const PYTHON = "/usr/bin/python3"; // Debian's, with Debian's numpy

const gflops = (n, seconds) => (2 * n ** 3) / seconds / 1e9;
const round = (x, digits = 3) => (x == null || !Number.isFinite(x) ? null : +x.toFixed(digits));
const firstLine = (err) => String(err?.message ?? err).split("\n")[0];

// numpy is the baseline: Debian's python3-numpy, installed as the tests' system packages are
// (apt-get as root), or the command to run.
function ensureNumpy() {
  const has = () => spawnSync(PYTHON, ["-c", "import numpy"], { stdio: "ignore" }).status === 0;
  if (has()) return;
  const command = "apt-get install -y --no-install-recommends python3-numpy";
  if (process.getuid?.() === 0 && spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0) {
    console.log(`bench/gpu: installing Debian's python3-numpy (the baseline): ${command}`);
    try {
      execFileSync("apt-get", command.split(" ").slice(1), { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    } catch {
      // Said below.
    }
    if (has()) return;
  }
  console.error(`bench/gpu: Debian's numpy (the baseline) is not installed for ${PYTHON}. Install it, then run again:\n  sudo ${command}`);
  process.exit(1);
}
ensureNumpy();

// The built kernel modules (dist/); without them there is nothing to measure.
let runtime, native, buildNative;
try {
  runtime = await import("../../dist/kernel/tensors/runtime.js");
  native = await import("../../dist/kernel/tensors/native-kernels.js");
  buildNative = await import("../../dist/cli/scripts/build-native.js");
} catch (err) {
  console.error(`bench/gpu: cannot load the built kernel (${firstLine(err)}): run \`npm run build\` first`);
  process.exit(1);
}
const tensors = new runtime.TensorRuntime();
const { installNativeKernels, uninstallNativeKernels, nativeKernelCalls } = native;
const nativeMatMulCalls = nativeKernelCalls.BatchMatMul;

// ---------------------------------------------------------------------------------------------
// tfjs measurements (on whatever backend is active)

/** Seconds of one n x n float32 matMul, synchronised by reading the whole result back. */
async function matMulOnce(tf, a, b) {
  const t0 = performance.now();
  const c = tf.matMul(a, b);
  await c.data();
  const seconds = (performance.now() - t0) / 1000;
  c.dispose();
  return seconds;
}

/** Best matMul time at n: one warm-up, then MIN_RUNS..MAX_RUNS runs for about MIN_SECONDS (or `runs` runs). */
async function timeMatMul(tf, n, runs) {
  const a = tf.randomUniform([n, n], -1, 1, "float32", 1);
  const b = tf.randomUniform([n, n], -1, 1, "float32", 2);
  try {
    let best = Infinity;
    if (runs) {
      for (let r = 0; r < runs; r++) best = Math.min(best, await matMulOnce(tf, a, b));
    } else {
      await matMulOnce(tf, a, b); // warm-up
      const end = performance.now() + MIN_SECONDS * 1000;
      for (let r = 0; r < MAX_RUNS && (r < MIN_RUNS || performance.now() < end); r++) best = Math.min(best, await matMulOnce(tf, a, b));
    }
    return best;
  } finally {
    tf.dispose([a, b]);
  }
}

/** Seconds of one epoch of model.fit (784 -> 256 relu -> 10 softmax, Adam), after `warmups` epochs. */
async function timeMlpEpoch(tf, warmups) {
  const x = tf.randomUniform([MLP.samples, MLP.inputs], 0, 1, "float32", 3);
  const labels = tf.randomUniform([MLP.samples], 0, MLP.classes, "int32", 4);
  const y = tf.oneHot(labels, MLP.classes).toFloat();
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [MLP.inputs], units: MLP.hidden, activation: "relu" }), tf.layers.dense({ units: MLP.classes, activation: "softmax" })],
  });
  const optimizer = tf.train.adam();
  model.compile({ optimizer, loss: "categoricalCrossentropy" });
  const epoch = async () => {
    const t0 = performance.now();
    await model.fit(x, y, { epochs: 1, batchSize: MLP.batch, verbose: 0 });
    await model.layers[1].getWeights()[1].data(); // the last bias: waits for the last update
    return (performance.now() - t0) / 1000;
  };
  try {
    for (let w = 0; w < warmups; w++) await epoch();
    return await epoch();
  } finally {
    model.dispose();
    optimizer.dispose();
    tf.dispose([x, labels, y]);
  }
}

/** Measures one path (its backend already active); prints rows as it goes. */
async function measurePath(tf, name, { sizes, slow, mlp }) {
  const result = { gflops: {}, mlp_epoch_s: null };
  if (slow) await timeMatMul(tf, 128, 1); // the cpu backend: warm the kernel up on a small matrix only
  for (const n of SIZES) {
    if (!sizes.includes(n)) {
      result.gflops[n] = null;
      console.log(row(name, `matMul n=${n}`, "skipped (too slow)"));
      continue;
    }
    const seconds = await timeMatMul(tf, n, slow ? 1 : undefined);
    result.gflops[n] = round(gflops(n, seconds), 2);
    console.log(row(name, `matMul n=${n}`, `${result.gflops[n].toFixed(1).padStart(7)} GFLOP/s  (${(seconds * 1000).toFixed(1)} ms${slow ? ", one run" : ", best"})`));
  }
  if (mlp === "skip") {
    console.log(row(name, "MLP epoch", "skipped (--quick)"));
  } else {
    result.mlp_epoch_s = round(await timeMlpEpoch(tf, mlp === "once" ? 0 : 1));
    console.log(row(name, "MLP epoch", `${result.mlp_epoch_s.toFixed(3).padStart(7)} s${mlp === "once" ? "  (one epoch, no warm-up)" : ""}`));
  }
  return result;
}

const row = (path, what, value) => `  ${path.padEnd(14)} ${what.padEnd(14)} ${value}`;

// ---------------------------------------------------------------------------------------------
// numpy: the same matMuls, and the same MLP written by hand (forward, backward, Adam)

const NUMPY = `
import json, sys, time
import numpy as np
sizes, min_runs, min_seconds, max_runs = [int(s) for s in sys.argv[1].split(",")], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
samples, batch, inputs, hidden, classes = (int(v) for v in sys.argv[5].split(","))
out = {"version": np.__version__, "gflops": {}, "mlp_epoch_s": None}
rng = np.random.default_rng(0)
for n in sizes:
    a = rng.uniform(-1, 1, (n, n)).astype(np.float32); b = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    a @ b  # warm-up
    best = float("inf"); end = time.perf_counter() + min_seconds; runs = 0
    while runs < max_runs and (runs < min_runs or time.perf_counter() < end):
        t0 = time.perf_counter(); a @ b; best = min(best, time.perf_counter() - t0); runs += 1
    out["gflops"][n] = 2 * n ** 3 / best / 1e9

# MLP as tf.layers builds it: glorot-uniform weights, zero biases, softmax + categorical
# cross-entropy, Adam (lr 0.001, eps 1e-7), shuffled batches.
x = rng.random((samples, inputs), dtype=np.float32)
y = np.eye(classes, dtype=np.float32)[rng.integers(0, classes, samples)]
glorot = lambda i, o: rng.uniform(-np.sqrt(6 / (i + o)), np.sqrt(6 / (i + o)), (i, o)).astype(np.float32)
params = [glorot(inputs, hidden), np.zeros(hidden, np.float32), glorot(hidden, classes), np.zeros(classes, np.float32)]
m = [np.zeros_like(p) for p in params]; v = [np.zeros_like(p) for p in params]
step = [0]
def epoch():
    order = rng.permutation(samples)
    for s in range(0, samples, batch):
        idx = order[s:s + batch]; xb, yb = x[idx], y[idx]
        w1, b1, w2, b2 = params
        h = np.maximum(xb @ w1 + b1, 0)
        z = h @ w2 + b2
        p = np.exp(z - z.max(1, keepdims=True)); p /= p.sum(1, keepdims=True)
        dz = (p - yb) / len(idx)  # d(mean cross-entropy)/dz
        dh = (dz @ w2.T) * (h > 0)
        grads = [xb.T @ dh, dh.sum(0), h.T @ dz, dz.sum(0)]
        step[0] += 1; t = step[0]
        for i, g in enumerate(grads):
            m[i] = 0.9 * m[i] + 0.1 * g; v[i] = 0.999 * v[i] + 0.001 * g * g
            params[i] -= 0.001 * (m[i] / (1 - 0.9 ** t)) / (np.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-7)
epoch()  # warm-up
t0 = time.perf_counter(); epoch(); out["mlp_epoch_s"] = time.perf_counter() - t0
print(json.dumps(out))
`;

/** numpy's GFLOP/s by n and MLP epoch seconds, or { error }. */
function runNumpy() {
  const args = [SIZES.join(","), MIN_RUNS, MIN_SECONDS, MAX_RUNS, [MLP.samples, MLP.batch, MLP.inputs, MLP.hidden, MLP.classes].join(",")].map(String);
  const r = spawnSync(PYTHON, ["-c", NUMPY, ...args], { encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) return { error: `${PYTHON} failed: ${firstLine(r.error ?? (r.stderr.trim().split("\n").pop() || `exit ${r.status}`))}` };
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

/** Keeps the better figure of two numpy runs (the machine is shared: bracket the tfjs paths). */
function mergeNumpy(a, b) {
  if (a.error) return b;
  if (b.error) return a;
  const gflops = Object.fromEntries(Object.keys(a.gflops).map((n) => [n, Math.max(a.gflops[n], b.gflops[n])]));
  return { version: a.version, gflops, mlp_epoch_s: Math.min(a.mlp_epoch_s, b.mlp_epoch_s) };
}

function printNumpy(label, np) {
  if (np.error) return console.log(row("numpy", label, `not measured: ${np.error}`));
  for (const n of SIZES) console.log(row("numpy", `matMul n=${n}`, `${np.gflops[n].toFixed(1).padStart(7)} GFLOP/s  (${label})`));
  console.log(row("numpy", "MLP epoch", `${np.mlp_epoch_s.toFixed(3).padStart(7)} s  (${label})`));
}

// ---------------------------------------------------------------------------------------------
// The run

const tf = await tensors.ready();
const status = await tensors.status();
const machine = {
  cores: os.availableParallelism(),
  cpu: os.cpus()[0]?.model ?? null,
  node: process.version,
  tfjs: tf.version.tfjs,
  wasm_simd: status.wasmSimd,
  kernel_native_matmul: status.nativeKernels ?? null, // what the tensor runtime set up for wasm by itself
  webgpu_adapter: status.webgpu ? { ...status.webgpu, deviceMemory: undefined } : null,
  loadavg_start: os.loadavg().map((l) => round(l, 2)),
};
console.log(`bench/gpu${QUICK ? " --quick" : ""}: ${machine.cores} cores (${machine.cpu}), node ${machine.node}, tfjs ${machine.tfjs}, load ${machine.loadavg_start.join(" ")}`);
console.log(`matMul: float32 n x n, 2n^3 flops, synchronised by dataSync; best of >= ${MIN_RUNS} runs / ${MIN_SECONDS} s after a warm-up (cpu: one run)`);
console.log(`MLP: ${MLP.inputs}->${MLP.hidden}(relu)->${MLP.classes}(softmax), Adam, batch ${MLP.batch}, ${MLP.samples} random samples, one epoch of model.fit after a warm-up epoch`);
console.log("backends:");
for (const c of status.candidates) console.log(`  ${c.id.padEnd(15)} ${c.status.padEnd(12)} ${c.reason}`);

// Paths: the first usable candidate of each backend, best first; wasm+openblas right after wasm.
const skipped = {};
const plan = [];
for (const c of status.candidates) {
  if (ONLY && !ONLY.includes(c.id) && !(c.id === "wasm" && ONLY.includes("wasm+openblas"))) skipped[c.id] = "not asked for (--only)";
  else if (c.status === "unavailable") skipped[c.id] = c.reason;
  else if (plan.some((p) => p.backend === c.backend)) skipped[c.id] = `the ${c.backend} backend is measured as ${plan.find((p) => p.backend === c.backend).name}`;
  else {
    plan.push({ name: c.id, backend: c.backend });
    if (c.backend === "wasm") plan.push({ name: "wasm+openblas", backend: "wasm", openblas: true });
  }
}
if (!plan.some((p) => p.openblas)) skipped["wasm+openblas"] ??= ONLY ? "not asked for (--only)" : "the wasm backend is unavailable";
if (ONLY) for (let i = plan.length - 1; i >= 0; i--) if (!ONLY.includes(plan[i].name)) plan.splice(i, 1);

if (plan.some((p) => p.openblas))
  console.log(`wasm: measured with tfjs's own matMul kernel${status.nativeKernels?.ok ? " (the kernel's OpenBLAS override removed for it)" : ""}, then as wasm+openblas with the override`);
console.log("\nmeasurements:");
let numpy = runNumpy();
printNumpy("before tfjs", numpy);

// The kernel may route wasm's matMul through OpenBLAS by itself (the runtime installs the
// override when the addon is built): plain "wasm" runs with it removed, "wasm+openblas" with it.
const overrideByDefault = status.nativeKernels?.ok === true;
const paths = {};
for (const p of plan) {
  try {
    await tensors.use(p.backend);
    if (p.backend === "wasm" && !p.openblas) uninstallNativeKernels(tf);
    const extra = {};
    if (p.openblas) {
      const built = buildNative.buildNativeBlas();
      const installed = built.ok ? installNativeKernels(tf) : { ok: false, reason: `native/blas not built: ${built.reason}` };
      if (!installed.ok) {
        skipped[p.name] = installed.reason;
        console.log(row(p.name, "", `skipped: ${firstLine(installed.reason)}`));
        continue;
      }
      extra.openblas_threads = installed.threads;
    }
    const calls = { ...nativeMatMulCalls };
    const slow = p.backend === "cpu";
    // A software adapter runs at a few GFLOP/s: n = 4096 would take minutes.
    const sizes = slow ? CPU_SIZES : p.backend === "webgpu" && status.webgpu?.software ? SIZES.filter((n) => n <= 2048) : SIZES;
    const mlp = slow ? (QUICK ? "skip" : "once") : "warm";
    paths[p.name] = { backend: p.backend, ...(await measurePath(tf, p.name, { sizes, slow, mlp })), ...extra };
    // Proof of which kernel ran: matMuls that went to OpenBLAS, and those that fell back to XNNPACK.
    if (p.backend === "wasm") Object.assign(paths[p.name], { native_matmul_calls: nativeMatMulCalls.native - calls.native, fallback_calls: nativeMatMulCalls.fallback - calls.fallback });
  } catch (err) {
    skipped[p.name] = firstLine(err);
    delete paths[p.name];
    console.log(row(p.name, "", `failed: ${firstLine(err)}`));
  } finally {
    // Leave wasm's matMul as the kernel set it up.
    if (p.backend === "wasm" && overrideByDefault) installNativeKernels(tf);
    else if (p.backend === "wasm") uninstallNativeKernels(tf);
  }
}

const numpyAfter = runNumpy();
printNumpy("after tfjs", numpyAfter);
numpy = mergeNumpy(numpy, numpyAfter);
machine.loadavg_end = os.loadavg().map((l) => round(l, 2));

// Summary table: GFLOP/s by n, MLP epoch, and the ratio to numpy at n = 1024.
const np1024 = numpy.gflops?.[1024] ?? null;
const fmt = (v, digits = 1) => (v == null ? "-" : v.toFixed(digits));
console.log(`\nsummary (numpy: the better of its two runs${numpy.version ? `, numpy ${numpy.version}` : ""}):`);
console.log(`  ${"path".padEnd(14)} ${SIZES.map((n) => `n=${n}`.padStart(9)).join(" ")}   GFLOP/s   ${"MLP epoch s".padStart(11)}   vs numpy @1024`);
const summary = [...Object.entries(paths), ["numpy", numpy]];
for (const [name, r] of summary) {
  const g = r.gflops ?? {};
  const ratio = g[1024] != null && np1024 ? `${(g[1024] / np1024).toFixed(3)}x` : "-";
  console.log(`  ${name.padEnd(14)} ${SIZES.map((n) => fmt(g[n]).padStart(9)).join(" ")}             ${fmt(r.mlp_epoch_s, 3).padStart(11)}   ${ratio.padStart(14)}`);
}
for (const [name, reason] of Object.entries(skipped)) console.log(`  ${name.padEnd(14)} skipped: ${firstLine(reason)}`);

// The headline: the best tfjs path at n = 1024 against numpy.
const [bestPath, best] = Object.entries(paths).reduce((b, e) => ((e[1].gflops[1024] ?? -1) > (b[1]?.gflops[1024] ?? -1) ? e : b), [null, null]);
const ratio = best && np1024 ? round(best.gflops[1024] / np1024) : null;
console.log(`\ntarget: best path >= 0.3x numpy at n=1024: ${bestPath ?? "no path"} ${ratio == null ? "(no figure)" : `${ratio}x -> ${ratio >= 0.3 ? "met" : "NOT met"}`}`);
// webgpu beside the cpu backend (its reference): on llvmpipe both run on the CPU.
const webgpu1024 = paths.webgpu?.gflops[1024] ?? null;
const cpu1024 = paths.cpu?.gflops[1024] ?? null;
const webgpuVsCpu = webgpu1024 != null && cpu1024 ? round(webgpu1024 / cpu1024, 2) : null;
if (paths.webgpu) console.log(`webgpu (${status.webgpu ? runtime.adapterName(status.webgpu) : "?"}): ${fmt(webgpu1024)} GFLOP/s at n=1024, ${webgpuVsCpu ?? "-"}x the cpu backend`);

const raw = {
  paths,
  numpy: numpy.error ? { error: numpy.error } : { version: numpy.version, gflops: mapValues(numpy.gflops, (v) => round(v, 2)), mlp_epoch_s: round(numpy.mlp_epoch_s) },
  skipped,
  machine,
  quick: QUICK,
};
console.log(JSON.stringify({ matmul1024_best_vs_numpy: ratio, best_path: bestPath, webgpu_matmul1024_gflops: webgpu1024, webgpu_vs_cpu: webgpuVsCpu, raw }));
// A WebGPU device keeps Node's event loop alive: release it, then leave.
tensors.release();
process.exit(0);

function mapValues(o, f) {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}
