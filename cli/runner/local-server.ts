// Starts Debian's `jupyter server` (jupyter_server 1.x) or classic Notebook 6 on 127.0.0.1 with a fresh token and a
// free port: what the remote-runner tests and bench/frontends run against.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { freePort } from "../../client/free-port.js";

const PYTHON = "/usr/bin/python3";

export interface LocalJupyterServer {
  baseUrl: string;
  token: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface LocalServerOptions {
  rootDir: string;
  env?: NodeJS.ProcessEnv;
  /** Which server: jupyter_server (default), or the classic Notebook 6 (its own app and options). */
  app?: "jupyter_server" | "notebook";
  /** Config files to load (e.g. lab/nodelay_config.py). */
  configFiles?: string[];
  startTimeoutMs?: number;
}

export async function startJupyterServer(options: LocalServerOptions): Promise<LocalJupyterServer> {
  const port = await freePort();
  const token = randomBytes(16).toString("hex");
  const [module, app, root] = options.app === "notebook" ? ["notebook", "NotebookApp", "notebook_dir"] : ["jupyter_server", "ServerApp", "root_dir"];
  const args = ["-m", module, "--no-browser", `--${app}.ip=127.0.0.1`, `--${app}.port=${port}`, `--${app}.port_retries=0`, `--${app}.token=${token}`, `--${app}.${root}=${options.rootDir}`];
  for (const file of options.configFiles ?? []) args.push(`--config=${file}`);
  if (process.getuid?.() === 0) args.push("--allow-root");
  const child = spawn(PYTHON, args, { env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const baseUrl = `http://127.0.0.1:${port}/`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`jupyter server exited (code ${child.exitCode}):\n${log.slice(-2000)}`);
    const up = await fetch(`${baseUrl}api/status`, { headers: { Authorization: `token ${token}` } }).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { baseUrl, token, process: child, stop };
    await new Promise((r) => setTimeout(r, 150));
  }
  await stop();
  throw new Error(`jupyter server did not answer on ${baseUrl} within ${options.startTimeoutMs ?? 30_000} ms:\n${log.slice(-2000)}`);
}
