// Running out of memory on the device or the wasm heap must read as what it is: which tensor
// (shape, dtype, bytes) could not be allocated, in which op, and what to do. The kernel lives on.
import type { Tf } from "./tfjs.js";
import { type ErrorKind, ParallabError } from "../../common/errors.js";

export class TensorMemoryError extends ParallabError {
  override readonly kind: ErrorKind = "resource";
  override name = "TensorMemoryError";
}

const OUT_OF_MEMORY =
  /Invalid typed array length|offset is out of bounds|Array buffer allocation failed|Maximum memory size exceeded|Cannot enlarge memory|out of memory|OOM|bad_alloc|failed to allocate|Aborted\(/i;

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };

function bytesOf(shape: number[], dtype: string): number {
  return shape.reduce((a, b) => a * b, 1) * (BYTES[dtype] ?? 4);
}

function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 2)} ${units[i]}`;
}

const LIMITS: Record<string, string> = {
  wasm: "the wasm backend's heap holds at most 4 GiB (32-bit WebAssembly)",
  cpu: "the cpu backend keeps every tensor in a JavaScript typed array (at most about 4 GiB each, and the process's memory in all)",
  tensorflow: "TensorFlow could not allocate it on the device",
  webgpu: "the WebGPU device could not allocate it",
};

/**
 * WebGPU reports a buffer over the device's limits asynchronously, as a validation error, and
 * the op's result is garbage: a tensor that no shader could bind must fail where it is made.
 */
function checkDeviceLimits(backend: Record<string, unknown>, shape: number[], dtype: string): void {
  const limits = (backend.device as { limits?: Record<string, number> } | undefined)?.limits;
  if (!limits) return;
  const bytes = bytesOf(shape, dtype);
  const what = `a ${dtype} tensor of shape [${shape.join(", ")}] (${formatBytes(bytes)})`;
  const advice = "Use smaller shapes or batches (a matMul in slices, a smaller batch), or switch backend with %gpu.";
  if (bytes > (limits.maxBufferSize ?? Infinity))
    throw new TensorMemoryError(`${what} is larger than this WebGPU adapter's maxBufferSize (${formatBytes(limits.maxBufferSize!)}): the device cannot hold it in one buffer. ${advice}`);
  if (bytes > (limits.maxStorageBufferBindingSize ?? Infinity))
    throw new TensorMemoryError(`${what} is larger than this WebGPU adapter's maxStorageBufferBindingSize (${formatBytes(limits.maxStorageBufferBindingSize!)}): no shader can bind it. ${advice}`);
}

/**
 * The wasm heap's malloc returns 0 when the heap cannot grow, and a size over 4 GiB wraps
 * around: tfjs would then write the tensor over the heap's start and corrupt it for good.
 * Failing the allocation instead keeps the backend usable.
 */
function guardWasmMalloc(backend: Record<string, unknown>): void {
  const wasm = backend.wasm as { _malloc?: ((n: number) => number) & { __guarded?: boolean } } | undefined;
  if (!wasm?._malloc || wasm._malloc.__guarded) return;
  const malloc = wasm._malloc;
  const guarded = Object.assign(
    (bytes: number) => {
      if (bytes >= 2 ** 32) throw new RangeError(`out of memory: ${bytes} bytes do not fit in the 4 GiB wasm heap`);
      const address = malloc(bytes);
      if (bytes > 0 && address === 0) throw new RangeError(`out of memory: the wasm heap could not grow by ${bytes} bytes`);
      return address;
    },
    { __guarded: true },
  );
  wasm._malloc = guarded;
}

/**
 * Wraps the engine so that an allocation failure anywhere (an op, or making a tensor) becomes a
 * TensorMemoryError naming the tensor. Idempotent.
 */
export function installMemoryErrors(tf: Tf): void {
  const engine = tf.engine() as unknown as Record<string, unknown> & { __parallabMemory?: boolean; backendName: string };
  if (engine.__parallabMemory) return;
  engine.__parallabMemory = true;
  let lastAllocation: { shape: number[]; dtype: string } | null = null;

  // Every backend allocates through write / makeTensorInfo / makeOutput: remember the last shape.
  const trackBackend = (backend: Record<string, unknown>) => {
    guardWasmMalloc(backend);
    for (const method of ["write", "makeTensorInfo", "makeOutput"]) {
      const original = backend[method];
      if (typeof original !== "function" || (original as { __tracked?: boolean }).__tracked) continue;
      const shapeArg = method === "write" ? 1 : 0;
      const dtypeArg = method === "write" ? 2 : 1;
      const wrapped = function (this: unknown, ...args: unknown[]) {
        if (Array.isArray(args[shapeArg])) {
          lastAllocation = { shape: args[shapeArg] as number[], dtype: String(args[dtypeArg] ?? "float32") };
          checkDeviceLimits(backend, lastAllocation.shape, lastAllocation.dtype);
        }
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      };
      (wrapped as { __tracked?: boolean }).__tracked = true;
      backend[method] = wrapped;
    }
  };

  const explain = (err: unknown, op: string, attrs?: Record<string, unknown>): unknown => {
    const message = err instanceof Error ? err.message : String(err);
    if (!OUT_OF_MEMORY.test(message) || err instanceof TensorMemoryError) return err;
    const shape = Array.isArray(attrs?.shape) ? { shape: attrs!.shape as number[], dtype: String(attrs!.dtype ?? "float32") } : lastAllocation;
    const backend = tf.getBackend();
    const what = shape ? `a ${shape.dtype} tensor of shape [${shape.shape.join(", ")}] (${formatBytes(bytesOf(shape.shape, shape.dtype))})` : "a tensor";
    const memory = tf.memory();
    return new TensorMemoryError(
      `out of memory on the ${backend} backend allocating ${what} in ${op}: ${LIMITS[backend] ?? "the backend could not allocate it"}. ` +
        `${memory.numTensors} tensor${memory.numTensors === 1 ? " is" : "s are"} alive (${formatBytes(memory.numBytes)}). Use smaller shapes or batches, free tensors with tf.dispose() or %%gpu's scope, or switch backend with %gpu. (${message.split("\n")[0]})`,
    );
  };

  const runKernel = engine.runKernel as (this: unknown, name: string, inputs: unknown, attrs?: Record<string, unknown>) => unknown;
  engine.runKernel = function (this: unknown, name: string, inputs: unknown, attrs?: Record<string, unknown>) {
    trackBackend((engine as unknown as { backend: Record<string, unknown> }).backend);
    lastAllocation = null;
    try {
      return runKernel.call(this, name, inputs, attrs);
    } catch (err) {
      throw explain(err, `tf op ${name}`, attrs);
    }
  };
  const makeTensor = engine.makeTensor as (this: unknown, values: unknown, shape: number[], dtype: string, backend?: unknown) => unknown;
  engine.makeTensor = function (this: unknown, values: unknown, shape: number[], dtype: string, backend?: unknown) {
    trackBackend((engine as unknown as { backend: Record<string, unknown> }).backend);
    lastAllocation = { shape, dtype: dtype ?? "float32" };
    try {
      return makeTensor.call(this, values, shape, dtype, backend);
    } catch (err) {
      throw explain(err, "tf.tensor", { shape, dtype });
    }
  };
}
