// `parallab lab [DIR]`: JupyterLab with the parallab kernel. The user's own `jupyter-lab` when
// it is on PATH; otherwise the JupyterLab 4 front end built in lab/ (cli/lab-frontend.ts), served
// by Debian's jupyterlab_server through lab/serve.py. Either way on 127.0.0.1 with a random token
// and the TCP_NODELAY patch of lab/nodelay_config.py.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { installKernelspec } from "./kernelspec.js";
import { ensureLabBuild, LAB_DIR } from "./lab-frontend.js";
import { jupyterDataDir } from "../common/paths.js";
import { onPath } from "../common/commands.js";
import { freePort } from "../client/free-port.js";
import { type ErrorKind, ParallabError } from "../common/errors.js";

export type Frontend = "jupyter-lab" | "builtin";

export interface LabOptions {
  /** The server's root folder (default: the current directory). */
  dir?: string;
  /** Default: a free port. */
  port?: number;
  /** "auto" (the default): `jupyter-lab` when it is on PATH, else the built-in front end. */
  frontend?: Frontend | "auto";
  /** Extra environment for the server and its kernels. */
  env?: NodeJS.ProcessEnv;
  /** Progress of the first build, and the server's log lines (default: dropped). */
  log?: (line: string) => void;
  /** How long to wait for the server to answer (default 60 s). */
  startTimeoutMs?: number;
}

export interface RunningLab {
  /** Opens JupyterLab: http://127.0.0.1:PORT/lab?token=TOKEN */
  url: string;
  /** http://127.0.0.1:PORT/ (REST API and websockets). */
  baseUrl: string;
  token: string;
  port: number;
  frontend: Frontend;
  /** Resolves with the server's exit code when it stops, whoever stopped it. */
  exited: Promise<number | null>;
  /** Stops the server (which shuts its kernels down). */
  stop(): Promise<void>;
}

/** A failure the user can fix (missing packages, a busy port): printed without a stack. */
export class LabError extends ParallabError {
  override readonly kind: ErrorKind = "unavailable";
  override name = "LabError";
}

export const APT_HINT = "sudo apt-get install -y python3-jupyterlab-server";

/** The Python with Debian's Jupyter: the `python3` first on PATH may be another one (pyenv). */
function python(): string {
  return process.env.PARALLAB_PYTHON || (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");
}

function checkJupyterlabServer(py: string): void {
  const probe = spawnSync(py, ["-c", "import jupyterlab_server, jupyter_server"], { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  if (probe.error) throw new LabError(`JupyterLab needs Python 3 with jupyterlab_server, and ${py} could not run (${probe.error.message}). Install it with:\n  ${APT_HINT}`);
  if (probe.status !== 0) throw new LabError(`No jupyter-lab on PATH, and ${py} has no jupyterlab_server to serve the built-in JupyterLab. Install it with:\n  ${APT_HINT}`);
}

/** The server's traitlets, the same for jupyter-lab and lab/serve.py (both jupyter_server apps). */
function serverArgs(dir: string, port: number, retries: number, token: string): string[] {
  const args = [
    "--ServerApp.ip=127.0.0.1",
    `--ServerApp.port=${port}`,
    `--ServerApp.port_retries=${retries}`,
    `--ServerApp.token=${token}`,
    `--ServerApp.root_dir=${dir}`,
    "--ServerApp.open_browser=False",
  ];
  if (process.getuid?.() === 0) args.push("--ServerApp.allow_root=True");
  return args;
}

/** Starts JupyterLab on DIR and resolves once its REST API answers. */
export async function startLab(options: LabOptions = {}): Promise<RunningLab> {
  const log = options.log ?? (() => {});
  const dir = path.resolve(options.dir ?? process.cwd());
  if (!existsSync(dir)) throw new LabError(`${dir} does not exist`);
  installKernelspec({ user: true });

  const jupyterLab = onPath("jupyter-lab");
  const frontend: Frontend = options.frontend === "builtin" || options.frontend === "jupyter-lab" ? options.frontend : jupyterLab ? "jupyter-lab" : "builtin";
  const token = randomBytes(24).toString("hex");
  // A port the user asked for is that port or an error; a free one may be taken meanwhile: retry.
  const port = options.port ?? (await freePort());
  const args = serverArgs(dir, port, options.port ? 0 : 20, token);
  const env: NodeJS.ProcessEnv = { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: "1", ...options.env };

  let command: string;
  if (frontend === "jupyter-lab") {
    if (!jupyterLab) throw new LabError("jupyter-lab is not on PATH (leave out frontend to use the built-in JupyterLab)");
    command = jupyterLab;
    // The nodelay patch as one more config folder: the user's own config files load as well.
    const extra = path.join(LAB_DIR, "server-config");
    env.JUPYTER_CONFIG_PATH = env.JUPYTER_CONFIG_PATH ? `${extra}${path.delimiter}${env.JUPYTER_CONFIG_PATH}` : extra;
  } else {
    command = python();
    checkJupyterlabServer(command);
    await ensureLabBuild(log);
    args.unshift(path.join(LAB_DIR, "serve.py"));
    // Settings and workspaces of the built-in app, apart from a real JupyterLab's.
    env.PARALLAB_LAB_STATE ??= path.join(jupyterDataDir(), "parallab-lab");
  }
  // Its own process group: stop() can end the server's kernels too if it hangs.
  const child = spawn(command, args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  return await whenServing(child, { token, frontend, log, timeoutMs: options.startTimeoutMs ?? 60_000 });
}

interface Pending {
  token: string;
  frontend: Frontend;
  log: (line: string) => void;
  timeoutMs: number;
}

/** Waits for the server's "running at http://127.0.0.1:PORT/" line, then for its API to answer. */
function whenServing(child: ChildProcess, p: Pending): Promise<RunningLab> {
  const recent: string[] = [];
  let announced: number | null = null;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const onLine = (line: string) => {
    p.log(line);
    recent.push(line);
    if (recent.length > 30) recent.shift();
    const m = /\/\/(?:127\.0\.0\.1|localhost):(\d+)\//.exec(line);
    if (m && announced === null) announced = Number(m[1]);
  };
  for (const stream of [child.stdout!, child.stderr!]) {
    let buffered = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const lines = (buffered + chunk).split("\n");
      buffered = lines.pop()!;
      lines.forEach(onLine);
    });
  }
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM"); // jupyter_server shuts its kernels down on SIGTERM
    const timer = setTimeout(() => killGroup(child), 10_000);
    await exited;
    clearTimeout(timer);
  };

  return new Promise<RunningLab>((resolve, reject) => {
    const deadline = Date.now() + p.timeoutMs;
    let settled = false;
    const fail = async (message: string) => {
      if (settled) return;
      settled = true;
      await stop();
      reject(new LabError(`${message}\n${recent.slice(-12).join("\n")}`));
    };
    void exited.then((code) => fail(`the JupyterLab server exited (${code ?? "signal"}) before it served:`));
    const poll = async () => {
      if (settled) return;
      if (Date.now() > deadline) return fail(`the JupyterLab server did not answer within ${p.timeoutMs / 1000} s:`);
      if (announced !== null) {
        const baseUrl = `http://127.0.0.1:${announced}/`;
        const ok = await fetch(`${baseUrl}api/status`, { headers: { Authorization: `token ${p.token}` } }).then(
          (r) => r.ok,
          () => false,
        );
        if (ok && !settled) {
          settled = true;
          return resolve({ url: `${baseUrl}lab?token=${p.token}`, baseUrl, token: p.token, port: announced, frontend: p.frontend, exited, stop });
        }
      }
      setTimeout(poll, 200);
    };
    void poll();
  });
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}

/** Opens the URL in the desktop's browser when there is one; false when there is none. */
export function openBrowser(url: string): boolean {
  const opener = process.platform === "darwin" ? onPath("open") : onPath("xdg-open");
  if (!opener) return false;
  if (process.platform === "linux" && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return false;
  const child = spawn(opener, [url], { stdio: "ignore", detached: true });
  child.on("error", () => {});
  child.unref();
  return true;
}

/** The `lab` command: serves until Ctrl-C (or the server stops by itself). */
export async function runLab(dir: string | undefined, opts: { port?: string; browser: boolean }): Promise<void> {
  let port: number | undefined;
  if (opts.port !== undefined) {
    port = Number(opts.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new LabError(`--port must be a port number (1-65535), got "${opts.port}"`);
  }
  const lab = await startLab({ dir, port, log: (line) => console.error(line) });
  const where = lab.frontend === "jupyter-lab" ? "your jupyter-lab" : "the built-in JupyterLab 4";
  console.log(`JupyterLab (${where}) with the "TypeScript (Parallab)" kernel, serving ${path.resolve(dir ?? ".")}:\n\n    ${lab.url}\n`);
  if (opts.browser && openBrowser(lab.url)) console.log("Opened it in your browser.");
  console.log("Press Ctrl-C to stop the server and its kernels.");
  const onSignal = () => void lab.stop();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const code = await lab.exited;
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  console.log("JupyterLab stopped.");
  if (code) process.exitCode = code;
}
