import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { jupyterDataDir, KERNEL_MAIN, kernelCacheDir, PACKAGE_VERSION } from "../common/paths.js";
import { buildCompilerSnapshot, compilerBlobPath } from "../kernel/snapshot/build.js";
import { kernelArgv } from "../client/launch.js";
import { logoPng } from "./logo.js";

export const KERNEL_NAME = "parallab";
export const DISPLAY_NAME = "TypeScript (Parallab)";

export interface SpecLocation {
  user?: boolean;
  sysPrefix?: boolean;
  prefix?: string;
}

/** Where `kernels/parallab` goes, as `jupyter kernelspec install` decides it. */
export function kernelsDir(where: SpecLocation): string {
  if (where.prefix) return path.join(path.resolve(where.prefix), "share", "jupyter", "kernels");
  if (where.sysPrefix) return path.join(jupyterSysPrefix(), "share", "jupyter", "kernels");
  return path.join(jupyterDataDir(), "kernels");
}

/** sys.prefix of the Python that runs `jupyter` (a virtualenv's, or Debian's /usr). */
function jupyterSysPrefix(): string {
  for (const python of [process.env.PARALLAB_PYTHON, "python3", "/usr/bin/python3"].filter(Boolean) as string[]) {
    try {
      return execFileSync(python, ["-c", "import jupyter_core, sys; print(sys.prefix)"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      // That Python has no Jupyter: try the next one.
    }
  }
  throw new Error("--sys-prefix needs a Python with Jupyter installed (try: apt-get install jupyter-client, or use --user / --prefix DIR)");
}

export function kernelJson(): Record<string, unknown> {
  return {
    argv: kernelArgv(),
    display_name: DISPLAY_NAME,
    language: "typescript",
    // Interrupts come as control messages: that also stops busy loops that follow an await.
    interrupt_mode: "message",
    env: {},
    metadata: { debugger: false, parallab: { version: PACKAGE_VERSION } },
  };
}

export function installKernelspec(where: SpecLocation): string {
  if (!existsSync(KERNEL_MAIN)) throw new Error(`${KERNEL_MAIN} is missing: run \`npm run build\` first`);
  const dir = path.join(kernelsDir(where), KERNEL_NAME);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "kernel.json"), `${JSON.stringify(kernelJson(), null, 2)}\n`);
  writeFileSync(path.join(dir, "logo-32x32.png"), logoPng(32));
  writeFileSync(path.join(dir, "logo-64x64.png"), logoPng(64));
  // The first kernel then starts from the snapshot (a kernel rebuilds a missing one in the background).
  const cacheDir = kernelCacheDir();
  const snapshot = cacheDir ? buildCompilerSnapshot(compilerBlobPath(cacheDir)) : null;
  if (snapshot && !snapshot.built && snapshot.reason !== "already current" && !snapshot.reason.startsWith("another process")) {
    process.stderr.write(`parallab: the compiler snapshot was not built (${snapshot.reason}); kernels start without it, about 0.6 s slower\n`);
  }
  return dir;
}

/** Removes the kernelspec; returns the folder removed, or null when there was none. */
export function uninstallKernelspec(where: SpecLocation): string | null {
  const dir = path.join(kernelsDir(where), KERNEL_NAME);
  if (!existsSync(path.join(dir, "kernel.json"))) return null;
  rmSync(dir, { recursive: true, force: true });
  return dir;
}
