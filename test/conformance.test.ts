// The Jupyter project's kernel conformance suite (jupyter_kernel_test, Debian's 0.4.5) against
// the built kernel, and the kernelspec as Jupyter's own `jupyter-kernelspec` sees it.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { installedJupyterEnv, PYTHON } from "./helpers/jupyter-env.js";

const KERNELSPEC = "/usr/bin/jupyter-kernelspec";
// KernelTests 0.4.5 has 12 test_* methods; unittest counts subtests in none of its totals.
const CONFORMANCE_TESTS = 12;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A prefix with the kernelspec installed, and the env that makes Jupyter use only it. */
function jupyterEnv(name: string): { prefix: string; env: NodeJS.ProcessEnv } {
  const root = mkdtempSync(path.join(os.tmpdir(), `parallab-${name}-`));
  dirs.push(root);
  return installedJupyterEnv(root);
}

/** Runs a command to the end; resolves with its exit status and stdout + stderr interleaved. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs, killSignal: "SIGKILL" });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (status, signal) => resolve({ status, output: signal ? `${output}\n[killed by ${signal}]` : output }));
  });
}

describe("Jupyter's kernel conformance suite (jupyter_kernel_test)", () => {
  it(`passes all ${CONFORMANCE_TESTS} tests with none skipped`, async () => {
    const { env } = jupyterEnv("conformance");
    // `discover -s`: `-m unittest test/conformance/test_parallab.py` would import the module as
    // `test.conformance...`, and `test` is the standard library's package.
    const { status, output } = await run(PYTHON, ["-m", "unittest", "discover", "-v", "-s", "test/conformance", "-p", "test_*.py"], env, 220_000);
    const report = `unittest output:\n${output}`;
    expect(status, report).toBe(0);
    expect(output, report).toMatch(new RegExp(`^Ran ${CONFORMANCE_TESTS} tests? in `, "m"));
    expect(output, report).toMatch(/^OK$/m);
    expect(output, report).not.toMatch(/skipped/i);
  }, 240_000);
});

describe("the kernelspec as jupyter-kernelspec sees it", () => {
  it("is listed after install and gone after uninstall", async () => {
    const { prefix, env } = jupyterEnv("kernelspec");
    const list = () =>
      JSON.parse(execFileSync(KERNELSPEC, ["list", "--json"], { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })) as {
        kernelspecs: Record<string, { resource_dir: string; spec: { language: string } }>;
      };

    const installed = list().kernelspecs.parallab;
    expect(installed?.resource_dir).toBe(path.join(prefix, "share", "jupyter", "kernels", "parallab"));
    expect(installed?.spec.language).toBe("typescript");

    const { status, output } = await run(process.execPath, ["dist/cli/parallab.js", "uninstall", "--prefix", prefix], env, 30_000);
    expect(status, output).toBe(0);
    expect(Object.keys(list().kernelspecs)).not.toContain("parallab");
  });
});
