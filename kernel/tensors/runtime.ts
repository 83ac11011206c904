// The kernel's tensor state: which backend runs, why, and what else there is. Set up on the
// first cell that uses `tf` (or the first %gpu), once.
import { activate, selectBest, type BackendName, type Candidate, type CandidateId } from "./candidates.js";
import { describeGpus, queryGpus, type GpuReport } from "./gpus.js";
import { installMemoryErrors } from "./memory-errors.js";
import { installNativeMatMul, type NativeMatMulResult } from "./native-matmul.js";
import { loadTf, tfLoaded, type Tf } from "./tfjs.js";
import { type ErrorKind, ParallabError } from "../../common/errors.js";

export interface TensorStatus {
  backend: BackendName;
  active: CandidateId;
  why: string;
  candidates: Candidate[];
  gpus: GpuReport;
  memory: { tensors: number; bytes: number; gpuBytes: number | null };
  wasmSimd: boolean | null;
  /** The wasm backend's matMul through OpenBLAS (native/blas), or why not. */
  nativeMatMul: NativeMatMulResult;
}

export class BackendUnavailableError extends ParallabError {
  override readonly kind: ErrorKind = "unavailable";
  override name = "BackendUnavailableError";
}

let selection: Promise<Candidate[]> | null = null;
let nativeMatMul: NativeMatMulResult = { ok: false, reason: "tensors are not set up yet" };
/** Set when %gpu BACKEND chose the active backend (rather than the selection). */
let chosenByUser = false;
let gpus: Promise<GpuReport> | null = null;

const machineGpus = () => (gpus ??= queryGpus());

/** tfjs with the best working backend active (chosen on the first call). */
export async function tensorsReady(): Promise<Tf> {
  const tf = loadTf();
  selection ??= (async () => {
    installMemoryErrors(tf);
    // Before the selection, so that the wasm candidate's kernels already include it.
    nativeMatMul = installNativeMatMul(tf);
    const candidates = await selectBest(tf, async () => describeGpus(await machineGpus()));
    const wasm = candidates.find((c) => c.id === "wasm");
    if (wasm && wasm.status !== "unavailable" && nativeMatMul.ok) wasm.reason += `; matMul through OpenBLAS (${nativeMatMul.threads} threads)`;
    return candidates;
  })();
  await selection;
  return tf;
}

/** Whether a cell's code may use `tf` (then it is set up before the cell runs). */
export function mentionsTensors(code: string): boolean {
  return !tfLoaded() && /\btf\b/.test(code);
}

export async function tensorStatus(): Promise<TensorStatus> {
  const tf = await tensorsReady();
  const candidates = await selection!;
  const active = candidates.find((c) => c.status === "active") ?? candidates[candidates.length - 1]!;
  const memory = tf.memory() as { numTensors: number; numBytes: number; numBytesInGPU?: number };
  const wasmSimd = candidates.some((c) => c.backend === "wasm" && c.status !== "unavailable") ? Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) : null;
  const better = candidates.slice(0, candidates.indexOf(active));
  const skipped = better.filter((c) => c.status === "unavailable").map((c) => c.id);
  const why = chosenByUser
    ? `${active.reason}; chosen with %gpu ${active.backend}`
    : skipped.length
      ? `${active.reason}; the best that works here (${skipped.join(" and ")} ${skipped.length > 1 ? "are" : "is"} unavailable: see the reasons below)`
      : `${active.reason}; the best candidate`;
  return {
    backend: active.backend,
    active: active.id,
    why,
    candidates,
    gpus: await machineGpus(),
    memory: { tensors: memory.numTensors, bytes: memory.numBytes, gpuBytes: typeof memory.numBytesInGPU === "number" ? memory.numBytesInGPU : null },
    wasmSimd,
    nativeMatMul,
  };
}

/** Makes `backend` the active one, or fails saying why it cannot be. */
export async function useBackend(backend: BackendName): Promise<Candidate> {
  const tf = await tensorsReady();
  const candidates = await selection!;
  const usable = candidates.find((c) => c.backend === backend && c.status !== "unavailable");
  if (!usable) {
    const reasons = candidates.filter((c) => c.backend === backend).map((c) => `${c.id}: ${c.reason}`);
    throw new BackendUnavailableError(
      `the ${backend} backend is not available here. ${reasons.join(". ")}. Available: ${[...new Set(candidates.filter((c) => c.status !== "unavailable").map((c) => c.backend))].join(", ")}.`,
    );
  }
  const failure = await activate(tf, backend);
  if (failure) throw new BackendUnavailableError(`could not switch to ${backend}: ${failure}`);
  for (const c of candidates) if (c.status === "active") c.status = "available";
  usable.status = "active";
  chosenByUser = true;
  return usable;
}
