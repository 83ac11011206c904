// The backends %gpu chooses from, best first, and why each one that was skipped was skipped,
// in words a user can act on. setBackend() fails silently (it returns false and keeps the old
// backend), so every step checks its result and tf.getBackend().
import { isInstalled, requireOptional, type Tf } from "./tfjs.js";
import type { AdapterReport } from "./webgpu/adapters.js";

export type BackendName = "tensorflow" | "webgpu" | "wasm" | "cpu";
export type CandidateId = "tensorflow-gpu" | "webgpu" | "tensorflow-cpu" | "wasm" | "cpu";

export interface Candidate {
  id: CandidateId;
  backend: BackendName;
  /** The npm package that provides it. */
  package: string;
  status: "active" | "available" | "unavailable";
  reason: string;
  /** webgpu: the adapter it runs on (or would, when asked for). */
  adapter?: AdapterReport;
}

/** The webgpu step of the selection: whether it works, whether it may be chosen by default, and why. */
export interface WebGpuStep {
  works: boolean;
  /** A software adapter works but is never the default. */
  preferred: boolean;
  reason: string;
  adapter?: AdapterReport;
}

const TFJS_NODE_VERSION = "4.22.0";

const INSTALL_NOTE = (pkg: string) =>
  `\`npm install ${pkg}@${TFJS_NODE_VERSION}\` downloads libtensorflow from storage.googleapis.com while it installs, so it needs access to that host` +
  (pkg.endsWith("-gpu") ? "; at run time it needs an NVIDIA driver, CUDA 11.2 and cuDNN 8.1" : "");

/** Why loading a tfjs-node package failed, from the error Node gave. */
export function explainLoadFailure(pkg: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string }).code;
  if (code === "MODULE_NOT_FOUND" && message.includes(`'${pkg}'`)) return `${pkg} is not installed: ${INSTALL_NOTE(pkg)}`;
  if (/tfjs_binding\.node/.test(message))
    return `${pkg} is installed but its native addon (tfjs_binding.node) is missing: its install step could not download libtensorflow. Run \`npm rebuild ${pkg}\` where storage.googleapis.com is reachable`;
  const missingLib = /(lib[\w.+-]+\.so[\w.]*): cannot open shared object file/.exec(message)?.[1];
  if (missingLib && /cudart|cublas|cufft|curand|cusolver|cusparse/.test(missingLib))
    return `the CUDA runtime library ${missingLib} was not found: install CUDA 11.2 and add its lib64 directory to LD_LIBRARY_PATH`;
  if (missingLib && /cudnn/.test(missingLib)) return `the cuDNN library ${missingLib} was not found: install cuDNN 8.1 for CUDA 11.2 and add it to LD_LIBRARY_PATH`;
  if (missingLib && /tensorflow/.test(missingLib)) return `${missingLib} was not found: reinstall ${pkg} (\`npm rebuild ${pkg}\`) where storage.googleapis.com is reachable`;
  if (missingLib) return `the shared library ${missingLib} was not found (${message.split("\n")[0]})`;
  return `${pkg} failed to load: ${message.split("\n")[0]}`;
}

export async function activate(tf: Tf, backend: BackendName): Promise<string | null> {
  let ok: boolean;
  try {
    ok = await tf.setBackend(backend);
    await tf.ready();
  } catch (err) {
    return `tf.setBackend("${backend}") threw: ${(err as Error).message}`;
  }
  if (!ok || tf.getBackend() !== backend) return `tf.setBackend("${backend}") did not take (the backend stayed "${tf.getBackend()}")`;
  // The cpu backend's "install our node backend" banner: %gpu says that, with the reason.
  if (backend === "cpu") (tf.backend() as { firstUse?: boolean }).firstUse = false;
  return null;
}

/** Loads one tfjs-node flavour; its "tensorflow" backend registers as it loads. */
function loadTensorflow(pkg: string): string | null {
  if (!isInstalled(pkg)) return explainLoadFailure(pkg, Object.assign(new Error(`Cannot find module '${pkg}'`), { code: "MODULE_NOT_FOUND" }));
  try {
    requireOptional(pkg);
    return null;
  } catch (err) {
    return explainLoadFailure(pkg, err);
  }
}

/**
 * Tries the candidates best first and leaves the best one that works active: tensorflow on a
 * GPU (tfjs-node-gpu), webgpu on a hardware adapter, tensorflow on the CPU (tfjs-node), wasm
 * (SIMD), cpu.
 */
export async function selectBest(tf: Tf, gpuHint: () => Promise<string>, webgpu: (verify: boolean) => Promise<WebGpuStep>): Promise<Candidate[]> {
  const found: Candidate[] = [];
  let chosen = false;
  const add = (c: Omit<Candidate, "status"> & { works: boolean; preferred?: boolean }) => {
    const preferred = c.preferred ?? true;
    const status = c.works ? (chosen || !preferred ? "available" : "active") : "unavailable";
    if (c.works && preferred) chosen = true;
    found.push({ id: c.id, backend: c.backend, package: c.package, status, reason: c.reason, ...(c.adapter ? { adapter: c.adapter } : {}) });
  };
  let webgpuAdded = false;
  const addWebGpu = async () => {
    if (webgpuAdded) return;
    webgpuAdded = true;
    // A device is only made (to verify the adapter) when webgpu may become the active backend.
    const step = await webgpu(!chosen);
    add({ id: "webgpu", backend: "webgpu", package: "webgpu", ...step });
  };

  // Only one tfjs-node flavour can load: both register the backend "tensorflow".
  const gpuFailure = loadTensorflow("@tensorflow/tfjs-node-gpu");
  let tensorflowLoaded = gpuFailure === null;
  if (tensorflowLoaded) {
    const failure = await activate(tf, "tensorflow");
    const onGpu = failure === null && (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
    add({
      id: "tensorflow-gpu",
      backend: "tensorflow",
      package: "@tensorflow/tfjs-node-gpu",
      works: onGpu,
      reason: onGpu ? "TensorFlow runs on the GPU (tfjs-node-gpu)" : (failure ?? `tfjs-node-gpu loaded, but TensorFlow found no GPU device (${await gpuHint()})`),
    });
    await addWebGpu();
    add({
      id: "tensorflow-cpu",
      backend: "tensorflow",
      package: "@tensorflow/tfjs-node-gpu",
      works: failure === null,
      reason: failure ?? "TensorFlow's native CPU kernels, through tfjs-node-gpu (no GPU device)",
    });
  } else {
    add({ id: "tensorflow-gpu", backend: "tensorflow", package: "@tensorflow/tfjs-node-gpu", works: false, reason: gpuFailure! });
    await addWebGpu();
    const cpuFailure = loadTensorflow("@tensorflow/tfjs-node");
    tensorflowLoaded = cpuFailure === null;
    const failure = tensorflowLoaded ? await activate(tf, "tensorflow") : cpuFailure;
    add({ id: "tensorflow-cpu", backend: "tensorflow", package: "@tensorflow/tfjs-node", works: failure === null, reason: failure ?? "TensorFlow's native CPU kernels (tfjs-node)" });
  }

  const wasmFailure = await activate(tf, "wasm");
  const simd = wasmFailure === null ? await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT") : false;
  add({
    id: "wasm",
    backend: "wasm",
    package: "@tensorflow/tfjs-backend-wasm",
    works: wasmFailure === null,
    reason: wasmFailure ?? `XNNPACK kernels in WebAssembly${simd ? " with SIMD" : " (no SIMD in this runtime)"}, one thread`,
  });

  const cpuFailure = await activate(tf, "cpu");
  add({ id: "cpu", backend: "cpu", package: "@tensorflow/tfjs-backend-cpu", works: cpuFailure === null, reason: cpuFailure ?? "plain JavaScript kernels: correct everywhere, slowest" });

  const best = found.find((c) => c.status === "active");
  if (best) await activate(tf, best.backend);
  return found;
}
