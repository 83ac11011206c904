// `parallab lab` without a browser: the command's life cycle, the choice of front end, and its
// errors. The built-in front end must be built (pretest runs cli/scripts/build-lab.ts).
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APT_HINT, startLab } from "../cli/lab.js";
import { LAB_DIR } from "../cli/lab-frontend.js";
import { PACKAGE_ROOT } from "../common/paths.js";

const CLI = path.join(PACKAGE_ROOT, "dist", "cli", "parallab.js");
let tmp: string;
let root: string;
const saved = { JUPYTER_DATA_DIR: process.env.JUPYTER_DATA_DIR, JUPYTER_CONFIG_DIR: process.env.JUPYTER_CONFIG_DIR, PATH: process.env.PATH };

function script(file: string, body: string): string {
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "parallab-lab-cli-"));
  root = path.join(tmp, "root");
  mkdirSync(root);
  process.env.JUPYTER_DATA_DIR = path.join(tmp, "data");
  process.env.JUPYTER_CONFIG_DIR = path.join(tmp, "config");
});

afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(tmp, { recursive: true, force: true });
});

describe("parallab lab", { timeout: 120_000 }, () => {
  it("prints the URL with its token, serves it, and stops server and kernels on Ctrl-C", async () => {
    const child = spawn(process.execPath, [CLI, "lab", root, "--no-browser"], { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.resume();
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed:\n${out}`)), 60_000);
      child.stdout.on("data", () => {
        const m = /http:\/\/127\.0\.0\.1:\d+\/lab\?token=[0-9a-f]+/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[0]);
        }
      });
    });
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("jupyter-config-data");
    expect(readFileSync(path.join(process.env.JUPYTER_DATA_DIR!, "kernels", "parallab", "kernel.json"), "utf8")).toContain("TypeScript (Parallab)");
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(out).toContain("JupyterLab stopped.");
    await expect(fetch(url)).rejects.toThrow();
  });

  it("starts the user's jupyter-lab when it is on PATH, with the nodelay config as an extra config folder", async () => {
    // A stand-in jupyter-lab that records how it was called, then serves the built-in front end.
    const bin = path.join(tmp, "bin");
    mkdirSync(bin);
    const record = path.join(tmp, "jupyter-lab.txt");
    script(path.join(bin, "jupyter-lab"), `printf '%s\\n' "$@" "CONFIG_PATH=$JUPYTER_CONFIG_PATH" > '${record}'\nexec /usr/bin/python3 '${path.join(LAB_DIR, "serve.py")}' "$@"`);
    process.env.PATH = `${bin}${path.delimiter}${saved.PATH}`;
    const lab = await startLab({ dir: root });
    try {
      expect(lab.frontend).toBe("jupyter-lab");
      const args = readFileSync(record, "utf8").split("\n");
      expect(args).toEqual(expect.arrayContaining(["--ServerApp.ip=127.0.0.1", `--ServerApp.token=${lab.token}`, `--ServerApp.root_dir=${root}`, "--ServerApp.open_browser=False"]));
      expect(args).toContain(`CONFIG_PATH=${path.join(LAB_DIR, "server-config")}`);
      expect((await fetch(`${lab.baseUrl}api/status`, { headers: { Authorization: `token ${lab.token}` } })).status).toBe(200);
    } finally {
      await lab.stop();
      process.env.PATH = saved.PATH;
    }
  });

  it("says which Debian package to install when jupyterlab_server is missing", async () => {
    process.env.PARALLAB_PYTHON = script(path.join(tmp, "python-without-jupyter"), "exit 1");
    try {
      await expect(startLab({ dir: root, frontend: "builtin" })).rejects.toThrow(APT_HINT);
    } finally {
      delete process.env.PARALLAB_PYTHON;
    }
  });

  it("rejects a port that isn't one", async () => {
    const child = spawn(process.execPath, [CLI, "lab", root, "--port", "http"], { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d));
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    expect(code).toBe(1);
    expect(err).toContain('--port must be a port number (1-65535), got "http"');
  });
});
