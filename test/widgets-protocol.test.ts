// Comms and widgets through jupyter_client (Debian's Python), their messages and the widget state
// saved by nbclient and by `parallab run` validated against @jupyter-widgets/schema; bad comm
// messages give a clear log line and leave the kernel working (test/widgets-protocol/*.py).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { installedJupyterEnv, PYTHON } from "./helpers/jupyter-env.js";

const TESTS = 7;
const root = mkdtempSync(path.join(os.tmpdir(), "parallab-widgets-protocol-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("comms and widgets through jupyter_client, against @jupyter-widgets/schema", () => {
  it(`pass all ${TESTS} tests with none skipped`, async () => {
    const { env: jupyter } = installedJupyterEnv(root);
    const env = { ...jupyter, PARALLAB_CLI: path.resolve("dist/cli/parallab.js") };
    const { status, output } = await new Promise<{ status: number | null; output: string }>((resolve, reject) => {
      const child = spawn(PYTHON, ["-m", "unittest", "discover", "-v", "-s", "test/widgets-protocol", "-p", "test_*.py"], {
        env,
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 400_000,
        killSignal: "SIGKILL",
      });
      let text = "";
      child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString()));
      child.on("error", reject);
      child.on("close", (code, signal) => resolve({ status: code, output: signal ? `${text}\n[killed by ${signal}]` : text }));
    });
    const report = `unittest output:\n${output}`;
    expect(status, report).toBe(0);
    expect(output, report).toMatch(new RegExp(`^Ran ${TESTS} tests? in `, "m"));
    expect(output, report).toMatch(/^OK$/m);
    expect(output, report).not.toMatch(/skipped/i);
  }, 420_000);
});
