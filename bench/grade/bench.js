// bench/grade: grading every course notebook (the instructor's solutions put into a learner's
// copy) with `parallab grade`, against running the same notebooks with `parallab run`, in one
// run, through the built CLI on this machine. Grading re-runs each notebook in a fresh kernel
// with the hidden tests too, writes feedback and records graded evidence; the run records the
// live checks. Goal: grade_vs_run <= 1.2. Last line: {"grade_all_s", "run_all_s", "grade_vs_run"}.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadFramework } from "../../dist/tracker/framework/load.js";
import { Course } from "../../dist/course/source.js";
import { writeSolvedCopy } from "../../dist/course/solutions.js";

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI = path.join(ROOT, "dist", "cli", "parallab.js");
const course = new Course(loadFramework());
const dir = mkdtempSync(path.join(os.tmpdir(), "parallab-bench-grade-"));
const files = writeSolvedCopy(course, path.join(dir, "course"));

function timed(label, args, db) {
  const started = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, PARALLAB_DB: path.join(dir, db), PARALLAB_LEARNER: "bench" }, encoding: "utf8" });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) {
    console.error(`${label} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    process.exit(1);
  }
  console.log(`${label}: ${seconds.toFixed(1)} s`);
  return { seconds, stdout: r.stdout };
}

console.log(`${files.length} notebooks, ${course.notebooks().reduce((n, nb) => n + nb.checks.size, 0)} checks; load average ${os.loadavg()[0].toFixed(2)} on ${os.availableParallelism()} cores`);
const run = timed("parallab run (live checks)", ["run", ...files, "--out", path.join(dir, "out")], "run.db");
const grade = timed("parallab grade (visible + hidden checks, feedback, graded evidence)", ["grade", ...files], "grade.db");
for (const line of grade.stdout.split("\n").filter((l) => l.includes("checks passed"))) console.log(`  ${line}`);
console.log(JSON.stringify({ grade_all_s: +grade.seconds.toFixed(1), run_all_s: +run.seconds.toFixed(1), grade_vs_run: +(grade.seconds / run.seconds).toFixed(3) }));
