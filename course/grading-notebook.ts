// What grading runs for a learner's notebook (nbgrader's autograde step): the learner's cells in
// the learner's order, with every locked cell (instructions, provided code, checks) taken from
// the course as released, and any the learner deleted put back. What the learner changed in
// locked cells is reported, not graded.
import { CourseError } from "./errors.js";
import { sha256, sourceText, type Notebook, type NotebookCell } from "./notebook-file.js";
import { cellChecksum, releaseNotebook, type ReleasedCellMeta } from "./release.js";
import { COURSE_NAME, type Course, type CourseNotebook } from "./source.js";

export interface GradingNotebook {
  course: CourseNotebook;
  notebook: Notebook;
  /** Where the check cells are in `notebook.cells`, with their check ids. */
  checkCells: { index: number; check: string }[];
  /** One sentence per locked cell the learner changed or deleted. */
  changes: string[];
  /** sha256 of the learner's own cells (solution cells and cells they added), in order. */
  solutionHash: string;
}

/** The course notebook a learner's notebook is a copy of, or a CourseError saying why it is none. */
export function courseNotebookOf(nb: Notebook, file: string, course: Course): CourseNotebook {
  const meta = nb.metadata.parallab as { id?: unknown; course?: unknown } | undefined;
  const ids = course.framework.curriculum.map((n) => n.id);
  if (typeof meta?.id !== "string" || (meta.course !== undefined && meta.course !== COURSE_NAME)) {
    const other = typeof meta?.course === "string" ? ` (it is from the course "${meta.course}")` : nb.metadata.nbgrader ? " (it is an nbgrader notebook)" : "";
    throw new CourseError(
      `${file} is not a notebook of the Parallab course${other}: grade the copies that \`parallab course init\` wrote (their metadata names one of ${ids.length} course notebooks).`,
    );
  }
  if (!ids.includes(meta.id)) throw new CourseError(`${file} names the notebook "${meta.id}", which is not in the Parallab course (skills/curriculum.yaml has ${ids.join(", ")}).`);
  return course.notebook(meta.id);
}

function describe(cell: NotebookCell): string {
  const meta = cell.metadata.parallab as ReleasedCellMeta;
  if (meta.cell === "check") return `the check cell %%check ${meta.check}`;
  return `the ${meta.cell === "provided" ? "provided code" : "instruction"} cell ${cell.id}`;
}

const copy = (cell: NotebookCell): NotebookCell => structuredClone(cell);

export function gradingNotebook(learner: Notebook, file: string, course: Course): GradingNotebook {
  const courseNb = courseNotebookOf(learner, file, course);
  const release = releaseNotebook(courseNb);
  const released = new Map(release.cells.map((c, i) => [c.id!, { cell: c, order: i }]));
  const isLocked = (c: NotebookCell) => (c.metadata.parallab as ReleasedCellMeta).cell !== "solution";
  const out: NotebookCell[] = [];
  /** The cells that are the course's (by id), as opposed to the learner's own. */
  const fromCourse = new Set<NotebookCell>();
  const placed = new Set<string>();
  const changes: string[] = [];
  for (const cell of learner.cells) {
    const official = cell.id && !placed.has(cell.id) ? released.get(cell.id) : undefined;
    if (!official) {
      // The learner's own cell (a pasted copy of a course cell carries its metadata: not ours).
      const own = copy(cell);
      delete own.metadata.parallab;
      out.push(own.cell_type === "code" ? { ...own, outputs: [], execution_count: null } : own);
      continue;
    }
    placed.add(cell.id!);
    let graded: NotebookCell;
    if (isLocked(official.cell)) {
      const meta = official.cell.metadata.parallab as ReleasedCellMeta;
      if (cellChecksum(cell.cell_type, sourceText(cell)) !== meta.checksum) changes.push(`${describe(official.cell)} was edited; it was graded as the course has it.`);
      graded = copy(official.cell);
    } else graded = { ...copy(cell), cell_type: "code", metadata: official.cell.metadata, outputs: [], execution_count: null };
    fromCourse.add(graded);
    out.push(graded);
  }
  // Deleted cells come back after the course cell that precedes them.
  release.cells.forEach((cell, order) => {
    if (placed.has(cell.id!)) return;
    const before = release.cells
      .slice(0, order)
      .map((c) => c.id!)
      .filter((id) => placed.has(id))
      .at(-1);
    const at = before === undefined ? 0 : out.findIndex((c) => c.id === before) + 1;
    const restored = copy(cell);
    out.splice(at, 0, restored);
    fromCourse.add(restored);
    placed.add(cell.id!);
    changes.push(
      isLocked(cell)
        ? `${describe(cell)} was deleted; it was put back for grading.`
        : `the exercise cell ${cell.id} (check ${(cell.metadata.parallab as ReleasedCellMeta).check}) was deleted; its stub was graded.`,
    );
  });
  const checkCells = out.flatMap((c, index) => {
    const meta = c.metadata.parallab as ReleasedCellMeta | undefined;
    return fromCourse.has(c) && meta?.cell === "check" ? [{ index, check: meta.check! }] : [];
  });
  const own = out.filter((c) => !fromCourse.has(c) || !isLocked(c));
  const solutionHash = sha256(JSON.stringify(own.map((c) => [c.id ?? "", sourceText(c)])));
  if (checkCells.length !== courseNb.checks.size) throw new CourseError(`${file}: grading found ${checkCells.length} check cells for the ${courseNb.checks.size} checks of ${courseNb.entry.id}`);
  return { course: courseNb, notebook: { ...learner, cells: out }, checkCells, changes, solutionHash };
}
