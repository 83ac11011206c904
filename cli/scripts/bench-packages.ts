// System packages that only a benchmark needs, installed the way ensure-system.ts installs the
// tests' (apt-get as root, or the exact command to run). PyTorch is here rather than in
// ensure-system's list: Debian's python3-torch takes ~600 MB installed (measured: apt-get says
// "603 MB of additional disk space"), which `npm test`'s pretest should not pay for.
import { spawnSync } from "node:child_process";
import { onPath } from "../../common/commands.js";

/** Debian's Python, with Debian's numpy and torch. */
export const SYSTEM_PYTHON = "/usr/bin/python3";

export interface BenchPackage {
  /** The Python module that must import. */
  module: string;
  /** The Debian package that provides it. */
  apt: string;
}

export const PYTORCH: BenchPackage = { module: "torch", apt: "python3-torch" };

export type EnsureResult = { ok: true; installed: boolean } | { ok: false; command: string; reason: string };

const imports = (module: string): boolean => spawnSync(SYSTEM_PYTHON, ["-c", `import ${module}`], { stdio: "ignore" }).status === 0;

/** Makes `pkg` importable by Debian's Python: present, or installed with apt-get when root; otherwise the command to run. */
export function ensureBenchPackage(pkg: BenchPackage, log: (line: string) => void = console.log): EnsureResult {
  if (imports(pkg.module)) return { ok: true, installed: false };
  const args = ["install", "-y", "--no-install-recommends", pkg.apt];
  const command = `apt-get ${args.join(" ")}`;
  if (process.getuid?.() !== 0 || !onPath("apt-get")) return { ok: false, command: `sudo ${command}`, reason: `${SYSTEM_PYTHON} cannot import ${pkg.module}, and installing ${pkg.apt} needs root` };
  log(`installing Debian's ${pkg.apt}: ${command}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = spawnSync("apt-get", args, { stdio: "inherit", env });
  // A stale package list is the usual reason an install finds nothing: update once, then retry.
  if (install.status !== 0 && spawnSync("apt-get", ["update"], { stdio: "inherit", env }).status === 0) spawnSync("apt-get", args, { stdio: "inherit", env });
  if (imports(pkg.module)) return { ok: true, installed: true };
  return { ok: false, command, reason: `${command} did not make ${pkg.module} importable` };
}
