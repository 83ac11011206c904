import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ConnectionInfo } from "../kernel/protocol/connection.js";

import { KERNEL_MAIN, KERNEL_NODE_FLAGS, kernelCacheDir } from "../common/paths.js";
import { compilerBlobPath, LAUNCHER } from "../kernel/snapshot/build.js";
import { freePort } from "./free-port.js";

export async function newConnectionInfo(): Promise<ConnectionInfo> {
  const [shell_port, control_port, iopub_port, stdin_port, hb_port] = await Promise.all([1, 2, 3, 4, 5].map(() => freePort()));
  return {
    transport: "tcp",
    ip: "127.0.0.1",
    shell_port: shell_port!,
    control_port: control_port!,
    iopub_port: iopub_port!,
    stdin_port: stdin_port!,
    hb_port: hb_port!,
    key: randomBytes(32).toString("hex"),
    signature_scheme: "hmac-sha256",
    kernel_name: "parallab",
  };
}

/**
 * How a kernel with environment `env` starts (kernel.json's argv): through the launcher that
 * starts Node from the compiler snapshot when it fits (kernel/snapshot/), unless the cache is off.
 */
export function kernelArgv(env: NodeJS.ProcessEnv = process.env): string[] {
  const node = [process.execPath, ...KERNEL_NODE_FLAGS, KERNEL_MAIN, "{connection_file}"];
  const cacheDir = kernelCacheDir(env);
  return cacheDir ? ["/bin/sh", LAUNCHER, compilerBlobPath(cacheDir), ...node] : node;
}

export interface LaunchedKernel {
  connection: ConnectionInfo;
  connectionFile: string;
  process: ChildProcess;
  /** What the kernel wrote to stderr (its log). */
  log: () => string;
}

/** Starts the kernel (kernelArgv, or `argv`) on a fresh connection file, as Jupyter would. */
export async function launchKernel(options: { cwd?: string; env?: NodeJS.ProcessEnv; argv?: string[] } = {}): Promise<LaunchedKernel> {
  const connection = await newConnectionInfo();
  const dir = mkdtempSync(path.join(os.tmpdir(), "parallab-kernel-"));
  const connectionFile = path.join(dir, "connection.json");
  writeFileSync(connectionFile, JSON.stringify(connection));
  const argv = options.argv ?? kernelArgv(options.env);
  const [cmd, ...args] = argv.map((a) => a.replace("{connection_file}", connectionFile));
  const child = spawn(cmd!, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  return { connection, connectionFile, process: child, log: () => log };
}
