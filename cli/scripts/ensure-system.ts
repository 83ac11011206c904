#!/usr/bin/env node
// Checks that the system packages the tests need are present (Debian's Jupyter stack with
// jupyterlab_server; Chromium for the browser tests; OpenBLAS for the native matMul, which it
// then builds; PostgreSQL 15, whose server the tracker's tests start; Open MPI and iproute2 for
// %%mpi and its two-namespace test, building the MPI bindings; Mesa's EGL and OpenGL ES, on
// whose llvmpipe the webgpu backend's tests run through Dawn; numpy, bench/gpu's baseline), and
// installs them with apt-get
// when we are root (CI); otherwise prints the command to run and exits 1. PyTorch, bench/train's
// baseline, is not among them: it is ~600 MB, so the benchmark installs it itself (bench-packages.ts). Exit 0 when it is all
// there. (MPI is optional for the kernel, which explains how to get it, but the tests need it.)
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { isExecutable, onPath } from "../../common/commands.js";
import { buildMpiBindings } from "./build-mpi.js";
import { buildNativeBlas } from "./build-native.js";
import { MESA_GLES_PACKAGES } from "../../kernel/tensors/webgpu/diagnose.js";

/** Debian's Python: the `python3` first on PATH may be another one, without Jupyter. */
const PYTHON = "/usr/bin/python3";
const MODULES = ["jupyter_client", "jupyter_kernel_test", "nbclient", "nbconvert", "ipykernel", "notebook", "icalendar", "jupyterlab_server", "numpy"];
const COMMANDS = ["jupyter-kernelspec"];
/** PostgreSQL's programs, off PATH in Debian's package: test/helpers/postgres.ts runs them from here. */
const POSTGRES_BIN = "/usr/lib/postgresql/15/bin";
const POSTGRES_PROGRAMS = ["initdb", "pg_ctl", "postgres"];
/** The browser of the browser tests (playwright-core drives it; it never downloads one). */
const CHROMIUM = "/usr/bin/chromium";
const APT_PACKAGES = [
  "jupyter-server",
  "jupyter-notebook",
  "jupyter-client",
  "python3-ipykernel",
  "python3-nbclient",
  "python3-nbconvert",
  "python3-jupyter-kernel-test",
  "python3-icalendar",
  "python3-jupyterlab-server",
  "chromium",
  "libopenblas-dev",
  "gcc",
  "postgresql",
  "g++",
  "make",
  "openmpi-bin",
  "libopenmpi-dev",
  "iproute2",
  "python3-numpy",
  ...MESA_GLES_PACKAGES,
];
/** Mesa's EGL, OpenGL ES and llvmpipe driver: Dawn's OpenGL ES backend loads them at run time. */
const MESA_LIBRARIES = ["libEGL.so.1", "libEGL_mesa.so.0", "libGLESv2.so.2"];
const LIB_TRIPLET = process.arch === "arm64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
const LLVMPIPE = `/usr/lib/${LIB_TRIPLET}/dri/swrast_dri.so`;
/** What %%mpi and its tests need: optional when we cannot install it. */
const MPI_COMMANDS = ["mpirun", "mpicc", "ip"];

/** What is missing: Python modules (one python call for all of them) and commands. */
function missing(): string[] {
  // Real imports (not just find_spec): a half-installed package fails here, not in the tests.
  const script = ["import importlib, sys", "for m in sys.argv[1:]:", "    try: importlib.import_module(m)", "    except Exception: print(m)"].join("\n");
  let modules: string[];
  try {
    modules = execFileSync(PYTHON, ["-c", script, ...MODULES], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
      .split(/\s+/)
      .filter(Boolean)
      .map((m) => `python module ${m}`);
  } catch {
    modules = [`${PYTHON} (with ${MODULES.join(", ")})`];
  }
  const blas = buildNativeBlas();
  const native = blas.ok ? [] : [`the native OpenBLAS matMul (${blas.reason})`];
  const postgres = POSTGRES_PROGRAMS.filter((p) => !isExecutable(path.join(POSTGRES_BIN, p))).map((p) => `PostgreSQL's ${path.join(POSTGRES_BIN, p)}`);
  const browser = existsSync(CHROMIUM) ? [] : [CHROMIUM];
  let ldconfig = "";
  try {
    ldconfig = execFileSync("/sbin/ldconfig", ["-p"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    // No ld.so cache to read: every library counts as missing.
  }
  const mesa = [...MESA_LIBRARIES.filter((lib) => !ldconfig.includes(`${lib} `)), ...(existsSync(LLVMPIPE) ? [] : [LLVMPIPE])].map((lib) => `Mesa's ${lib}`);
  return [...modules, ...COMMANDS.filter((c) => !onPath(c)).map((c) => `command ${c}`), ...browser, ...native, ...postgres, ...mesa];
}

/** What %%mpi lacks: Open MPI, iproute2, the bindings (built here when MPI is present). */
function missingMpi(): string[] {
  const commands = MPI_COMMANDS.filter((c) => !onPath(c)).map((c) => `command ${c}`);
  if (commands.length) return commands;
  const mpi = buildMpiBindings();
  return mpi.ok ? [] : [`the MPI bindings (${mpi.reason})`];
}

function run(command: string, args: string[]): void {
  console.log(`$ ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (result.status !== 0) throw new Error(`${command} ${args[0]} failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`})`);
}

function main(): number {
  const absent = missing();
  const absentMpi = missingMpi();
  if (absent.length === 0 && absentMpi.length === 0) {
    console.log(
      `ensure-system: Debian's Jupyter stack is present (${MODULES.length} modules, ${COMMANDS.join(", ")}), with Chromium, PostgreSQL 15 (${POSTGRES_BIN}) and Mesa's EGL/OpenGL ES; the OpenBLAS matMul addon and the MPI bindings are built.`,
    );
    return 0;
  }
  console.log(`ensure-system: missing ${[...absent, ...absentMpi].join(", ")}.`);
  const install = ["install", "-y", "--no-install-recommends", ...APT_PACKAGES];
  if (process.getuid?.() !== 0 || !onPath("apt-get")) {
    // MPI is optional for users of the kernel, not for its tests: without it they would skip.
    console.error(`Install the system packages, then run the tests again:\n  sudo apt-get install -y ${APT_PACKAGES.join(" ")}`);
    return 1;
  }
  console.log(`ensure-system: installing ${APT_PACKAGES.join(" ")} with apt-get…`);
  try {
    run("apt-get", ["update"]);
    run("apt-get", install);
  } catch (err) {
    console.error(`ensure-system: ${(err as Error).message}`);
    return 1;
  }
  const still = [...missing(), ...missingMpi()];
  if (still.length > 0) {
    console.error(`ensure-system: still missing after apt-get install: ${still.join(", ")}`);
    return 1;
  }
  console.log("ensure-system: Debian's Jupyter stack, OpenBLAS, PostgreSQL 15, Open MPI, Mesa's EGL/OpenGL ES and numpy are installed; the matMul addon and the MPI bindings are built.");
  return 0;
}

process.exitCode = main();
