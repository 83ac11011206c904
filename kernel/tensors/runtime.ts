// The kernel's tensor state: which backend runs, why, and what else there is. Set up on the
// first cell that uses `tf` (or the first %gpu), once. TensorFlow.js's engine is one per process,
// so a process holds one TensorRuntime (the kernel session's, or a script's own).
import { activate, selectBest, type BackendName, type Candidate, type CandidateId, type WebGpuStep } from "./candidates.js";
import { FreedTensors, installDisposedTensorErrors } from "./disposed.js";
import { describeGpus, queryGpus, type GpuReport } from "./gpus.js";
import { installMemoryErrors } from "./memory-errors.js";
import { installNativeKernels, type NativeKernelsResult } from "./native-kernels.js";
import { tensorsIn } from "./tensors-in.js";
import { loadTf, tfLoaded, type Tf } from "./tfjs.js";
import { type AdapterReport, type AdapterSource, probeWebGpu } from "./webgpu/adapters.js";
import { type GpuMemory, WebGpuBackendHost } from "./webgpu/backend.js";
import { type ErrorKind, ParallabError } from "../../common/errors.js";

export interface TensorStatus {
  backend: BackendName;
  active: CandidateId;
  why: string;
  candidates: Candidate[];
  gpus: GpuReport;
  memory: { tensors: number; bytes: number; gpuBytes: number | null };
  wasmSimd: boolean | null;
  /** The wasm backend's matMuls and convolutions through OpenBLAS (native/blas), or why not. */
  nativeKernels: NativeKernelsResult;
  /** The WebGPU adapter webgpu runs on (or would), or null when there is none. */
  webgpu: (AdapterReport & { deviceMemory: GpuMemory | null }) | null;
}

export class BackendUnavailableError extends ParallabError {
  override readonly kind: ErrorKind = "unavailable";
  override name = "BackendUnavailableError";
}

/** Names the backend to start on, as `%gpu NAME` would choose it (for a script, a class, CI). */
export const BACKEND_VARIABLE = "PARALLAB_TF_BACKEND";

/** Where the runtime says what happened outside any call (a lost device). */
export interface TensorNotices {
  warn(text: string): void;
}

/** Whether a cell's code may use `tf` (then it is set up before the cell runs). */
export function mentionsTensors(code: string): boolean {
  return !tfLoaded() && /\btf\b/.test(code);
}

export class TensorRuntime {
  /** Tensors that %%gpu scopes freed, with the cell that freed them. */
  readonly freed = new FreedTensors();
  private selection: Promise<Candidate[]> | null = null;
  private nativeKernels: NativeKernelsResult = { ok: false, reason: "tensors are not set up yet" };
  /** Set when %gpu BACKEND chose the active backend (rather than the selection). */
  private chosenByUser = false;
  private gpus: Promise<GpuReport> | null = null;
  private webgpu: WebGpuBackendHost | null = null;
  private askedFor = false;

  constructor(private readonly notices: TensorNotices = { warn: (text) => process.stderr.write(text) }) {}

  private machineGpus(): Promise<GpuReport> {
    this.gpus ??= queryGpus();
    return this.gpus;
  }

  /** tfjs with the best working backend active (chosen on the first call). */
  async ready(): Promise<Tf> {
    const tf = loadTf();
    this.selection ??= (async () => {
      installMemoryErrors(tf);
      installDisposedTensorErrors(tf, this.freed);
      // Before the selection, so that the wasm candidate's kernels already include it.
      this.nativeKernels = installNativeKernels(tf);
      const candidates = await selectBest(
        tf,
        async () => describeGpus(await this.machineGpus()),
        (verify) => this.webGpuStep(tf, verify),
      );
      const wasm = candidates.find((c) => c.id === "wasm");
      if (wasm && wasm.status !== "unavailable" && this.nativeKernels.ok) wasm.reason += `; matMul and conv2d through OpenBLAS (${this.nativeKernels.threads} threads)`;
      return candidates;
    })();
    await this.selection;
    const asked = process.env[BACKEND_VARIABLE];
    if (asked && !this.askedFor) {
      this.askedFor = true;
      await this.useAskedFor(asked);
    }
    return tf;
  }

  /** PARALLAB_TF_BACKEND=NAME starts on that backend (as `%gpu NAME` would), when it works. */
  private async useAskedFor(asked: string): Promise<void> {
    const names: readonly string[] = ["tensorflow", "webgpu", "wasm", "cpu"];
    if (!names.includes(asked)) {
      this.notices.warn(`${BACKEND_VARIABLE}=${asked} is not a backend (choose one of ${names.join(", ")}): the best available one runs.\n`);
      return;
    }
    try {
      await this.use(asked as BackendName);
    } catch (err) {
      this.notices.warn(`${BACKEND_VARIABLE}=${asked}: ${(err as Error).message} The best available one runs.\n`);
    }
  }

  /** Finds Dawn's adapters; with a hardware one (and `verify`), makes a device on it to be sure. */
  private async webGpuStep(tf: Tf, verify: boolean): Promise<WebGpuStep> {
    const probe = await probeWebGpu();
    if (!probe.loaded) return { works: false, preferred: true, reason: probe.reason };
    const source = probe.hardware ?? probe.software;
    if (!source) return { works: false, preferred: true, reason: `no WebGPU adapter. ${probe.whyNoHardware}` };
    this.webgpu = new WebGpuBackendHost(tf, probe, source, { lost: (m) => void this.deviceLost(m), error: (m) => this.notices.warn(`WebGPU error: ${m.split("\n")[0]}\n`) });
    const failure = this.webgpu.register();
    if (failure) return { works: false, preferred: true, reason: failure, adapter: source.report };
    const name = adapterName(source.report);
    if (!probe.hardware) {
      return {
        works: true,
        preferred: false,
        adapter: source.report,
        reason: `only a software adapter: ${name}. It runs every op correctly but on the CPU, slower than wasm with OpenBLAS, so it is never the default; \`%gpu webgpu\` uses it. No GPU adapter because ${probe.whyNoHardware}`,
      };
    }
    const failed = verify ? await activate(tf, "webgpu") : null;
    return { works: failed === null, preferred: true, adapter: source.report, reason: failed ?? `TensorFlow.js's WebGPU kernels on ${name}` };
  }

  /** The device went away without release(): say so, and fall back down the chain. */
  private async deviceLost(message: string): Promise<void> {
    const candidates = await this.selection!;
    const webgpu = candidates.find((c) => c.id === "webgpu");
    const tf = loadTf();
    const wasActive = webgpu?.status === "active";
    this.webgpu?.release();
    if (webgpu) {
      webgpu.reason = `the device was lost (${message}); \`%gpu webgpu\` asks for a new one. ${webgpu.reason}`;
      if (webgpu.status === "active") webgpu.status = "available";
    }
    if (!wasActive) return;
    const next = candidates.find((c) => c.id !== "webgpu" && c.status !== "unavailable" && c.backend !== "webgpu");
    if (next && (await activate(tf, next.backend)) === null) {
      next.status = "active";
      this.notices.warn(`WebGPU: the device was lost (${message}); switched to ${next.backend}. Tensors that were on the GPU are gone: make them again. \`%gpu webgpu\` asks for a new device.\n`);
    }
  }

  async status(): Promise<TensorStatus> {
    const tf = await this.ready();
    const candidates = await this.selection!;
    const active = candidates.find((c) => c.status === "active") ?? candidates[candidates.length - 1]!;
    const memory = tf.memory() as { numTensors: number; numBytes: number; numBytesInGPU?: number };
    const wasmSimd = candidates.some((c) => c.backend === "wasm" && c.status !== "unavailable") ? Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) : null;
    const better = candidates.slice(0, candidates.indexOf(active));
    const skipped = better.filter((c) => c.status === "unavailable").map((c) => c.id);
    const notDefault = better.filter((c) => c.status === "available" && c.id === "webgpu").map((c) => `${c.id} has only a software adapter`);
    const reasons = [...(skipped.length ? [`${skipped.join(" and ")} ${skipped.length > 1 ? "are" : "is"} unavailable`] : []), ...notDefault];
    const why = this.chosenByUser
      ? `${active.reason}; chosen with ${this.askedFor && process.env[BACKEND_VARIABLE] === active.backend ? `${BACKEND_VARIABLE}=${active.backend}` : `%gpu ${active.backend}`}`
      : reasons.length
        ? `${active.reason}; the best that works here (${reasons.join("; ")}: see the reasons below)`
        : `${active.reason}; the best candidate`;
    const adapter = this.webgpu?.adapter.report ?? candidates.find((c) => c.id === "webgpu")?.adapter ?? null;
    return {
      backend: active.backend,
      active: active.id,
      why,
      candidates,
      gpus: await this.machineGpus(),
      memory: { tensors: memory.numTensors, bytes: memory.numBytes, gpuBytes: typeof memory.numBytesInGPU === "number" ? memory.numBytesInGPU : null },
      wasmSimd,
      nativeKernels: this.nativeKernels,
      webgpu: adapter ? { ...adapter, deviceMemory: this.webgpu?.memory() ?? null } : null,
    };
  }

  /**
   * Makes `backend` the active one, or fails saying why it cannot be. Leaving webgpu, the
   * tensors in `held` are read back first: tfjs moves a tensor between backends by reading it
   * synchronously, which a GPU tensor under Node cannot do.
   */
  async use(backend: BackendName, held: () => unknown = () => undefined): Promise<Candidate> {
    const tf = await this.ready();
    const candidates = await this.selection!;
    const usable = candidates.find((c) => c.backend === backend && c.status !== "unavailable");
    if (!usable) {
      const reasons = candidates.filter((c) => c.backend === backend).map((c) => `${c.id}: ${c.reason}`);
      throw new BackendUnavailableError(
        `the ${backend} backend is not available here. ${reasons.join(". ")}. Available: ${[...new Set(candidates.filter((c) => c.status !== "unavailable").map((c) => c.backend))].join(", ")}.`,
      );
    }
    if (tf.getBackend() === "webgpu" && backend !== "webgpu") await this.readBack(held());
    const failure = await activate(tf, backend);
    if (failure) throw new BackendUnavailableError(`could not switch to ${backend}: ${failure}`);
    for (const c of candidates) if (c.status === "active") c.status = "available";
    usable.status = "active";
    this.chosenByUser = true;
    return usable;
  }

  /** Reads the GPU tensors in `value` back to the CPU, so that they show and move synchronously. */
  async readBack(value: unknown): Promise<void> {
    if (!this.webgpu || !tfLoaded()) return;
    const tf = loadTf();
    await Promise.all(tensorsIn(tf, value).map((t) => (t.isDisposed ? undefined : t.data().catch(() => undefined))));
  }

  /** %%gpu on webgpu: GPU memory, its peak, and whether kernels are timed. Null on other backends. */
  gpuProbe(): { memory(): GpuMemory | null; resetPeak(): void; timestamps(): boolean } | null {
    if (!this.webgpu || !tfLoaded() || loadTf().getBackend() !== "webgpu") return null;
    return this.webgpu;
  }

  /** Destroys the WebGPU device (shutdown, restart): the process then exits cleanly. */
  release(): void {
    this.webgpu?.release();
  }
}

/** "NVIDIA H200 through Vulkan", "llvmpipe-llvm-15-0-6-256-bits- through OpenGL ES (software)" (Dawn's own device names). */
export function adapterName(a: AdapterReport): string {
  const name = [a.vendor, a.device || a.architecture].filter(Boolean).join(" ") || a.description || "an unnamed adapter";
  return `${name} through ${a.api}${a.software ? " (software)" : ""}`;
}

export type { AdapterSource };
