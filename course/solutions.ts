// The instructor's solutions put back into a learner's copy: what a learner who solved every
// exercise as the instructor did would hand in (the installation check of `npm start`, tests).
import { withoutSolutionMarkers } from "./markers.js";
import { sourceLines, type Notebook } from "./notebook-file.js";
import type { CourseNotebook } from "./source.js";

export function withInstructorSolutions(learner: Notebook, course: CourseNotebook): Notebook {
  const solutions = new Map(course.cells.filter((c) => c.role === "solution").map((c) => [c.id, withoutSolutionMarkers(c.source, `${course.entry.file} cell ${c.id}`)]));
  return { ...learner, cells: learner.cells.map((cell) => (cell.id && solutions.has(cell.id) ? { ...cell, source: sourceLines(solutions.get(cell.id)!) } : cell)) };
}
