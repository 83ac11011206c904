#!/usr/bin/env node
// Checks that the system packages the tests need are present (Debian's Jupyter stack with
// jupyterlab_server, Chromium, and OpenBLAS for the native matMul, which it then builds), and
// installs them with apt-get when we are root (CI); otherwise prints the command to run. Exit 0
// when it is all there.
import { execFileSync, spawnSync } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import path from "node:path";
import { buildNativeBlas } from "./build-native.js";

/** Debian's Python: the `python3` first on PATH may be another one, without Jupyter. */
const PYTHON = "/usr/bin/python3";
const MODULES = ["jupyter_client", "jupyter_kernel_test", "nbclient", "nbconvert", "ipykernel", "notebook", "icalendar", "jupyterlab_server"];
const COMMANDS = ["jupyter-kernelspec"];
/** The browser of test/jupyterlab.test.ts (playwright-core drives it; it never downloads one). */
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
];

function onPath(command: string): boolean {
  return (process.env.PATH ?? "").split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir || ".", command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** What is missing: Python modules (one python call for all of them) and commands. */
function missing(): string[] {
  // Real imports (not just find_spec): a half-installed package fails here, not in the tests.
  const script = [
    "import importlib, sys",
    "for m in sys.argv[1:]:",
    "    try: importlib.import_module(m)",
    "    except Exception: print(m)",
  ].join("\n");
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
  const browser = existsSync(CHROMIUM) ? [] : [CHROMIUM];
  return [...modules, ...COMMANDS.filter((c) => !onPath(c)).map((c) => `command ${c}`), ...browser, ...native];
}

function run(command: string, args: string[]): void {
  console.log(`$ ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (result.status !== 0) throw new Error(`${command} ${args[0]} failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`})`);
}

function main(): number {
  const absent = missing();
  if (absent.length === 0) {
    console.log(`ensure-system: Debian's Jupyter stack is present (${MODULES.length} modules, ${COMMANDS.join(", ")}), and Chromium; the OpenBLAS matMul addon is built.`);
    return 0;
  }
  console.log(`ensure-system: missing ${absent.join(", ")}.`);
  const install = ["install", "-y", "--no-install-recommends", ...APT_PACKAGES];
  if (process.getuid?.() !== 0 || !onPath("apt-get")) {
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
  const still = missing();
  if (still.length > 0) {
    console.error(`ensure-system: still missing after apt-get install: ${still.join(", ")}`);
    return 1;
  }
  console.log("ensure-system: Debian's Jupyter stack and OpenBLAS are installed; the matMul addon is built.");
  return 0;
}

process.exitCode = main();
