// The course's one error: something wrong in a notebook (the instructor's source, a learner's
// copy, a folder to write into). The CLI maps it to exit code 2 (bad data), like the tracker's.
import { DataError } from "../common/errors.js";
export class CourseError extends DataError {
  override name = "CourseError";
}
