// %%gpu: a cell's tensors live in one scope, as in tf.tidy but for async code too. Tensors the
// cell returns or marks with tf.keep() survive; the others are freed when it ends. Around it,
// tf.profile times every kernel, and the report says what the cell left alive.
import type { Tf } from "./tfjs.js";

type Tensor = { id: number; size: number; dtype: string; kept?: boolean; isDisposed: boolean; dataSync(): unknown; data(): Promise<unknown> };

export interface KernelTime {
  name: string;
  calls: number;
  ms: number;
}

export interface ScopeReport {
  backend: string;
  wallMs: number;
  kernels: KernelTime[];
  peakBytes: number;
  freed: number;
  returned: number;
  kept: number;
  leaked: { tensors: number; bytes: number };
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const bytesOf = (t: Tensor) => t.size * (BYTES[t.dtype] ?? 4);

/** Tensors inside a value: a tensor, or arrays and plain objects of them (a TensorContainer). */
function tensorsIn(tf: Tf, value: unknown, out: Tensor[] = [], seen = new Set<unknown>()): Tensor[] {
  if (value === null || typeof value !== "object" || seen.has(value)) return out;
  seen.add(value);
  if (value instanceof tf.Tensor) out.push(value as unknown as Tensor);
  else if (Array.isArray(value)) for (const v of value) tensorsIn(tf, v, out, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) tensorsIn(tf, v, out, seen);
  return out;
}

/**
 * Runs `cell` in a tensor scope under tf.profile; `valueOfOutcome` reads the value it returned, and
 * `codeStartedAt` tells when its own code began (after it was compiled).
 */
export async function runInTensorScope<T>(
  tf: Tf,
  cell: () => Promise<T>,
  valueOfOutcome: (outcome: T) => unknown,
  codeStartedAt: () => number = () => 0,
): Promise<{ outcome: T; report: ScopeReport }> {
  const engine = tf.engine() as unknown as { startScope(name?: string): void; endScope(result?: unknown): void; state: { activeScope: { track: Tensor[] } } };
  const before = tf.memory();
  const started = performance.now();
  let outcome!: T;
  let returned: Tensor[] = [];
  let tracked: Tensor[] = [];
  const profile = await tf.profile(async () => {
    engine.startScope("%%gpu");
    try {
      outcome = await cell();
      returned = tensorsIn(tf, valueOfOutcome(outcome));
    } finally {
      tracked = [...engine.state.activeScope.track];
      engine.endScope(returned as never);
    }
    // The device has finished when the results can be read.
    await Promise.all(returned.filter((t) => !t.isDisposed).map((t) => t.data()));
    return [];
  });
  const wallMs = performance.now() - Math.max(started, codeStartedAt());
  const after = tf.memory();
  const trackedIds = new Set(tracked.map((t) => t.id));
  const returnedNew = returned.filter((t) => trackedIds.has(t.id));
  const returnedIds = new Set(returnedNew.map((t) => t.id));
  const keptNew = tracked.filter((t) => t.kept && !t.isDisposed && !returnedIds.has(t.id));
  const intended = [...returnedNew, ...keptNew];
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
  return {
    outcome,
    report: {
      backend: tf.getBackend(),
      wallMs,
      kernels: [...byName.values()].sort((a, b) => b.ms - a.ms),
      // tf.profile reports -Infinity when no kernel ran: nothing was allocated then.
      peakBytes: Number.isFinite(profile.peakBytes) ? profile.peakBytes : 0,
      freed: tracked.filter((t) => t.isDisposed).length,
      returned: returnedNew.length,
      kept: keptNew.length,
      leaked: { tensors: Math.max(0, leakedTensors), bytes: Math.max(0, leakedBytes) },
    },
  };
}
