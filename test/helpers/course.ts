// A learner who solved a course notebook as the instructor did: the learner's copy with the
// instructor's solutions put back, as cells to run before and at a check.
import { loadFramework } from "../../tracker/framework/load.js";
import { Course } from "../../course/source.js";
import { releaseNotebook } from "../../course/release.js";
import { withInstructorSolutions } from "../../course/solutions.js";
import { sourceText, type Notebook } from "../../course/notebook-file.js";

export function solvedNotebook(notebookId: string): Notebook {
  const course = new Course(loadFramework());
  const nb = course.notebook(notebookId);
  return withInstructorSolutions(releaseNotebook(nb), nb);
}

/** The code cells a learner runs before `%%check ID`, and the check cell itself (as released). */
export function solvedUpTo(notebookId: string, check: string): { before: string[]; check: string } {
  const nb = solvedNotebook(notebookId);
  const at = nb.cells.findIndex((c) => sourceText(c).startsWith(`%%check ${check}`));
  if (at < 0) throw new Error(`${notebookId} has no %%check ${check} cell`);
  return {
    before: nb.cells
      .slice(0, at)
      .filter((c) => c.cell_type === "code")
      .map(sourceText),
    check: sourceText(nb.cells[at]!),
  };
}
