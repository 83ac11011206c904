// The `parallab` command as a user runs it (the built dist/), without blocking the test worker:
// grading and notebook runs take minutes, and a blocked worker misses vitest's heartbeats.
import { spawn } from "node:child_process";
import path from "node:path";

export const ROOT = path.join(import.meta.dirname, "..", "..");
export const CLI = path.join(ROOT, "dist", "cli", "parallab.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return runCommand(process.execPath, [CLI, ...args], options);
}

export function runCommand(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...options.env }, cwd: options.cwd ?? ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
