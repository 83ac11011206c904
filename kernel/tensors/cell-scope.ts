// %%gpu: a cell's tensors live in one scope, as in tf.tidy but for async code too. Tensors the
// cell returns, assigns to notebook variables or marks with tf.keep() survive; the other
// (intermediate) ones are freed when it ends. Around it,
// tf.profile times every kernel, and the report says what the cell left alive.
import { type TensorLike, tensorsIn } from "./tensors-in.js";
import type { Tf } from "./tfjs.js";

export interface KernelTime {
  name: string;
  calls: number;
  ms: number;
}

export interface ScopeReport {
  backend: string;
  wallMs: number;
  kernels: KernelTime[];
  /** Whether the kernels' times are the device's own (false: webgpu without timestamp-query). */
  kernelTimes: boolean;
  peakBytes: number;
  freed: number;
  returned: number;
  /** New tensors the cell assigned to notebook variables (kept like the returned ones). */
  inVariables: number;
  kept: number;
  leaked: { tensors: number; bytes: number };
  /** Reading the returned tensors back once the device was done. */
  readbackMs: number;
  /** webgpu: GPU memory in use at the end and at peak. */
  gpu: { inUseBytes: number; peakBytes: number } | null;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const bytesOf = (t: TensorLike) => t.size * (BYTES[t.dtype] ?? 4);

export interface ScopeOptions<T> {
  /** The value the cell returned, from its outcome. */
  valueOfOutcome: (outcome: T) => unknown;
  /** When the cell's own code began (after it was compiled). */
  codeStartedAt?: () => number;
  /** The notebook's variables after the cell: the tensors they hold survive the scope. */
  notebookValues?: () => unknown;
  /** Where freed tensors are recorded, with `cell` (so that a later use can say who freed them). */
  freed?: { record(tensor: object, cell: string): void };
  cell?: string;
  /** webgpu's GPU memory and timestamps, when it is the backend. */
  gpu?: { memory(): { inUseBytes: number; peakBytes: number } | null; resetPeak(): void; timestamps(): boolean } | null;
}

/**
 * Runs `cell` in a tensor scope under tf.profile: the tensors it returns, keeps or assigns to
 * notebook variables survive, the others are freed (and recorded as freed by this cell).
 */
export async function runInTensorScope<T>(tf: Tf, cell: () => Promise<T>, options: ScopeOptions<T>): Promise<{ outcome: T; report: ScopeReport }> {
  const engine = tf.engine() as unknown as { startScope(name?: string): void; endScope(result?: unknown): void; state: { activeScope: { track: TensorLike[] } } };
  const before = tf.memory();
  const started = performance.now();
  options.gpu?.resetPeak();
  let outcome!: T;
  // Variables are never tracked by a scope: a tensor is the cell's own when its id is this new.
  const firstId = (tf.engine().constructor as unknown as { nextTensorId: number }).nextTensorId;
  let returned: TensorLike[] = [];
  let held: TensorLike[] = [];
  let tracked: TensorLike[] = [];
  let freedNow: TensorLike[] = [];
  let readbackMs = 0;
  const profile = await tf.profile(async () => {
    engine.startScope("%%gpu");
    try {
      outcome = await cell();
      returned = tensorsIn(tf, options.valueOfOutcome(outcome));
    } finally {
      held = options.notebookValues ? tensorsIn(tf, options.notebookValues()) : [];
      tracked = [...engine.state.activeScope.track];
      const alive = tracked.filter((t) => !t.isDisposed);
      engine.endScope([...returned, ...held] as never);
      freedNow = alive.filter((t) => t.isDisposed);
    }
    // The device has finished when the results can be read.
    const readStarted = performance.now();
    await Promise.all(returned.filter((t) => !t.isDisposed).map((t) => t.data()));
    readbackMs = performance.now() - readStarted;
    return [];
  });
  const wallMs = performance.now() - Math.max(started, options.codeStartedAt?.() ?? 0);
  if (options.freed && options.cell) for (const t of freedNow) options.freed.record(t, options.cell);
  const after = tf.memory();
  const trackedIds = new Set(tracked.map((t) => t.id));
  const isNew = (t: TensorLike) => trackedIds.has(t.id) || t.id >= firstId;
  const returnedNew = returned.filter(isNew);
  const returnedIds = new Set(returnedNew.map((t) => t.id));
  const candidates = new Map([...tracked, ...held.filter(isNew)].map((t) => [t.id, t]));
  const keptNew = [...candidates.values()].filter((t) => t.kept && !t.isDisposed && !returnedIds.has(t.id));
  const heldNew = held.filter((t) => isNew(t) && !returnedIds.has(t.id) && !t.kept && !t.isDisposed);
  const intended = [...returnedNew, ...heldNew, ...keptNew];
  const leakedTensors = after.numTensors - before.numTensors - intended.length;
  const leakedBytes = after.numBytes - before.numBytes - intended.reduce((sum, t) => sum + bytesOf(t), 0);
  const byName = new Map<string, KernelTime>();
  for (const k of profile.kernels) {
    const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    const entry = byName.get(k.name) ?? { name: k.name, calls: 0, ms: 0 };
    entry.calls++;
    entry.ms += ms;
    byName.set(k.name, entry);
  }
  const gpu = options.gpu?.memory() ?? null;
  return {
    outcome,
    report: {
      backend: tf.getBackend(),
      wallMs,
      kernels: [...byName.values()].sort((a, b) => b.ms - a.ms || b.calls - a.calls),
      kernelTimes: !options.gpu || options.gpu.timestamps(),
      // tf.profile reports -Infinity when no kernel ran: nothing was allocated then.
      peakBytes: Number.isFinite(profile.peakBytes) ? profile.peakBytes : 0,
      // Only what the scope freed: tensors the cell disposed itself (tf.tidy, dispose()) are not counted.
      freed: freedNow.length,
      returned: returnedNew.length,
      inVariables: heldNew.length,
      kept: keptNew.length,
      leaked: { tensors: Math.max(0, leakedTensors), bytes: Math.max(0, leakedBytes) },
      readbackMs,
      gpu: gpu ? { inUseBytes: gpu.inUseBytes, peakBytes: gpu.peakBytes } : null,
    },
  };
}
