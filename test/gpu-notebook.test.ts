// Notebook 05 (GPU tensors) graded from a learner's copy with the instructor's solutions, on the
// backend a fresh kernel picks (wasm here, a GPU where there is one) and on webgpu asked for with
// PARALLAB_TF_BACKEND (Mesa's llvmpipe here: a software adapter, slow, but every GPU rule
// applies: uploads, asynchronous reads, lazy moves between backends). Every check, hidden tests
// included, must hold on both. The built CLI, real kernels, a temporary database.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { releaseNotebook } from "../course/release.js";
import { withInstructorSolutions } from "../course/solutions.js";
import { Course } from "../course/source.js";
import { notebookText, sourceText } from "../course/notebook-file.js";
import { loadFramework } from "../tracker/framework/load.js";
import { runCli } from "./helpers/cli.js";

const course = new Course(loadFramework());
const GPU = course.notebook("05-gpu-tensors")!;
const scratch = mkdtempSync(path.join(os.tmpdir(), "parallab-gpu-notebook-"));

interface Graded {
  notebooks: { checks: { check: string; passed: boolean }[]; errors: unknown[] }[];
}

/**
 * Grades a fresh solved copy of notebook 05 with `env`; gives the result and the seconds it took.
 * With `backend`, a cell of the learner's own after `%gpu` fails unless the kernel runs on it (so
 * that a fallback to another backend cannot pass unseen).
 */
async function grade(name: string, env: NodeJS.ProcessEnv, backend?: string): Promise<{ result: Graded; seconds: number }> {
  const dir = mkdtempSync(path.join(scratch, `${name}-`));
  const file = path.join(dir, GPU.entry.file);
  const copy = withInstructorSolutions(releaseNotebook(GPU), GPU);
  if (backend) {
    const at = copy.cells.findIndex((c) => /^%gpu$/m.test(sourceText(c))) + 1;
    expect(at).toBeGreaterThan(0);
    const assertion = `if (tf.getBackend() !== ${JSON.stringify(backend)}) throw new Error(\`the kernel runs on \${tf.getBackend()}, not ${backend}\`);\n`;
    copy.cells.splice(at, 0, { id: "on-backend", cell_type: "code", metadata: {}, source: [assertion], outputs: [], execution_count: null });
  }
  writeFileSync(file, notebookText(copy));
  const started = performance.now();
  const r = await runCli(["grade", file, "--learner", "grace", "--json"], { env: { PARALLAB_DB: path.join(dir, "grade.db"), ...env } });
  const seconds = (performance.now() - started) / 1000;
  expect(r.code, r.stderr + r.stdout).toBe(0);
  return { result: JSON.parse(r.stdout) as Graded, seconds };
}

function expectAllPassed(result: Graded): void {
  const [graded] = result.notebooks;
  expect(graded!.errors).toEqual([]);
  expect(graded!.checks.map((c) => [c.check, c.passed])).toEqual(GPU.entry.checks.map((c) => [c.id, true]));
}

describe("notebook 05's solutions pass every check", () => {
  it(
    "on the backend a fresh kernel chooses",
    async () => {
      const { result, seconds } = await grade("default", { PARALLAB_TF_BACKEND: "" });
      expectAllPassed(result);
      console.log(`notebook 05 graded on the default backend in ${seconds.toFixed(1)} s`);
    },
    5 * 60_000,
  );

  it(
    "on webgpu (PARALLAB_TF_BACKEND=webgpu: a hardware adapter, or llvmpipe where there is none)",
    async () => {
      const { result, seconds } = await grade("webgpu", { PARALLAB_TF_BACKEND: "webgpu" }, "webgpu");
      expectAllPassed(result);
      console.log(`notebook 05 graded on webgpu in ${seconds.toFixed(1)} s`);
    },
    5 * 60_000,
  );
});
