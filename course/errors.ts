// The course's one error: something wrong in a notebook (the instructor's source, a learner's
// copy, a folder to write into). The CLI maps it to exit code 2 (bad data), like the tracker's.
export class CourseError extends Error {
  override name = "CourseError";
}
