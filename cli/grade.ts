// `parallab grade NOTEBOOK…`: each learner notebook runs from the top in a fresh kernel, with the
// course's own locked cells (checks with their hidden tests) in place of the learner's; what
// passed becomes *graded* evidence carrying the hash of the learner's own cells, and feedback is
// written next to the notebook. Every notebook is read and matched to the course before any
// runs, so bad input changes nothing; a notebook that does not finish records nothing.
import path from "node:path";
import { CHECK_MIME } from "../tracker/ingest.js";
import { recordGradedNotebook } from "../tracker/evidence.js";
import type { Framework } from "../tracker/framework/types.js";
import type { TrackerStore } from "../tracker/store.js";
import { feedbackHtml, feedbackMarkdown, passedCount, type CheckGrade, type NotebookGrade } from "../course/feedback.js";
import { gradingNotebook, type GradingNotebook } from "../course/grading-notebook.js";
import { readNotebook, writeFileAtomic, type Notebook } from "../course/notebook-file.js";
import type { Course } from "../course/source.js";
import type { CheckResultData } from "../kernel/magics/check.js";
import { executeNotebook, type RunResult } from "./run-notebook.js";
import { progressLine } from "./progress.js";
import { today } from "../common/dates.js";

export interface GradeOptions {
  learner: string;
  course: Course;
  /** Longest a cell may run. */
  timeoutMs: number;
  /** Where graded evidence goes; null records nothing (a dry run). */
  store: TrackerStore | null;
  /** Write NAME.feedback.md and NAME.feedback.html next to each notebook (default: yes). */
  feedback?: boolean;
  /** The grading kernels' environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  progress?: NodeJS.WriteStream;
  today?: string;
}

export interface GradedNotebook extends NotebookGrade {
  feedbackFiles: string[];
  /** Graded evidence rows written. */
  recorded: number;
}

/** Reads every notebook and matches it to the course: the errors come before anything runs. */
export function planGrading(files: string[], course: Course): { file: string; plan: GradingNotebook }[] {
  return files.map((file) => {
    const shown = path.relative(process.cwd(), file) || file;
    return { file, plan: gradingNotebook(readNotebook(file), shown, course) };
  });
}

export async function gradeNotebooks(files: string[], options: GradeOptions): Promise<GradedNotebook[]> {
  const plans = planGrading(files, options.course);
  const framework = options.course.framework;
  const out = options.progress ?? process.stderr;
  const date = options.today ?? today();
  const graded: GradedNotebook[] = [];
  for (const { file, plan } of plans) {
    const name = path.basename(file);
    const started = Date.now();
    const run = await executeNotebook(plan.notebook, file, {
      allowErrors: true,
      timeoutMs: options.timeoutMs,
      env: { ...(options.env ?? process.env), PARALLAB_CHECK_MODE: "grade", PARALLAB_LEARNER: options.learner },
      onCell: (n, total) => {
        if (out.isTTY) out.write(`\r${progressLine(`grading ${name}`, n, total)}\u001b[K`);
      },
    });
    const grade = collectGrade(plan, run, { file, learner: options.learner, date, seconds: (Date.now() - started) / 1000, framework });
    let recorded = 0;
    if (options.store && !grade.timedOut) {
      const passed = grade.checks.filter((c) => c.passed).map((c) => c.check);
      const written = await recordGradedNotebook(options.store, framework, {
        learner: options.learner,
        notebook: plan.course.entry.id,
        passedChecks: passed,
        contentHash: grade.solutionHash,
        source: file,
        date,
      });
      recorded = written.insertedChecks.length + (written.notebookCompleted ? 1 : 0);
    }
    const feedbackFiles = options.feedback === false ? [] : writeFeedback(file, grade);
    if (out.isTTY) out.write(`\r\u001b[K`);
    graded.push({ ...grade, feedbackFiles, recorded });
  }
  return graded;
}

function writeFeedback(file: string, grade: NotebookGrade): string[] {
  const base = file.replace(/\.ipynb$/i, "");
  const files = [`${base}.feedback.md`, `${base}.feedback.html`];
  writeFileAtomic(files[0]!, feedbackMarkdown(grade));
  writeFileAtomic(files[1]!, feedbackHtml(grade));
  return files;
}

const outputsOf = (nb: Notebook, index: number) => nb.cells[index]?.outputs ?? [];

/** The check results of an executed grading notebook: a check passed only when its cell replied ok. */
function collectGrade(plan: GradingNotebook, run: RunResult, meta: { file: string; learner: string; date: string; seconds: number; framework: Framework }): NotebookGrade {
  const entry = plan.course.entry;
  const checks: CheckGrade[] = plan.checkCells.map(({ index, check }) => {
    const description = entry.checks.find((c) => c.id === check)?.description ?? "";
    const status = run.statuses.get(index);
    // The kernel's own result comes last in the cell (learner code that runs inside it cannot follow it).
    const data = outputsOf(run.notebook, index)
      .map((o) => (o.data as Record<string, unknown> | undefined)?.[CHECK_MIME] as CheckResultData | undefined)
      .filter((d) => d?.check === check && d.mode === "grade")
      .at(-1);
    if (status === undefined) {
      const why = run.timedOut ? `grading stopped at cell ${run.timedOut.cell + 1}, which did not finish within ${run.timedOut.seconds} s` : "the notebook stopped before it";
      return { check, description, passed: false, failure: { stage: "not run", ename: "NotRun", message: why } };
    }
    if (status === "ok" && data?.passed) return { check, description, passed: true, failure: null };
    if (data?.failure) return { check, description, passed: false, failure: data.failure };
    const error = outputsOf(run.notebook, index).find((o) => o.output_type === "error") as { ename?: string; evalue?: string } | undefined;
    return { check, description, passed: false, failure: { stage: "visible", ename: error?.ename ?? "Error", message: error?.evalue ?? "the check did not report a result" } };
  });
  const checkIndexes = new Set(plan.checkCells.map((c) => c.index));
  const errors = [...run.statuses]
    .filter(([index, status]) => status === "error" && !checkIndexes.has(index))
    .map(([index]) => {
      const error = outputsOf(run.notebook, index).find((o) => o.output_type === "error") as { ename?: string; evalue?: string } | undefined;
      return { cell: index + 1, id: run.notebook.cells[index]?.id ?? "", ename: error?.ename ?? "Error", evalue: error?.evalue ?? "" };
    });
  return {
    file: meta.file,
    notebook: entry.id,
    title: entry.title,
    learner: meta.learner,
    date: meta.date,
    checks,
    changes: plan.changes,
    errors,
    timedOut: run.timedOut,
    seconds: meta.seconds,
    solutionHash: plan.solutionHash,
  };
}

export const gradeLine = (g: GradedNotebook) =>
  `${path.relative(process.cwd(), g.file) || g.file}: ${passedCount(g)}/${g.checks.length} checks passed${g.timedOut ? `; stopped: cell ${g.timedOut.cell + 1} did not finish within ${g.timedOut.seconds} s, nothing recorded` : ""}${g.changes.length ? `; ${g.changes.length} locked cell${g.changes.length === 1 ? "" : "s"} changed (graded as the course has them)` : ""} (${g.seconds.toFixed(1)} s)`;
