// Building the compiler snapshot: `node --build-snapshot` of ./compiler-entry.cts, written whole
// (a temporary file renamed into place) with a key file that the launcher (./launch.sh) checks
// before it starts a kernel from the blob. The blob only works for the Node binary and V8 flags
// it was built with, so its name carries a hash of both, and the key its size and the binary's.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { KERNEL_NODE_FLAGS, PACKAGE_ROOT } from "../../common/paths.js";
import { fileStamp } from "./compiler-snapshot.js";

const require = createRequire(import.meta.url);
// The built entry (this module also runs from source, in tests).
const ENTRY = path.join(PACKAGE_ROOT, "dist", "kernel", "snapshot", "compiler-entry.cjs");
const REBUILD_SCRIPT = path.join(PACKAGE_ROOT, "dist", "cli", "scripts", "build-compiler-snapshot.js");
/** The shell script kernel.json runs: it starts Node from the blob when the blob fits. */
export const LAUNCHER = path.join(PACKAGE_ROOT, "kernel", "snapshot", "launch.sh");
/** A builder that died leaves its lock; after this long another may build. */
const STALE_LOCK_MS = 5 * 60_000;

/** The blob for this Node binary and the kernel's V8 flags, in `cacheDir`. */
export function compilerBlobPath(cacheDir: string, node = process.execPath): string {
  const hash = createHash("sha256")
    .update(`${node}\n${process.version}\n${KERNEL_NODE_FLAGS.join(" ")}`)
    .digest("hex")
    .slice(0, 12);
  return path.join(cacheDir, `compiler-${hash}.blob`);
}

/** tslab's TypeScript, which the snapshot holds. */
export function typeScriptFile(): string {
  const tslabDir = path.dirname(require.resolve("tslab/package.json"));
  return require.resolve("@tslab/typescript-for-tslab", { paths: [tslabDir] });
}

/**
 * What the blob's TypeScript and declarations were made from; a kernel that finds another
 * value (TypeScript or @types/node updated) does not use the snapshot and has it rebuilt.
 */
export function snapshotContentKey(): string {
  const typesNode = require.resolve("@types/node/package.json");
  return `${fileStamp(typeScriptFile())} ${fileStamp(typesNode)}`;
}

/** The line the launcher expects in BLOB.key: the blob's size and the Node binary's size and mtime. */
function launcherKey(blob: string, node: string): string {
  const n = statSync(node);
  return `${statSync(blob).size} ${n.size}:${Math.trunc(n.mtimeMs / 1000)}`;
}

export interface BuildResult {
  built: boolean;
  /** Why nothing was built (already current, another builder at work) or what failed. */
  reason: string;
}

/**
 * True when `blob`'s key says it is whole, was built for this Node binary (the launcher's line)
 * and from this install's TypeScript and @types/node (the second line).
 */
export function blobIsCurrent(blob: string): boolean {
  try {
    const [forLauncher, content] = readFileSync(`${blob}.key`, "utf8").split("\n");
    return forLauncher === launcherKey(blob, process.execPath) && content === snapshotContentKey();
  } catch {
    return false;
  }
}

/** Builds the blob (about 3 s here) unless it is current; `force` rebuilds a current one. */
export function buildCompilerSnapshot(blob: string, options: { force?: boolean } = {}): BuildResult {
  if (!options.force && blobIsCurrent(blob)) return { built: false, reason: "already current" };
  mkdirSync(path.dirname(blob), { recursive: true });
  const lock = takeLock(`${blob}.lock`);
  if (!lock) return { built: false, reason: "another process is building it" };
  const partial = `${blob}.${process.pid}.partial`;
  const entry = `${blob}.${process.pid}.entry.cjs`;
  try {
    // The snapshot builder gives its script `require` but no `exports`, which tsc's output uses.
    writeFileSync(entry, `var exports = {};\n${readFileSync(ENTRY, "utf8")}`);
    const typesNode = path.dirname(require.resolve("@types/node/package.json"));
    // tslab's target and lib for Node 18 and later (converter.js getTranspileTargets).
    const request = { typescript: typeScriptFile(), typeRoots: [path.dirname(typesNode)], target: "ES2022", lib: ["es2022"], key: snapshotContentKey() };
    const run = spawnSync(process.execPath, [...KERNEL_NODE_FLAGS, "--snapshot-blob", partial, "--build-snapshot", entry], {
      env: { ...process.env, PARALLAB_SNAPSHOT_REQUEST: JSON.stringify(request) },
      encoding: "utf8",
      timeout: 120_000,
    });
    if (run.status !== 0 || !existsSync(partial)) {
      const why = (run.stderr || run.error?.message || `exit ${run.status}`).trim().split("\n").slice(-3).join(" ");
      return { built: false, reason: `node --build-snapshot failed: ${why}` };
    }
    renameSync(partial, blob);
    writeFileSync(`${blob}.key.${process.pid}`, `${launcherKey(blob, process.execPath)}\n${request.key}\n`);
    renameSync(`${blob}.key.${process.pid}`, `${blob}.key`);
    return { built: true, reason: "built" };
  } catch (err) {
    return { built: false, reason: (err as Error).message };
  } finally {
    rmSync(partial, { force: true });
    rmSync(entry, { force: true });
    rmSync(lock, { force: true });
  }
}

/** Starts a rebuild in a detached, low-priority process: the kernel goes on meanwhile. */
export function rebuildInBackground(blob: string, log: (line: string) => void): void {
  try {
    // From the package's folder: not the notebook's, which the user may delete.
    const child = spawn(process.execPath, [REBUILD_SCRIPT, blob], { cwd: PACKAGE_ROOT, detached: true, stdio: "ignore" });
    child.on("error", (err) => log(`the compiler snapshot could not be rebuilt: ${err.message}`));
    if (child.pid) os.setPriority(child.pid, 19);
    child.unref();
  } catch (err) {
    log(`the compiler snapshot could not be rebuilt: ${(err as Error).message}`);
  }
}

/** Creates `lock` exclusively (or takes over one left by a builder that died); null when held. */
function takeLock(lock: string): string | null {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      closeSync(openSync(lock, "wx"));
      return lock;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs < STALE_LOCK_MS) return null;
      rmSync(lock, { force: true });
    }
  }
  return null;
}
