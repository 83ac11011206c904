// Probe: float32 matMul GFLOP/s at n = 512, 1024, 2048 for tfjs's wasm backend with its own
// kernel, with the OpenBLAS override (native/blas), and numpy (Debian's /usr/bin/python3) in
// the same run. Needs `npm run build`; builds the addon if it is not built.
//   node bench/gpu/native-matmul-probe.js [--seconds S] [--sizes 512,1024,2048]
import { execFileSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { buildNativeBlas } from "../../dist/cli/scripts/build-native.js";
import { installNativeKernels, nativeKernelCalls, uninstallNativeKernels } from "../../dist/kernel/tensors/native-kernels.js";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const SECONDS = Number(arg("--seconds", "1"));
const SIZES = arg("--sizes", "512,1024,2048").split(",").map(Number);
const gflops = (n, seconds) => (2 * n ** 3) / seconds / 1e9;

/** Best time of one matMul: repeats for about SECONDS after a warm-up call. */
function timeTf(n) {
  const a = tf.randomUniform([n, n], -1, 1, "float32", 1);
  const b = tf.randomUniform([n, n], -1, 1, "float32", 2);
  // The wasm backend runs kernels synchronously, so timing the call times the work; no read-back.
  tf.matMul(a, b).dispose();
  let best = Infinity;
  const end = performance.now() + SECONDS * 1000;
  for (let reps = 0; reps < 3 || performance.now() < end; reps++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    best = Math.min(best, (performance.now() - t0) / 1000);
    c.dispose();
  }
  tf.dispose([a, b]);
  return best;
}

function timeNumpy(sizes) {
  const script = `
import json, sys, time
import numpy as np
out = {}
for n in map(int, sys.argv[2].split(",")):
    rng = np.random.default_rng(0)
    a = rng.random((n, n), dtype=np.float32); b = rng.random((n, n), dtype=np.float32)
    a @ b
    best = float("inf"); end = time.perf_counter() + float(sys.argv[1]); reps = 0
    while reps < 3 or time.perf_counter() < end:
        t0 = time.perf_counter(); a @ b; best = min(best, time.perf_counter() - t0); reps += 1
    out[n] = best
print(json.dumps(out))`;
  try {
    return JSON.parse(execFileSync("/usr/bin/python3", ["-c", script, String(SECONDS), sizes.join(",")], { encoding: "utf8" }));
  } catch (err) {
    console.log(`numpy: not measured (${err.message.split("\n")[0]})`);
    return {};
  }
}

const build = buildNativeBlas();
console.log(build.ok ? `addon: ${build.path}` : `addon: not built: ${build.reason}`);
await tf.setBackend("wasm");
await tf.ready();
console.log(`tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}, simd ${tf.env().getBool("WASM_HAS_SIMD_SUPPORT")}, threads ${tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT")}`);

const rows = SIZES.map((n) => ({ n, wasm: timeTf(n) }));
const installed = build.ok ? installNativeKernels(tf) : { ok: false, reason: "addon not built" };
if (installed.ok) {
  console.log(`OpenBLAS override installed, ${installed.threads} OpenBLAS threads`);
  for (const row of rows) row.native = timeTf(row.n);
  uninstallNativeKernels(tf);
  console.log(`native calls ${nativeKernelCalls.BatchMatMul.native}, fallbacks ${nativeKernelCalls.BatchMatMul.fallback}`);
} else {
  console.log(`OpenBLAS override not installed: ${installed.reason}`);
}
const numpy = timeNumpy(SIZES);

const fmt = (v) => (v === undefined ? "-" : v.toFixed(1));
console.log("\n    n   wasm GFLOP/s   wasm+OpenBLAS GFLOP/s   numpy GFLOP/s   wasm/numpy   OpenBLAS/numpy");
for (const { n, wasm, native } of rows) {
  const g = { wasm: gflops(n, wasm), native: native && gflops(n, native), numpy: numpy[n] && gflops(n, numpy[n]) };
  const ratio = (x) => (x && g.numpy ? `${(x / g.numpy).toFixed(2)}x` : "-");
  console.log(
    `${String(n).padStart(5)}   ${fmt(g.wasm).padStart(12)}   ${fmt(g.native).padStart(21)}   ${fmt(g.numpy).padStart(13)}   ${ratio(g.wasm).padStart(10)}   ${ratio(g.native).padStart(14)}`,
  );
}
