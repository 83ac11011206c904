// The learner's copy of a course notebook (nbgrader's "release"): each solution region becomes a
// stub that fails saying what to write, hidden tests are gone, and every cell but the solution
// cells is read-only and undeletable (the `editable` and `deletable` cell metadata JupyterLab
// honours), with a checksum of its source so that grading can tell what was changed.
import { COURSE_NAME, type CourseCell, type CourseNotebook } from "./source.js";
import { declaredNames, listNames, replaceRegions, withoutHidden, type Region } from "./markers.js";
import { notebookText, sha256, sourceLines, type Notebook, type NotebookCell } from "./notebook-file.js";

/** The cell metadata Parallab writes into a learner's copy. */
export interface ReleasedCellMeta {
  cell: "solution" | "check" | "provided" | "instruction";
  check?: string;
  /** sha256 of the cell type and the released source (locked cells). */
  checksum?: string;
}

export const cellChecksum = (cellType: string, source: string) => sha256(`${cellType}\n${source}`);

/** What the stub in place of a solution region asks for. */
export function stubLines(region: Region, cell: CourseCell): string[] {
  const what = region.instruction || `define ${listNames(declaredNames(region))}`;
  const exercise = cell.exercise ?? "This exercise";
  const message = `${exercise} (check ${cell.check}) is not solved yet. Replace this line with your code: ${what.replace(/\.$/, "")}.`;
  return [`${region.indent}// YOUR CODE HERE: ${what.replace(/\.$/, "")}.`, `${region.indent}throw new Error(${JSON.stringify(message)});`];
}

/** The source a learner gets for a cell. */
export function releasedSource(cell: CourseCell, file: string): string {
  if (cell.role === "solution") return replaceRegions(cell.source, cell.regions, (r) => stubLines(r, cell));
  if (cell.role === "check") return withoutHidden(cell.source, `${file} cell ${cell.id}`);
  return cell.source;
}

export function releaseNotebook(course: CourseNotebook): Notebook {
  const source = course.notebook;
  const cells: NotebookCell[] = course.cells.map((cell, i) => {
    const original = source.cells[i]!;
    const text = releasedSource(cell, course.entry.file);
    const locked = cell.role !== "solution";
    const parallab: ReleasedCellMeta = { cell: cell.role, ...(cell.check ? { check: cell.check } : {}), ...(locked ? { checksum: cellChecksum(cell.cellType, text) } : {}) };
    const metadata = { ...original.metadata, editable: !locked, deletable: false, parallab };
    const out: NotebookCell = { cell_type: cell.cellType, id: cell.id, metadata, source: sourceLines(text) };
    if (cell.cellType === "code") Object.assign(out, { execution_count: null, outputs: [] });
    return out;
  });
  const meta = (source.metadata.parallab ?? {}) as Record<string, unknown>;
  return {
    nbformat: 4,
    nbformat_minor: Math.max(5, source.nbformat_minor),
    metadata: { ...source.metadata, parallab: { ...meta, course: COURSE_NAME, release: sha256(notebookText(source)) } },
    cells,
  };
}
