// `parallab course init [DIR] [--update]`: writes the learner's copy of the course. It never
// overwrites a learner's work: a first init refuses a folder that already holds files, and
// --update replaces only the notebooks the learner left as they were released (their cells'
// sources unchanged: outputs and formatting do not count as work), adds new ones, and lists
// the ones it left alone. A manifest in the folder remembers what was released.
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { CourseError } from "./errors.js";
import { readNotebook, sha256, sourceText, writeFileAtomic, notebookText, type Notebook } from "./notebook-file.js";
import { releaseNotebook } from "./release.js";
import { COURSE_NAME, type Course } from "./source.js";
import { today as todayIso } from "../common/dates.js";

export const MANIFEST = ".parallab-course.json";
/** Where `course init` writes by default (the gap report's next steps name it too). */
export { COURSE_DIR as DEFAULT_COURSE_DIR } from "../tracker/reports/gap.js";

interface Manifest {
  course: string;
  notebooks: Record<string, { id: string; cells: string; released: string }>;
}

export interface LearnerCopyResult {
  dir: string;
  added: string[];
  updated: string[];
  unchanged: string[];
  /** Course notebooks that changed, left alone because the learner edited their copy. */
  keptEdited: string[];
}

/** The learner-relevant content of a notebook: each cell's id, type and source. */
export function cellsHash(nb: Notebook): string {
  return sha256(JSON.stringify(nb.cells.map((c) => [c.id ?? "", c.cell_type, sourceText(c)])));
}

function readManifest(dir: string): Manifest | null {
  const file = path.join(dir, MANIFEST);
  if (!existsSync(file)) return null;
  try {
    const m = JSON.parse(readFileSync(file, "utf8")) as Manifest;
    if (m.course !== COURSE_NAME || typeof m.notebooks !== "object") throw new Error("not a Parallab course manifest");
    return m;
  } catch (err) {
    throw new CourseError(`${file} is damaged (${(err as Error).message}); move it aside and run parallab course init --update again`);
  }
}

export function writeLearnerCopy(course: Course, dir: string, options: { update?: boolean; today?: string } = {}): LearnerCopyResult {
  const problems = course.problems();
  if (problems.length) throw new CourseError(`The course in ${course.dir} cannot be released:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  const today = options.today ?? todayIso();
  const existing = existsSync(dir) ? readdirSync(dir) : [];
  const manifest = readManifest(dir);
  if (!options.update && existing.length > 0) {
    const notebooks = existing.filter((f) => f.endsWith(".ipynb")).length;
    const held = manifest ? `your copy of the course (${notebooks} notebooks)` : `${existing.length} file${existing.length === 1 ? "" : "s"}${notebooks ? `, ${notebooks} of them notebooks` : ""}`;
    throw new CourseError(
      `${dir} already holds ${held}: nothing was written. \`parallab course init ${dir} --update\` adds new or changed course notebooks and leaves the ones you edited alone; or choose an empty folder.`,
    );
  }
  if (options.update && existing.length > 0 && !manifest) {
    throw new CourseError(`${dir} was not written by parallab course init (it has no ${MANIFEST}): nothing was written. Choose an empty folder.`);
  }
  mkdirSync(dir, { recursive: true });
  const next: Manifest = { course: COURSE_NAME, notebooks: { ...(manifest?.notebooks ?? {}) } };
  const result: LearnerCopyResult = { dir, added: [], updated: [], unchanged: [], keptEdited: [] };
  // Everything is built (and so validated) before the first file is written.
  const releases = course.notebooks().map((nb) => ({ file: nb.entry.file, id: nb.entry.id, notebook: releaseNotebook(nb) }));
  for (const { file, id, notebook } of releases) {
    const target = path.join(dir, file);
    const released = cellsHash(notebook);
    const record = { id, cells: released, released: today };
    if (!existsSync(target)) {
      writeFileAtomic(target, notebookText(notebook));
      next.notebooks[file] = record;
      result.added.push(file);
      continue;
    }
    let current: string | null;
    try {
      current = cellsHash(readNotebook(target));
    } catch {
      current = null; // Unreadable: the learner's file all the same, never replaced.
    }
    const before = manifest?.notebooks[file]?.cells;
    // Nothing new from the course (the learner's edits, if any, stay as they are).
    if (current === released || before === released) result.unchanged.push(file);
    else if (current !== null && current === before) {
      writeFileAtomic(target, notebookText(notebook));
      next.notebooks[file] = record;
      result.updated.push(file);
    } else result.keptEdited.push(file);
  }
  writeFileAtomic(path.join(dir, MANIFEST), `${JSON.stringify(next, null, 2)}\n`);
  return result;
}
