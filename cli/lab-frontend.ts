// Builds the JupyterLab 4 front end in lab/ (its own package.json, apart from the kernel's
// dependencies): `npm ci` there, then rspack (lab/build.js) into lab/build/. Each step leaves a stamp, the hash
// of its inputs, so it runs again only when lab/package.json (or the build files) change.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PACKAGE_ROOT } from "../common/paths.js";

export const LAB_DIR = path.join(PACKAGE_ROOT, "lab");
export const LAB_BUILD = path.join(LAB_DIR, "build");
const MODULES = path.join(LAB_DIR, "node_modules");
const STAMP = ".parallab-stamp";

/** What each step depends on: the packages, then the packages and the build's own files. */
const INSTALL_INPUTS = ["package.json", "package-lock.json"];
const BUILD_INPUTS = [...INSTALL_INPUTS, "rspack.config.js", "build.js", "index.js"];

function hashOf(files: string[]): string {
  const hash = createHash("sha256");
  for (const file of files) {
    const full = path.join(LAB_DIR, file);
    hash.update(`${file}\0${existsSync(full) ? readFileSync(full) : ""}\0`);
  }
  return hash.digest("hex");
}

function stampOf(dir: string): string | null {
  try {
    return readFileSync(path.join(dir, STAMP), "utf8").trim();
  } catch {
    return null;
  }
}

export interface LabBuildState {
  installed: boolean;
  built: boolean;
}

/** Whether lab/node_modules and lab/build are current (no work to do when both are). */
export function labBuildState(): LabBuildState {
  return {
    installed: stampOf(MODULES) === hashOf(INSTALL_INPUTS),
    built: stampOf(LAB_BUILD) === hashOf(BUILD_INPUTS) && existsSync(path.join(LAB_BUILD, "bundle.js")),
  };
}

/** Runs a command in lab/, its output on our stderr (the progress of a minute-long step). */
function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: LAB_DIR, stdio: ["ignore", process.stderr, process.stderr] });
    child.once("error", (err) => reject(new Error(`${command} failed to start: ${err.message}`)));
    child.once("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(`\`${command} ${args.join(" ")}\` in ${LAB_DIR} failed (${signal ?? `exit ${code}`})`))));
  });
}

/**
 * Makes lab/build current: installs lab's packages and runs rspack when their inputs changed.
 * Async (child processes), so a test worker that awaits it keeps its heartbeat.
 */
export async function ensureLabBuild(log: (line: string) => void = (line) => console.error(line)): Promise<void> {
  const state = labBuildState();
  // A current build is all the server needs (its stamp covers the packages too).
  if (state.built) return;
  const started = Date.now();
  if (!state.installed) {
    const lock = existsSync(path.join(LAB_DIR, "package-lock.json"));
    log(`parallab lab: installing the JupyterLab 4 packages (npm ${lock ? "ci" : "install"} in ${LAB_DIR}, under a minute)…`);
    await run("npm", [lock ? "ci" : "install", "--no-audit", "--no-fund", "--loglevel=error"]);
    writeFileSync(path.join(MODULES, STAMP), `${hashOf(INSTALL_INPUTS)}\n`);
  }
  log("parallab lab: building the JupyterLab front end with rspack (seconds)…");
  // A fresh folder: chunk names carry content hashes, so old ones would pile up.
  rmSync(LAB_BUILD, { recursive: true, force: true });
  await run(process.execPath, [path.join(LAB_DIR, "build.js")]);
  writeFileSync(path.join(LAB_BUILD, STAMP), `${hashOf(BUILD_INPUTS)}\n`);
  log(`parallab lab: front end built in ${LAB_BUILD} (${((Date.now() - started) / 1000).toFixed(0)} s).`);
}
