// The installation check of `npm start`: the instructor's solutions, put into a fresh learner's
// copy, must pass every check under grading, in a scratch tracker (never the user's). It takes
// minutes, so a passed check is remembered for this exact course and build, and done again
// only when one of them changes (or with --recheck).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PACKAGE_ROOT, PACKAGE_VERSION, parallabDataDir } from "../common/paths.js";
import { openTracker } from "../tracker/store.js";
import { sha256, writeFileAtomic } from "../course/notebook-file.js";
import { writeSolvedCopy } from "../course/solutions.js";
import type { Course } from "../course/source.js";
import { passedCount } from "../course/feedback.js";
import { gradeLine, gradeNotebooks } from "./grade.js";
import { today } from "../common/dates.js";

export interface InstallationCheck {
  /** Read from the record of an earlier check of this same course and build. */
  remembered: boolean;
  date: string;
  seconds: number;
  notebooks: number;
  checks: number;
  passed: number;
  /** What failed, one line each (empty when every check passed). */
  failures: string[];
  /** The scratch folder, kept when something failed (its feedback files say why). */
  scratch: string | null;
}

/** Every file whose change could change the result: the build, the course, the skills, Node. */
function buildKey(course: Course): string {
  const files: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(js|ipynb|yaml)$/.test(name)) files.push(p);
    }
  };
  for (const dir of ["common", "kernel", "client", "course", "cli", "tracker"]) walk(path.join(PACKAGE_ROOT, "dist", dir));
  walk(course.dir);
  walk(path.join(PACKAGE_ROOT, "skills"));
  const parts = files.map((f) => `${path.relative(PACKAGE_ROOT, f)}\u0000${sha256(readFileSync(f, "utf8"))}`);
  return sha256([PACKAGE_VERSION, process.version, ...parts].join("\n"));
}

export async function checkInstallation(course: Course, options: { recheck?: boolean; progress: NodeJS.WriteStream }): Promise<InstallationCheck> {
  const record = path.join(parallabDataDir(), "installation-check.json");
  const key = buildKey(course);
  if (!options.recheck && existsSync(record)) {
    try {
      const saved = JSON.parse(readFileSync(record, "utf8")) as InstallationCheck & { key: string };
      if (saved.key === key && saved.failures.length === 0) return { ...saved, remembered: true };
    } catch {
      // A damaged record: check again.
    }
  }
  const started = Date.now();
  const scratch = mkdtempSync(path.join(os.tmpdir(), "parallab-installation-check-"));
  const files = writeSolvedCopy(course, path.join(scratch, "course"));
  const store = await openTracker(path.join(scratch, "tracker.db"));
  let graded;
  try {
    graded = [];
    for (const file of files) {
      // One notebook at a time, so that each line shows as soon as it is done.
      const [g] = await gradeNotebooks([file], { learner: "installation-check", course, timeoutMs: 10 * 60_000, store, progress: options.progress });
      options.progress.write(`  ${gradeLine(g!)}\n`);
      graded.push(g!);
    }
  } finally {
    await store.close();
  }
  // Every check must pass, and no other cell may fail either (a solved notebook runs clean).
  const failures = graded.flatMap((g) => [
    ...g.checks.filter((c) => !c.passed).map((c) => `${g.notebook}: ${c.check}: ${c.failure ? `${c.failure.ename}: ${c.failure.message}` : "failed"}`),
    ...g.errors.map((e) => `${g.notebook}: cell ${e.cell} (id ${e.id}): ${e.ename}: ${e.evalue}`),
  ]);
  const result: InstallationCheck = {
    remembered: false,
    date: today(),
    seconds: (Date.now() - started) / 1000,
    notebooks: graded.length,
    checks: graded.reduce((n, g) => n + g.checks.length, 0),
    passed: graded.reduce((n, g) => n + passedCount(g), 0),
    failures,
    scratch: failures.length ? scratch : null,
  };
  if (failures.length === 0) {
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(parallabDataDir(), { recursive: true });
    writeFileAtomic(record, `${JSON.stringify({ ...result, key }, null, 2)}\n`);
  }
  return result;
}
