// Why WebGPU found no (hardware) adapter, in words a user can act on. Dawn itself only says
// "no adapter"; the causes are the system's: the Vulkan loader or EGL missing, no driver (ICD,
// EGL vendor) for them, or a container started without NVIDIA's graphics capability. The facts
// are read from the machine (gatherGraphicsFacts) and explained by a pure function, so each
// explanation can be checked on any machine.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

/** The Mesa packages Dawn's OpenGL ES backend needs on Debian and Ubuntu (llvmpipe included). */
export const MESA_GLES_PACKAGES = ["libegl1", "libegl-mesa0", "libgles2", "libgl1-mesa-dri"];

export interface GraphicsFacts {
  platform: NodeJS.Platform;
  /** Where the dynamic loader finds libvulkan.so.1, or null. */
  libvulkan: string | null;
  /** The Vulkan drivers (ICD manifests) the loader would read, by file name. */
  vulkanIcds: string[];
  /** Set when VK_DRIVER_FILES / VK_ICD_FILENAMES choose the ICDs (then only those count). */
  icdOverride: string | null;
  libegl: string | null;
  /** glvnd's EGL vendor manifests (50_mesa.json, 10_nvidia.json). */
  eglVendors: string[];
  eglVendorOverride: string | null;
  /** An NVIDIA GPU is visible to this process (its device node or nvidia-smi). */
  nvidiaGpu: boolean;
  /** NVIDIA_DRIVER_CAPABILITIES, as a container runtime sets it (null outside one). */
  nvidiaCapabilities: string | null;
}

const LIB_DIRS = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib"];
const ICD_DIRS = ["/etc/vulkan/icd.d", "/usr/share/vulkan/icd.d", "/usr/local/share/vulkan/icd.d"];
const EGL_VENDOR_DIRS = ["/etc/glvnd/egl_vendor.d", "/usr/share/glvnd/egl_vendor.d"];

function jsonFiles(dirs: string[]): string[] {
  const found: string[] = [];
  for (const dir of dirs) {
    try {
      for (const f of readdirSync(dir)) if (f.endsWith(".json")) found.push(f);
    } catch {
      // A missing directory holds no manifests.
    }
  }
  return found;
}

/** ld.so's cache as `ldconfig -p` prints it ("" when it cannot be read). */
function readLdCache(): string {
  try {
    return execFileSync("/sbin/ldconfig", ["-p"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 5000 });
  } catch {
    return "";
  }
}

/** Where the dynamic loader would find `soname`: LD_LIBRARY_PATH, ld.so's cache, the usual directories. */
function findLibrary(soname: string, env: NodeJS.ProcessEnv, ldCache: string): string | null {
  for (const dir of (env.LD_LIBRARY_PATH ?? "").split(":").filter(Boolean)) if (existsSync(path.join(dir, soname))) return path.join(dir, soname);
  const cached = new RegExp(`^\\s*${soname.replace(/\./g, "\\.")} \\(.*=> (.+)$`, "m").exec(ldCache)?.[1];
  if (cached) return cached.trim();
  for (const dir of LIB_DIRS) if (existsSync(path.join(dir, soname))) return path.join(dir, soname);
  return null;
}

const manifestList = (value: string | undefined) => (value ?? "").split(":").filter(Boolean);

/** The manifests a loader reads: those an override variable names (when set and they exist), else the folders' .json files. */
function manifests(override: string | null, dirs: string[]): string[] {
  if (!override) return jsonFiles(dirs);
  return manifestList(override)
    .filter((f) => existsSync(f))
    .map((f) => path.basename(f));
}

export function gatherGraphicsFacts(env: NodeJS.ProcessEnv = process.env): GraphicsFacts {
  const icdOverride = env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES ?? null;
  const eglVendorOverride = env.__EGL_VENDOR_LIBRARY_FILENAMES ?? null;
  const eglDirs = env.__EGL_VENDOR_LIBRARY_DIRS ? manifestList(env.__EGL_VENDOR_LIBRARY_DIRS) : EGL_VENDOR_DIRS;
  const linux = process.platform === "linux";
  const ldCache = linux ? readLdCache() : "";
  return {
    platform: process.platform,
    libvulkan: linux ? findLibrary("libvulkan.so.1", env, ldCache) : null,
    vulkanIcds: manifests(icdOverride, ICD_DIRS),
    icdOverride,
    libegl: linux ? findLibrary("libEGL.so.1", env, ldCache) : null,
    eglVendors: manifests(eglVendorOverride, eglDirs),
    eglVendorOverride,
    nvidiaGpu: existsSync("/dev/nvidia0") || existsSync("/dev/nvidiactl"),
    nvidiaCapabilities: env.NVIDIA_DRIVER_CAPABILITIES ?? null,
  };
}

const apt = (packages: string[]) => `\`sudo apt-get install ${packages.join(" ")}\``;

/** Whether NVIDIA_DRIVER_CAPABILITIES leaves out the graphics libraries (Vulkan and EGL need them). */
export function containerLacksGraphics(facts: GraphicsFacts): boolean {
  if (!facts.nvidiaGpu || facts.nvidiaCapabilities === null) return false;
  const caps = facts.nvidiaCapabilities.split(",").map((c) => c.trim());
  return !caps.includes("all") && !caps.includes("graphics");
}

/** Why Vulkan gave no hardware adapter (Linux). */
export function explainNoVulkan(facts: GraphicsFacts): string {
  if (containerLacksGraphics(facts))
    return `this container's NVIDIA driver was started without the graphics capability (NVIDIA_DRIVER_CAPABILITIES=${facts.nvidiaCapabilities}), so NVIDIA's Vulkan driver is not mounted: start the container with NVIDIA_DRIVER_CAPABILITIES=all (or compute,utility,graphics)`;
  if (!facts.libvulkan)
    return `the Vulkan loader libvulkan.so.1 is not installed: ${apt(["libvulkan1"])}${facts.nvidiaGpu ? " (NVIDIA's Vulkan driver comes with its driver package)" : ", plus your GPU's Vulkan driver"}`;
  if (facts.vulkanIcds.length === 0)
    return facts.icdOverride
      ? `VK_DRIVER_FILES names no Vulkan driver that exists (${facts.icdOverride}): point it at your driver's ICD manifest, e.g. nvidia_icd.json, or unset it`
      : `libvulkan.so.1 is installed but no Vulkan driver (ICD manifest in ${ICD_DIRS.join(", ")}) is: install your GPU's Vulkan driver${facts.nvidiaGpu ? " (NVIDIA's: the driver's GL/Vulkan libraries, which provide nvidia_icd.json)" : ""}`;
  const software = facts.vulkanIcds.filter((f) => /lvp|lavapipe|swiftshader/i.test(f));
  if (software.length === facts.vulkanIcds.length) return `the only Vulkan driver is a CPU one (${software.join(", ")}), and Dawn rejects Mesa 22's lavapipe: install your GPU's Vulkan driver`;
  if (facts.nvidiaGpu && !facts.vulkanIcds.some((f) => /nvidia/i.test(f)))
    return `an NVIDIA GPU is present but its Vulkan driver (nvidia_icd.json) is not among the ICDs (${facts.vulkanIcds.join(", ")}): install the driver's GL/Vulkan libraries (libnvidia-gl)`;
  return `Vulkan has drivers (${facts.vulkanIcds.join(", ")}) but none gave Dawn an adapter: \`vulkaninfo --summary\` shows what the loader sees`;
}

/** Why OpenGL ES (EGL) gave no adapter at all (Linux). */
export function explainNoGles(facts: GraphicsFacts): string {
  if (!facts.libegl) return `EGL (libEGL.so.1) is not installed: ${apt(MESA_GLES_PACKAGES)}`;
  if (facts.eglVendors.length === 0)
    return facts.eglVendorOverride
      ? `__EGL_VENDOR_LIBRARY_FILENAMES names no EGL driver that exists (${facts.eglVendorOverride}): unset it`
      : `libEGL.so.1 has no driver (no vendor manifest in ${EGL_VENDOR_DIRS.join(", ")}): ${apt(MESA_GLES_PACKAGES)}`;
  return `EGL's drivers (${facts.eglVendors.join(", ")}) gave Dawn no OpenGL ES 3.1 adapter: ${apt(MESA_GLES_PACKAGES)} provides Mesa's, and EGL_PLATFORM=surfaceless needs no display`;
}
