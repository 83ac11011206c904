// WebGPU in Node through Dawn (the `webgpu` package, whose dawn.node ships inside it): loading
// it, and finding the adapters this machine has. Dawn's native backend comes first (Vulkan on
// Linux, Metal on macOS, D3D12 on Windows) with the discrete GPU preferred; on Linux, OpenGL ES
// through EGL in WebGPU's compatibility mode comes next (Mesa's llvmpipe is a software one).
import { explainNoGles, explainNoVulkan, gatherGraphicsFacts, type GraphicsFacts } from "./diagnose.js";

export type GraphicsApi = "Vulkan" | "OpenGL ES" | "Metal" | "D3D12";

/** The minimal slice of the WebGPU types this module uses (Dawn's objects implement them). */
export interface GpuAdapterLike {
  readonly info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean };
  readonly features: ReadonlySet<string>;
  readonly limits: Record<string, number>;
  requestDevice(descriptor?: { requiredFeatures?: string[]; requiredLimits?: Record<string, number> }): Promise<GpuDeviceLike>;
}
export interface GpuDeviceLike {
  readonly limits: Record<string, number>;
  readonly features: ReadonlySet<string>;
  readonly lost: Promise<{ reason: string; message: string }>;
  destroy(): void;
  addEventListener(type: "uncapturederror", listener: (event: { error: { message: string } }) => void): void;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string; featureLevel?: string }): Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

/** What %gpu shows about an adapter. */
export interface AdapterReport {
  api: GraphicsApi;
  software: boolean;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
  features: { "shader-f16": boolean; "timestamp-query": boolean; subgroups: boolean };
}

/** One way to ask Dawn for an adapter; each request gets a fresh one (an adapter makes one device). */
export interface AdapterSource {
  report: AdapterReport;
  request(): Promise<GpuAdapterLike | null>;
}

export type WebGpuProbe =
  | { loaded: false; reason: string }
  | { loaded: true; dawn: DawnModule; hardware: AdapterSource | null; software: AdapterSource | null; whyNoHardware: string; facts: GraphicsFacts };

export const WEBGPU_PACKAGE = "webgpu";
export const WEBGPU_VERSION = "0.6.2";
export const TFJS_WEBGPU_PACKAGE = "@tensorflow/tfjs-backend-webgpu";

const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader|software|microsoft basic render/i;

function reportOf(adapter: GpuAdapterLike, api: GraphicsApi): AdapterReport {
  const { info } = adapter;
  return {
    api,
    software: info.isFallbackAdapter === true || SOFTWARE.test(`${info.vendor} ${info.architecture} ${info.device} ${info.description}`),
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    limits: { maxBufferSize: adapter.limits.maxBufferSize ?? 0, maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize ?? 0 },
    features: { "shader-f16": adapter.features.has("shader-f16"), "timestamp-query": adapter.features.has("timestamp-query"), subgroups: adapter.features.has("subgroups") },
  };
}

/** Loads Dawn; null and why when it cannot. */
async function loadDawn(): Promise<{ dawn: DawnModule } | { reason: string }> {
  try {
    return { dawn: (await import(WEBGPU_PACKAGE)) as DawnModule };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "ERR_MODULE_NOT_FOUND" && e.message.includes(`'${WEBGPU_PACKAGE}'`))
      return { reason: `the ${WEBGPU_PACKAGE} package (Dawn for Node) is not installed: \`npm install ${WEBGPU_PACKAGE}@${WEBGPU_VERSION}\`` };
    if (/dawn\.node/.test(e.message)) return { reason: `Dawn has no binary for ${process.platform}-${process.arch} in the ${WEBGPU_PACKAGE} package (it ships linux-x64, linux-arm64, darwin, win32)` };
    return { reason: `Dawn failed to load: ${e.message.split("\n")[0]}` };
  }
}

const NATIVE_API: Partial<Record<NodeJS.Platform, { flag: string; api: GraphicsApi }>> = {
  linux: { flag: "backend=vulkan", api: "Vulkan" },
  darwin: { flag: "backend=metal", api: "Metal" },
  win32: { flag: "backend=d3d12", api: "D3D12" },
};

async function source(dawn: DawnModule, flag: string, api: GraphicsApi, options: { powerPreference: string; featureLevel?: string }): Promise<AdapterSource | null> {
  const gpu = dawn.create([flag]);
  const request = async () => {
    try {
      return await gpu.requestAdapter(options);
    } catch {
      return null;
    }
  };
  const adapter = await request();
  return adapter ? { report: reportOf(adapter, api), request } : null;
}

/**
 * Loads Dawn and looks for adapters: the hardware one to use by default, a software one that
 * can be asked for, and why there is no hardware one. Takes ~50-120 ms (Dawn's instance and
 * two adapter requests).
 */
export async function probeWebGpu(env: NodeJS.ProcessEnv = process.env): Promise<WebGpuProbe> {
  const loaded = await loadDawn();
  if ("reason" in loaded) return { loaded: false, reason: loaded.reason };
  const { dawn } = loaded;
  const facts = gatherGraphicsFacts(env);
  // Mesa's EGL would look for a display (X11, Wayland) without it; compute needs none.
  if (facts.platform === "linux") process.env.EGL_PLATFORM ??= "surfaceless";
  const native = NATIVE_API[facts.platform];
  const candidates: AdapterSource[] = [];
  // Without the Vulkan loader Dawn only prints a warning to the kernel's stderr: skip asking.
  if (native && !(facts.platform === "linux" && !facts.libvulkan)) {
    const found = await source(dawn, native.flag, native.api, { powerPreference: "high-performance" });
    if (found) candidates.push(found);
  }
  if (facts.platform === "linux" && !candidates.some((c) => !c.report.software)) {
    const gles = await source(dawn, "backend=opengles", "OpenGL ES", { powerPreference: "high-performance", featureLevel: "compatibility" });
    if (gles) candidates.push(gles);
  }
  const hardware = candidates.find((c) => !c.report.software) ?? null;
  const software = candidates.find((c) => c.report.software) ?? null;
  let whyNoHardware = "";
  if (!hardware) {
    if (facts.platform !== "linux") whyNoHardware = `Dawn's ${native?.api ?? "native"} backend found no GPU adapter`;
    else {
      const vulkan = explainNoVulkan(facts);
      whyNoHardware = software ? `Vulkan: ${vulkan}` : `Vulkan: ${vulkan}; OpenGL ES: ${explainNoGles(facts)}`;
    }
  }
  return { loaded: true, dawn, hardware, software, whyNoHardware, facts };
}
