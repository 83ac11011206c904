// TensorFlow.js's WebGPU backend on a Dawn adapter we chose. tfjs-backend-webgpu registers
// "webgpu" when it loads, for the browser's navigator.gpu; we replace that factory with one that
// asks our adapter source (hardware by default, software on request) for a device, watches the
// device for loss and validation errors, and tracks the GPU memory peak for %%gpu.
import { createRequire } from "node:module";
import { type ErrorKind, ParallabError } from "../../../common/errors.js";
import type { Tf } from "../tfjs.js";
import { type AdapterSource, type GpuDeviceLike, TFJS_WEBGPU_PACKAGE, type WebGpuProbe } from "./adapters.js";

const require = createRequire(import.meta.url);

/** Reading a GPU tensor synchronously (dataSync, arraySync, toString): Node cannot wait for the GPU. */
export class GpuReadbackError extends ParallabError {
  override readonly kind: ErrorKind = "usage";
  override name = "GpuReadbackError";
}

interface BufferManagerLike {
  numBytesUsed: number;
  numBytesAllocated: number;
  acquireBuffer(...args: unknown[]): unknown;
}
interface WebGpuBackendLike {
  device: GpuDeviceLike;
  bufferManager: BufferManagerLike;
  supportTimestampQuery: boolean;
  hasReadSyncWarned: boolean;
  hasTimestampQueryWarned: boolean;
  tensorMap: { get(dataId: unknown): { values: unknown; dtype: string } | undefined };
}
interface WebGpuModule {
  WebGPUBackend: (new (device: GpuDeviceLike, info: unknown) => WebGpuBackendLike) & { prototype: { readSync(dataId: unknown): unknown } };
}

export interface GpuMemory {
  inUseBytes: number;
  allocatedBytes: number;
  peakBytes: number;
}

/** Events the tensor runtime hears about the device. */
export interface DeviceEvents {
  /** The device was lost (not by release()): the driver reset, or a cell destroyed it. */
  lost(message: string): void;
  /** A validation or out-of-memory error the device reported outside any promise. */
  error(message: string): void;
}

/** The globals tfjs-backend-webgpu expects of a browser: GPUBufferUsage & co., and navigator.gpu. */
function installWebGpuGlobals(probe: Extract<WebGpuProbe, { loaded: true }>, source: AdapterSource): void {
  for (const [name, value] of Object.entries(probe.dawn.globals)) if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  // Only "is WebGPU there" is asked of navigator.gpu: our factory below requests the adapter.
  const gpu = { requestAdapter: () => source.request() };
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, "gpu", { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, "navigator", { value: { gpu }, configurable: true, writable: true });
}

function patchReadSync(module: WebGpuModule): void {
  const proto = module.WebGPUBackend.prototype as { readSync(dataId: unknown): unknown; __parallab?: boolean };
  if (proto.__parallab) return;
  const readSync = proto.readSync;
  proto.readSync = function (this: WebGpuBackendLike, dataId: unknown) {
    const data = this.tensorMap.get(dataId);
    // Values already on the CPU (uploaded from there, or read back once) are there to take.
    if (data && (data.values != null || data.dtype === "string")) return readSync.call(this, dataId);
    throw new GpuReadbackError(
      "this tensor is on the GPU and Node can only read it back asynchronously (tfjs reads synchronously through a browser canvas): use `await t.data()` or `await t.array()` instead of dataSync(), arraySync() or print(); a cell that ends with a tensor shows its values",
    );
  };
  proto.__parallab = true;
}

/** The limits tfjs-backend-webgpu asks of a device (as its own factory does), and timestamps when there are. */
function deviceDescriptor(adapter: { features: ReadonlySet<string>; limits: Record<string, number> }) {
  const l = adapter.limits;
  const requiredLimits: Record<string, number> = {};
  for (const name of [
    "maxComputeWorkgroupStorageSize",
    "maxComputeWorkgroupsPerDimension",
    "maxStorageBufferBindingSize",
    "maxBufferSize",
    "maxComputeWorkgroupSizeX",
    "maxComputeInvocationsPerWorkgroup",
  ])
    if (typeof l[name] === "number") requiredLimits[name] = l[name];
  return { requiredFeatures: adapter.features.has("timestamp-query") ? ["timestamp-query"] : [], requiredLimits };
}

/**
 * The "webgpu" backend of tfjs, on one adapter source (the hardware one when there is one, else
 * the software one). `release()` destroys the device (shutdown, restart, a lost device).
 */
export class WebGpuBackendHost {
  private module: WebGpuModule | null = null;
  private readonly source: AdapterSource;
  private device: GpuDeviceLike | null = null;
  private releasing = false;
  private peak = 0;

  constructor(
    private readonly tf: Tf,
    private readonly probe: Extract<WebGpuProbe, { loaded: true }>,
    initial: AdapterSource,
    private readonly events: DeviceEvents,
  ) {
    this.source = initial;
  }

  get adapter(): AdapterSource {
    return this.source;
  }

  /** Registers "webgpu" in tfjs (loading tfjs-backend-webgpu the first time); null, or why it cannot. */
  register(): string | null {
    if (!this.module) {
      installWebGpuGlobals(this.probe, this.source);
      try {
        this.module = require(TFJS_WEBGPU_PACKAGE) as WebGpuModule;
      } catch (err) {
        return `${TFJS_WEBGPU_PACKAGE} failed to load: ${(err as Error).message.split("\n")[0]} (\`npm install ${TFJS_WEBGPU_PACKAGE}@4.22.0\`)`;
      }
      patchReadSync(this.module);
    }
    const tf = this.tf;
    if (tf.findBackendFactory("webgpu")) tf.removeBackend("webgpu");
    tf.registerBackend("webgpu", this.factory(), 0);
    return null;
  }

  private factory(): Parameters<Tf["registerBackend"]>[1] {
    return (() => this.createBackend()) as unknown as Parameters<Tf["registerBackend"]>[1];
  }

  private async createBackend(): Promise<WebGpuBackendLike> {
    const adapter = await this.source.request();
    if (!adapter) throw new Error(`Dawn no longer offers the ${this.source.report.api} adapter ${this.source.report.device}`);
    const device = await adapter.requestDevice(deviceDescriptor(adapter));
    this.device = device;
    this.releasing = false;
    void device.lost.then((info) => {
      if (this.device !== device) return;
      this.device = null;
      if (!this.releasing) this.events.lost(`${info.reason}: ${info.message}`);
    });
    device.addEventListener("uncapturederror", (event) => this.events.error(event.error.message));
    const backend = new this.module!.WebGPUBackend(device, adapter.info);
    // Their advice is for Chrome's flags and a browser canvas: %%gpu and our readSync say what applies here.
    backend.hasReadSyncWarned = true;
    backend.hasTimestampQueryWarned = true;
    this.trackPeak(backend.bufferManager);
    return backend;
  }

  private trackPeak(manager: BufferManagerLike): void {
    const acquire = manager.acquireBuffer.bind(manager);
    manager.acquireBuffer = (...args: unknown[]) => {
      const buffer = acquire(...args);
      if (manager.numBytesUsed > this.peak) this.peak = manager.numBytesUsed;
      return buffer;
    };
  }

  /** The live backend instance, without creating one (tf.findBackend would). */
  private live(): WebGpuBackendLike | null {
    return ((this.tf.engine() as unknown as { registry: Record<string, unknown> }).registry.webgpu as WebGpuBackendLike | undefined) ?? null;
  }

  /** GPU memory of the live device (null when there is none). */
  memory(): GpuMemory | null {
    const backend = this.live();
    if (!backend || !this.device) return null;
    return { inUseBytes: backend.bufferManager.numBytesUsed, allocatedBytes: backend.bufferManager.numBytesAllocated, peakBytes: this.peak };
  }

  /** Starts a new peak (at the start of a %%gpu cell). */
  resetPeak(): void {
    const backend = this.live();
    this.peak = backend && this.device ? backend.bufferManager.numBytesUsed : 0;
  }

  /** Whether the live device times kernels (timestamp-query). */
  timestamps(): boolean {
    return this.live()?.supportTimestampQuery === true;
  }

  /** Destroys the device and forgets the backend instance (its tensors go with it). */
  release(): void {
    const device = this.device;
    this.releasing = true;
    this.device = null;
    try {
      if (this.tf.findBackendFactory("webgpu")) this.tf.removeBackend("webgpu");
    } catch {
      // A lost device may fail to free its buffers: it is going anyway.
    }
    device?.destroy();
    if (this.module) this.tf.registerBackend("webgpu", this.factory(), 0);
  }
}
