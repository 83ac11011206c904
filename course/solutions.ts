// The instructor's solutions put back into a learner's copy: what a learner who solved every
// exercise as the instructor did would hand in (the installation check of `npm start`, tests).
import path from "node:path";
import { writeLearnerCopy } from "./learner-copy.js";
import { withoutSolutionMarkers } from "./markers.js";
import { readNotebook, sourceLines, writeNotebook, type Notebook } from "./notebook-file.js";
import type { Course, CourseNotebook } from "./source.js";

export function withInstructorSolutions(learner: Notebook, course: CourseNotebook): Notebook {
  const solutions = new Map(course.cells.filter((c) => c.role === "solution").map((c) => [c.id, withoutSolutionMarkers(c.source, `${course.entry.file} cell ${c.id}`)]));
  return { ...learner, cells: learner.cells.map((cell) => (cell.id && solutions.has(cell.id) ? { ...cell, source: sourceLines(solutions.get(cell.id)!) } : cell)) };
}

/** A learner's copy of the whole course in `dir` with every solution put back: its notebook files. */
export function writeSolvedCopy(course: Course, dir: string): string[] {
  writeLearnerCopy(course, dir);
  return course.notebooks().map((nb) => {
    const file = path.join(dir, nb.entry.file);
    writeNotebook(file, withInstructorSolutions(readNotebook(file), nb));
    return file;
  });
}
