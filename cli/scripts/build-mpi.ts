#!/usr/bin/env node
// Builds native/mpi/build/Release/mpi.node (Parallab's MPI bindings, for %%mpi) with node-gyp
// against the system's Open MPI (compile and link flags from `mpicc --showme`). Optional: the
// kernel works without it, so the script exits 0 when MPI is not installed, saying how to get it.
//   npm run build:mpi   or   npx parallab build-mpi [--force]
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MPI_ADDON, MPI_APT_PACKAGES, MPI_SOURCE_DIR } from "../../kernel/mpi/addon.js";
import { onPath } from "../../common/commands.js";

export type MpiBuildResult = { ok: true; path: string; built: boolean } | { ok: false; reason: string };

const SOURCES = ["mpi.cc", "binding.gyp"].map((f) => path.join(MPI_SOURCE_DIR, f));
const APT_HINT = `apt-get install -y ${MPI_APT_PACKAGES.join(" ")}`;

/** A Node install prefix whose include/node has the headers node-gyp needs (else it downloads them). */
function nodeDir(): string | undefined {
  const prefixes = [path.dirname(path.dirname(process.execPath)), "/usr", "/usr/local"];
  return prefixes.find((p) => existsSync(path.join(p, "include", "node", "common.gypi")) && existsSync(path.join(p, "include", "node", "node_api.h")));
}

export function buildMpiBindings(options: { force?: boolean; quiet?: boolean } = {}): MpiBuildResult {
  if (process.platform !== "linux") return { ok: false, reason: `the MPI bindings are built on Linux only (this is ${process.platform})` };
  if (!options.force && existsSync(MPI_ADDON) && SOURCES.every((s) => statSync(MPI_ADDON).mtimeMs > statSync(s).mtimeMs)) return { ok: true, path: MPI_ADDON, built: false };
  const mpicc = process.env.MPICC ?? "mpicc";
  if (!onPath(mpicc) && !existsSync(mpicc)) return { ok: false, reason: `Open MPI is not installed (no ${mpicc} on PATH): ${APT_HINT}` };
  const probe = spawnSync(mpicc, ["--showme:compile"], { encoding: "utf8" });
  if (probe.status !== 0) return { ok: false, reason: `${mpicc} --showme:compile failed (is libopenmpi-dev installed? ${APT_HINT}): ${(probe.stderr ?? "").trim()}` };
  let nodeGyp: string;
  try {
    nodeGyp = createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js");
  } catch {
    return { ok: false, reason: "node-gyp is missing from node_modules: run npm install" };
  }
  const dir = nodeDir();
  const args = [nodeGyp, "rebuild", ...(dir ? [`--nodedir=${dir}`] : [])];
  const result = spawnSync(process.execPath, args, { cwd: MPI_SOURCE_DIR, encoding: "utf8", env: { ...process.env, MPICC: mpicc }, stdio: ["ignore", "pipe", "pipe"] });
  if (result.status !== 0 || !existsSync(MPI_ADDON)) {
    const log = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error?.message ?? ""}`.trim().split("\n").slice(-12).join("\n");
    return { ok: false, reason: `node-gyp rebuild in ${MPI_SOURCE_DIR} failed:\n${log}` };
  }
  return { ok: true, path: MPI_ADDON, built: true };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = buildMpiBindings({ force: process.argv.includes("--force") });
  if (result.ok) console.log(`build-mpi: ${result.built ? "built" : "up to date"} ${result.path}`);
  else console.log(`build-mpi: MPI bindings not built (optional; %%mpi needs them): ${result.reason}`);
}
