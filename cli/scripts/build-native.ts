#!/usr/bin/env node
// Builds native/blas/build/blas.node (OpenBLAS for tfjs's wasm matMuls and convolutions) with the system C
// compiler directly: one C file, so node-gyp (and Python, and a download of Node's headers) is
// not worth it. Optional: the kernel works without it, so the script exits 0 even on failure.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PACKAGE_ROOT } from "../../common/paths.js";
import { NATIVE_BLAS_ADDON } from "../../kernel/tensors/native-blas.js";

export type NativeBuildResult = { ok: true; path: string; built: boolean } | { ok: false; reason: string };

export const NATIVE_BLAS_SOURCE = path.join(PACKAGE_ROOT, "native", "blas", "blas.c");

const BLAS_HINT = "apt-get install -y libopenblas-dev";

/** The first command that runs (`--version` exits 0): $CC, then the usual names. */
function findCompiler(): string | undefined {
  const candidates = [process.env.CC, "cc", "gcc", "clang"].filter((c): c is string => !!c);
  return candidates.find((c) => spawnSync(c, ["--version"], { stdio: "ignore" }).status === 0);
}

/** The Debian multiarch triplet (x86_64-linux-gnu): where Debian puts cblas.h and libopenblas. */
function multiarch(cc: string): string {
  const out = spawnSync(cc, ["-print-multiarch"], { encoding: "utf8" });
  const triplet = out.status === 0 ? out.stdout.trim() : "";
  if (triplet) return triplet;
  return `${{ x64: "x86_64", arm64: "aarch64", ppc64: "powerpc64le", s390x: "s390x" }[process.arch as string] ?? process.arch}-linux-gnu`;
}

function firstDirWith(file: string, dirs: string[]): string | undefined {
  return dirs.find((d) => existsSync(path.join(d, file)));
}

export function buildNativeBlas(options: { force?: boolean } = {}): NativeBuildResult {
  if (process.platform !== "linux") return { ok: false, reason: `native BLAS is built on Linux only (this is ${process.platform})` };
  if (!options.force && existsSync(NATIVE_BLAS_ADDON) && statSync(NATIVE_BLAS_ADDON).mtimeMs > statSync(NATIVE_BLAS_SOURCE).mtimeMs) return { ok: true, path: NATIVE_BLAS_ADDON, built: false };

  const cc = findCompiler();
  if (!cc) return { ok: false, reason: "no C compiler (cc, gcc or clang) on PATH: apt-get install -y gcc" };
  const triplet = multiarch(cc);

  // Node's own tarball keeps headers next to its bin/; Debian's and NodeSource's nodejs in /usr/include/node.
  const nodeInclude = firstDirWith("node_api.h", [path.join(path.dirname(path.dirname(process.execPath)), "include", "node"), "/usr/include/node", "/usr/local/include/node"]);
  if (!nodeInclude) return { ok: false, reason: "Node's headers (node_api.h) are missing: install Node with its headers (Debian: apt-get install -y libnode-dev)" };

  // Debian: cblas.h is an alternatives link in /usr/include/<triplet>, the real one under openblas-pthread/.
  const blasInclude = firstDirWith("cblas.h", [
    `/usr/include/${triplet}`,
    `/usr/include/${triplet}/openblas-pthread`,
    "/usr/include/openblas",
    "/usr/include",
    "/usr/local/include",
    "/opt/OpenBLAS/include",
  ]);
  if (!blasInclude) return { ok: false, reason: `OpenBLAS's cblas.h is missing: ${BLAS_HINT}` };
  const blasLib = firstDirWith("libopenblas.so", [`/usr/lib/${triplet}`, `/usr/lib/${triplet}/openblas-pthread`, "/usr/lib64", "/usr/lib", "/usr/local/lib", "/opt/OpenBLAS/lib"]);
  if (!blasLib) return { ok: false, reason: `OpenBLAS's library (libopenblas.so) is missing: ${BLAS_HINT}` };

  mkdirSync(path.dirname(NATIVE_BLAS_ADDON), { recursive: true });
  // Build beside the target and rename: a concurrent loader never sees a half-written file.
  const tmp = `${NATIVE_BLAS_ADDON}.${process.pid}.tmp`;
  const args = ["-O3", "-shared", "-fPIC", `-I${nodeInclude}`, `-I${blasInclude}`, NATIVE_BLAS_SOURCE, `-L${blasLib}`];
  // rpath only when the library is outside the loader's default dirs, so it is found at load time.
  if (!["/usr/lib", `/usr/lib/${triplet}`, "/lib", `/lib/${triplet}`].includes(blasLib)) args.push(`-Wl,-rpath,${blasLib}`);
  args.push("-lopenblas", "-lm", "-pthread", "-o", tmp);
  const result = spawnSync(cc, args, { encoding: "utf8" });
  if (result.status !== 0) {
    rmSync(tmp, { force: true });
    const log = `${result.stderr ?? ""}${result.error?.message ?? ""}`.trim().split("\n").slice(-8).join("\n");
    const hint = /cannot find -lopenblas|cblas\.h/.test(log) ? ` (${BLAS_HINT})` : "";
    return { ok: false, reason: `${cc} ${args.join(" ")} failed${hint}:\n${log}` };
  }
  renameSync(tmp, NATIVE_BLAS_ADDON);
  return { ok: true, path: NATIVE_BLAS_ADDON, built: true };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = buildNativeBlas({ force: process.argv.includes("--force") });
  if (result.ok) console.log(`build-native: ${result.built ? "built" : "up to date"} ${result.path}`);
  else console.log(`build-native: native BLAS not built (optional): ${result.reason}`);
}
