// `parallab run --server URL`: notebooks run on a real Jupyter server (Debian's jupyter_server
// 1.x, started here on 127.0.0.1 with a token) through @jupyterlab/services, and come out as
// the local runner writes them; the checks land in the runner's own tracker.
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installKernelspec } from "../cli/kernelspec.js";
import { freePort } from "../client/free-port.js";
import { startJupyterServer, type LocalJupyterServer } from "../cli/runner/local-server.js";

const NOTEBOOK = "00-welcome.ipynb";
const tmp = mkdtempSync(path.join(os.tmpdir(), "parallab-remote-"));
const root = path.join(tmp, "root");
const jupyterHome = path.join(tmp, "jupyter");
let server: LocalJupyterServer;
let bare: LocalJupyterServer;

/** The CLI as a user runs it, without blocking the test worker. */
function parallab(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["dist/cli/parallab.js", ...args], { env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** A server's own Jupyter dirs, so that it sees only the kernels the test gives it. */
const isolated = (dir: string) => ({
  HOME: dir,
  PYTHONNOUSERSITE: "1",
  JUPYTER_PATH: path.join(dir, "share", "jupyter"),
  JUPYTER_DATA_DIR: path.join(dir, "data"),
  JUPYTER_CONFIG_DIR: path.join(dir, "config"),
  JUPYTER_RUNTIME_DIR: path.join(dir, "runtime"),
});

beforeAll(async () => {
  mkdirSync(root, { recursive: true });
  copyFileSync(path.join("notebooks", NOTEBOOK), path.join(root, NOTEBOOK));
  installKernelspec({ prefix: jupyterHome });
  const serverEnv = { ...isolated(jupyterHome), PARALLAB_DB: path.join(tmp, "server.db"), PARALLAB_LEARNER: "server-side" };
  [server, bare] = await Promise.all([startJupyterServer({ rootDir: root, env: serverEnv }), startJupyterServer({ rootDir: root, env: isolated(path.join(tmp, "bare")) })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([server?.stop(), bare?.stop()]);
});

interface Output {
  output_type: string;
  name?: string;
  text?: string;
  data?: Record<string, unknown>;
}

/** A notebook's outputs with what differs between runs masked: times, and generated ids. */
function comparable(file: string): unknown[] {
  const nb = JSON.parse(readFileSync(file, "utf8")) as { cells: { cell_type: string; execution_count?: number; outputs?: Output[] }[] };
  const mask = (s: string) =>
    s
      .replace(/\d+(\.\d+)?\s*(ns|µs|us|ms|s|min)\b/g, "<time>")
      .replace(/± *<time>/g, "± <time>")
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uuid>")
      .replace(/\b\d{4}-\d{2}-\d{2}\b/g, "<date>")
      // %timeit picks its loop count from the time one loop takes.
      .replace(/\d+ loops? each/g, "<n> loops each")
      // The check output names the learner the kernel recorded for: the server's, or ours.
      .replace(/recorded (as \w+ )?for [\w-]+/g, "recorded $1for <learner>");
  return nb.cells
    .filter((c) => c.cell_type === "code")
    .map((c) => ({
      count: c.execution_count,
      outputs: (c.outputs ?? []).map((o) => ({
        type: o.output_type,
        name: o.name,
        mimes: Object.keys(o.data ?? {}).sort(),
        text: mask(String(o.text ?? o.data?.["text/plain"] ?? "")),
      })),
    }));
}

describe("parallab run --server", () => {
  it("runs a notebook on the server's kernel with the same outputs as the local runner, and records its checks locally", async () => {
    const db = path.join(tmp, "runner.db");
    const remote = await parallab(["run", "--server", server.baseUrl, "--token", server.token, "--out", path.join(tmp, "remote"), "--learner", "ada", path.join(root, NOTEBOOK)], { PARALLAB_DB: db });
    expect(remote.stderr + remote.stdout).toContain(`${NOTEBOOK} [########################]`);
    expect(remote.status, remote.stderr).toBe(0);
    expect(remote.stdout).toContain("Recorded 1 passed check for ada");
    const local = await parallab(["run", "--out", path.join(tmp, "local"), "--learner", "ada", path.join(root, NOTEBOOK)], { PARALLAB_DB: path.join(tmp, "local.db") });
    expect(local.status, local.stderr).toBe(0);

    const remoteCells = comparable(path.join(tmp, "remote", NOTEBOOK));
    expect(remoteCells).toEqual(comparable(path.join(tmp, "local", NOTEBOOK)));
    expect(remoteCells.every((c) => (c as { count: number }).count > 0)).toBe(true);
    const nb = JSON.parse(readFileSync(path.join(tmp, "remote", NOTEBOOK), "utf8"));
    expect(nb.metadata.kernelspec.name).toBe("parallab");

    const rows = new Database(db, { readonly: true }).prepare("SELECT kind, ref FROM evidence WHERE learner_id = 'ada' ORDER BY kind, ref").all();
    expect(rows).toEqual([
      { kind: "check", ref: "00-welcome.measure" },
      { kind: "notebook", ref: "00-welcome" },
    ]);
  }, 240_000);

  it("says what to do about a bad URL, a bad token, and a server without the parallab kernel", async () => {
    const file = path.join(root, NOTEBOOK);
    const out = ["--out", path.join(tmp, "never")];
    const closed = await freePort();
    const refused = await parallab(["run", "--server", `http://127.0.0.1:${closed}/`, ...out, file]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`cannot reach a Jupyter server at http://127.0.0.1:${closed}/ (ECONNREFUSED): check the URL`);
    const notUrl = await parallab(["run", "--server", "127.0.0.1:8888", ...out, file]);
    expect(notUrl.stderr).toMatch(/use an http:\/\/ or https:\/\/ address|not a URL/);
    const badToken = await parallab(["run", "--server", server.baseUrl, "--token", "wrong", ...out, file]);
    expect(badToken.status).toBe(1);
    expect(badToken.stderr).toContain("refused the token (HTTP 403): pass the token it printed with --token T");
    const noKernel = await parallab(["run", "--server", `${bare.baseUrl}lab?token=${bare.token}`, ...out, file]);
    expect(noKernel.status).toBe(1);
    expect(noKernel.stderr).toMatch(/has no parallab kernel \(it has: [^)]*\)\. On the server's machine run `npx parallab install`/);
  }, 120_000);
});
