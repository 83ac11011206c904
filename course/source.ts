// The instructor's course: the notebooks in notebooks/ (or PARALLAB_COURSE), read against the
// curriculum in skills/. Each cell gets its role: a solution cell (holds a solution region), a
// check cell (`%%check ID`), provided code, or instructions (markdown). The official checks come
// from here, for the kernel's `%%check`, for the learner's copy and for grading.
import { statSync } from "node:fs";
import path from "node:path";
import { PACKAGE_ROOT } from "../common/paths.js";
import type { CurriculumNotebook, Framework } from "../tracker/framework/types.js";
import { CourseError } from "./errors.js";
import { declaredNames, findRegions, withHiddenTests, withoutHidden, type Region } from "./markers.js";
import { readNotebook, sourceText, type Notebook } from "./notebook-file.js";

/** What the learner's copies carry in their metadata: grading refuses notebooks of other courses. */
export const COURSE_NAME = "parallab";

/** The instructor's notebooks: PARALLAB_COURSE (another copy of the course), else notebooks/. */
export function courseDir(): string {
  return process.env.PARALLAB_COURSE || path.join(PACKAGE_ROOT, "notebooks");
}

export type CellRole = "solution" | "check" | "provided" | "instruction";

export interface CourseCell {
  index: number;
  id: string;
  role: CellRole;
  cellType: "code" | "markdown" | "raw";
  source: string;
  /** Check cells: their id; solution cells: the check that follows them. */
  check: string | null;
  /** Solution cells: the exercise's heading (the markdown before it that starts "Exercise"). */
  exercise: string | null;
  /** Solution cells: their solution regions. */
  regions: Region[];
}

export interface OfficialCheck {
  id: string;
  notebook: string;
  file: string;
  cellId: string;
  /** The check's assertions the learner sees, after the `%%check` line. */
  visible: string;
  /** What grading runs: the visible assertions and then the hidden tests (null when there are none). */
  graded: string | null;
  /** Assertion calls in the visible part: a check without any can never pass. */
  assertions: number;
}

export interface CourseNotebook {
  entry: CurriculumNotebook;
  file: string;
  notebook: Notebook;
  cells: CourseCell[];
  checks: Map<string, OfficialCheck>;
  /** What is wrong with it as a course notebook (empty when it can be released and graded). */
  problems: string[];
}

export const CHECK_LINE = /^%%check[ \t]+(\S+)[ \t]*$/;

/** The check id of a `%%check ID` cell, else null. */
export function checkIdOf(source: string): string | null {
  return CHECK_LINE.exec(source.split("\n", 1)[0]!.trim())?.[1] ?? null;
}

/** The body of a check cell (everything after the `%%check` line). */
export const checkBody = (source: string) => source.slice(source.split("\n", 1)[0]!.length + 1);

const ASSERTION = /\bassert(?:\.[A-Za-z]+)?\s*\(/g;

/** Whitespace-insensitive at line ends and around the whole: what counts as "the same check". */
export const normalizeCode = (code: string) =>
  code
    .replace(/\r\n/g, "\n")
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n")
    .trim();

export function loadCourseNotebook(entry: CurriculumNotebook, dir = courseDir()): CourseNotebook {
  const file = path.join(dir, entry.file);
  const notebook = readNotebook(file);
  const problems: string[] = [];
  const where = (id: string) => `${entry.file} cell ${id}`;
  const cells: CourseCell[] = notebook.cells.map((cell, index) => {
    const source = sourceText(cell);
    const id = cell.id ?? `cell-${index}`;
    const base = { index, id, cellType: cell.cell_type, source, check: null, exercise: null, regions: [] as Region[] };
    if (cell.cell_type !== "code") return { ...base, role: "instruction" as const };
    const check = checkIdOf(source);
    let regions: Region[] = [];
    try {
      regions = findRegions(source, "solution", where(id));
      if (check) findRegions(source, "hidden", where(id));
    } catch (err) {
      problems.push((err as Error).message);
    }
    if (check) {
      if (regions.length) problems.push(`${where(id)}: the check cell ${check} holds a solution region; solutions go in a cell before the check`);
      return { ...base, role: "check" as const, check };
    }
    return { ...base, role: regions.length ? ("solution" as const) : ("provided" as const), regions };
  });

  // Solution cells belong to the check that follows them, and to the exercise heading before them.
  let heading: string | null = null;
  let pending: CourseCell[] = [];
  const solved = new Set<string>();
  for (const cell of cells) {
    if (cell.role === "instruction") {
      const h = /^#{1,6}\s+(Exercise\b.*)$/im.exec(cell.source);
      if (h) heading = h[1]!.trim();
    } else if (cell.role === "solution") {
      cell.exercise = heading;
      pending.push(cell);
    } else if (cell.role === "check") {
      for (const s of pending) s.check = cell.check;
      if (pending.length) solved.add(cell.check!);
      pending = [];
    }
  }
  for (const s of pending) problems.push(`${where(s.id)}: a solution region with no %%check cell after it`);
  for (const s of cells.filter((c) => c.role === "solution")) {
    for (const r of s.regions) {
      if (!r.instruction && declaredNames(r).length === 0) problems.push(`${where(s.id)}, line ${r.begin + 1}: the solution region declares no names; say what to write after "BEGIN SOLUTION:"`);
    }
  }

  const checks = new Map<string, OfficialCheck>();
  for (const cell of cells.filter((c) => c.role === "check")) {
    const id = cell.check!;
    if (checks.has(id)) problems.push(`${where(cell.id)}: a second %%check ${id} cell`);
    if (!entry.checks.some((c) => c.id === id)) problems.push(`${where(cell.id)}: %%check ${id} is not a check of ${entry.id} in skills/curriculum.yaml`);
    let visible = "";
    let graded: string | null = null;
    try {
      const body = checkBody(cell.source);
      visible = withoutHidden(body, where(cell.id));
      graded = withHiddenTests(body, where(cell.id));
    } catch {
      // Already reported with the cell's markers.
    }
    const assertions = (visible.match(ASSERTION) ?? []).length;
    if (assertions === 0) problems.push(`${where(cell.id)}: %%check ${id} has no assertions (assert…(…)): it could never pass`);
    if (graded === null) problems.push(`${where(cell.id)}: %%check ${id} has no hidden tests (// BEGIN HIDDEN TESTS … // END HIDDEN TESTS)`);
    if (!solved.has(id)) problems.push(`${where(cell.id)}: %%check ${id} has no solution region before it (the learner would have nothing to write)`);
    checks.set(id, { id, notebook: entry.id, file, cellId: cell.id, visible, graded, assertions });
  }
  for (const c of entry.checks) if (!checks.has(c.id)) problems.push(`${entry.file}: no %%check ${c.id} cell, though skills/curriculum.yaml lists it`);
  return { entry, file, notebook, cells, checks, problems };
}

function modified(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1; // readNotebook says what is wrong with it.
  }
}

/** The whole course, notebook by notebook as the curriculum lists them, read again when a file changes. */
export class Course {
  private readonly loaded = new Map<string, { notebook: CourseNotebook; mtimeMs: number }>();

  constructor(
    readonly framework: Framework,
    readonly dir = courseDir(),
  ) {}

  notebook(id: string): CourseNotebook {
    const entry = this.framework.curriculum.find((n) => n.id === id);
    if (!entry) throw new CourseError(`"${id}" is not a notebook of the course (skills/curriculum.yaml lists ${this.framework.curriculum.map((n) => n.id).join(", ")})`);
    const mtimeMs = modified(path.join(this.dir, entry.file));
    const cached = this.loaded.get(id);
    if (cached && cached.mtimeMs === mtimeMs) return cached.notebook;
    const notebook = loadCourseNotebook(entry, this.dir);
    this.loaded.set(id, { notebook, mtimeMs });
    return notebook;
  }

  notebooks(): CourseNotebook[] {
    return this.framework.curriculum.map((n) => this.notebook(n.id));
  }

  /** The official check, or why there is none that can pass. */
  check(id: string): { check: OfficialCheck } | { problem: string } {
    const entry = this.framework.curriculum.find((n) => n.checks.some((c) => c.id === id));
    if (!entry) return { problem: `"${id}" is not a check of the curriculum (skills/curriculum.yaml)` };
    const nb = this.notebook(entry.id);
    const check = nb.checks.get(id);
    if (!check) return { problem: `the course has no %%check ${id} cell in ${entry.file}` };
    if (check.assertions === 0) return { problem: `the course's check ${id} (${entry.file}) has no assertions, so it can never pass` };
    return { check };
  }

  /** Every problem of every notebook: empty when the course can be released. */
  problems(): string[] {
    return this.notebooks().flatMap((n) => n.problems);
  }
}
