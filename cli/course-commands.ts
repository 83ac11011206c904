// The course's subcommands of `parallab`: `course init` (the learner's copy) and `grade`
// (grading by re-execution). Exit codes as for the tracker: 1 a usage error, 2 bad data
// (a notebook that is not the course's, a folder of learner work, a cell that never finished).
import path from "node:path";
import type { Command } from "commander";
import { loadFramework } from "../tracker/framework/load.js";
import { currentLearner, defaultDbLocation, openTracker } from "../tracker/store.js";
import { displayLocation } from "../tracker/db/location.js";
import { syncFramework } from "../tracker/sync.js";
import { Course } from "../course/source.js";
import { DEFAULT_COURSE_DIR, writeLearnerCopy, type LearnerCopyResult } from "../course/learner-copy.js";
import { passedCount } from "../course/feedback.js";
import { CourseError } from "../course/errors.js";
import { gradeLine, gradeNotebooks, planGrading } from "./grade.js";
import { UsageError } from "../common/errors.js";

export const loadCourse = () => new Course(loadFramework(process.env.PARALLAB_SKILLS || undefined));

export function describeCopy(r: LearnerCopyResult): string {
  const lines = [`${r.dir}: ${r.added.length} notebook${r.added.length === 1 ? "" : "s"} added, ${r.updated.length} updated, ${r.unchanged.length} unchanged.`];
  if (r.keptEdited.length) lines.push(`Left alone because you edited them (the course has a newer version; move yours aside and run --update again to take it): ${r.keptEdited.join(", ")}`);
  return lines.join("\n");
}

export function registerCourseCommands(program: Command): void {
  const course = program.command("course").description("the course's notebooks: the learner's copy");
  course
    .command("init")
    .description("write your copy of the course: exercises to solve (stubs that fail until you do), read-only instructions and checks")
    .argument("[dir]", "where", DEFAULT_COURSE_DIR)
    .option("--update", "add new or changed course notebooks to an existing copy; notebooks you edited are left alone and listed")
    .option("--json", "print the result as JSON")
    .action((dir: string, opts: { update?: boolean; json?: boolean }) => {
      const result = writeLearnerCopy(loadCourse(), path.resolve(dir), { update: opts.update });
      if (opts.json) console.log(JSON.stringify(result, null, 2));
      else console.log(`${describeCopy({ ...result, dir })}\nNext: npx parallab lab ${dir}`);
    });

  program
    .command("grade")
    .description("grade notebooks by re-running them in a fresh kernel with the course's checks and hidden tests; record passed checks as graded evidence; write feedback next to each")
    .argument("<notebooks...>", "your copies of course notebooks (.ipynb)")
    .option("--learner <id>", "whose evidence (default: PARALLAB_LEARNER or your login name)")
    .option("--timeout <seconds>", "longest a cell may run", "600")
    .option("--json", "print the results as JSON")
    .action(async (files: string[], opts: { learner?: string; timeout: string; json?: boolean }) => {
      const timeout = Number(opts.timeout);
      if (!(timeout > 0)) throw new UsageError(`--timeout must be a positive number of seconds, got "${opts.timeout}"`);
      const learner = opts.learner ?? currentLearner();
      const course = loadCourse();
      // Bad input fails here, before a kernel starts or the database opens.
      planGrading(files, course);
      const store = await openTracker();
      let graded;
      try {
        await syncFramework(store, course.framework);
        graded = await gradeNotebooks(files, { learner, course, timeoutMs: timeout * 1000, store, progress: process.stderr });
      } finally {
        await store.close();
      }
      if (opts.json) console.log(JSON.stringify({ learner, notebooks: graded }, null, 2));
      else {
        for (const g of graded) console.log(gradeLine(g));
        const recorded = graded.reduce((n, g) => n + g.recorded, 0);
        console.log(
          `Recorded ${recorded} new graded evidence for ${learner} in ${displayLocation(defaultDbLocation())}. Feedback: ${graded.map((g) => path.relative(process.cwd(), g.feedbackFiles[0] ?? "")).join(", ")}`,
        );
      }
      const stopped = graded.find((g) => g.timedOut);
      if (stopped)
        throw new CourseError(
          `${stopped.file}: cell ${stopped.timedOut!.cell + 1}${stopped.timedOut!.id ? ` (id ${stopped.timedOut!.id})` : ""} did not finish within ${stopped.timedOut!.seconds} s; nothing was recorded for this notebook. Make the cell finish (or raise --timeout) and grade it again.`,
        );
      if (graded.some((g) => passedCount(g) < g.checks.length)) process.exitCode = 1;
    });
}
