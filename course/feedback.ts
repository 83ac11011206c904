// The feedback `parallab grade` writes next to a graded notebook, as Markdown and as HTML: every
// check, passed or failed, with the assertion that failed (hidden tests say only that they
// failed, and their message), what the learner changed in locked cells, and the cells that failed.
import { escapeHtml } from "../common/html.js";
import { htmlTable } from "../tracker/exports/html.js";
import { mdCell, mdTable } from "../tracker/exports/markdown.js";

export interface CheckFailure {
  stage: "visible" | "hidden" | "not run";
  ename: string;
  message: string;
  expected?: string;
  actual?: string;
}

export interface CheckGrade {
  check: string;
  description: string;
  passed: boolean;
  failure: CheckFailure | null;
}

export interface NotebookGrade {
  file: string;
  notebook: string;
  title: string;
  learner: string;
  date: string;
  checks: CheckGrade[];
  /** Locked cells the learner changed or deleted (graded as the course has them). */
  changes: string[];
  /** The learner's cells (and provided cells) that raised an error, 1-based as the notebook numbers them. */
  errors: { cell: number; id: string; ename: string; evalue: string }[];
  timedOut: { cell: number; id: string | undefined; seconds: number } | null;
  seconds: number;
  /** sha256 of the learner's own cells: graded evidence carries it. */
  solutionHash: string;
}

export const passedCount = (g: NotebookGrade) => g.checks.filter((c) => c.passed).length;

export function failureText(f: CheckFailure): string {
  const values = f.expected !== undefined ? ` Expected ${f.expected}, got ${f.actual}.` : "";
  const what = f.stage === "hidden" ? "A hidden test failed" : f.stage === "not run" ? "Not run" : `${f.ename}`;
  return `${what}: ${f.message}${values}`;
}

function summary(g: NotebookGrade): string {
  return `${g.learner}, graded ${g.date}: ${passedCount(g)} of ${g.checks.length} checks passed (${g.seconds.toFixed(1)} s).`;
}

function rows(g: NotebookGrade): string[][] {
  return g.checks.map((c) => [c.check, c.passed ? "passed" : "failed", c.description, c.failure ? failureText(c.failure) : ""]);
}

const HEADER = ["Check", "Result", "What it checks", "Why it failed"];

export function feedbackMarkdown(g: NotebookGrade): string {
  const out = [`# Feedback: ${mdCell(g.title)} (${mdCell(g.notebook)})`, "", mdCell(summary(g)), ""];
  if (g.timedOut)
    out.push(
      `**Grading stopped**: cell ${g.timedOut.cell + 1}${g.timedOut.id ? ` (id ${mdCell(g.timedOut.id)})` : ""} did not finish within ${g.timedOut.seconds} s; the checks after it did not run and nothing was recorded.`,
      "",
    );
  out.push(mdTable(HEADER, rows(g)), "");
  if (g.changes.length) out.push("## Locked cells you changed", "", ...g.changes.map((c) => `- ${mdCell(c)}`), "");
  if (g.errors.length) out.push("## Cells that raised an error", "", ...g.errors.map((e) => `- cell ${e.cell}${e.id ? ` (id ${mdCell(e.id)})` : ""}: ${mdCell(`${e.ename}: ${e.evalue}`)}`), "");
  out.push(
    passedCount(g) === g.checks.length
      ? "Every check passed: each is recorded as graded evidence."
      : "Passed checks are recorded as graded evidence; fix the others in your notebook and grade it again.",
    "",
  );
  return out.join("\n");
}

export function feedbackHtml(g: NotebookGrade): string {
  const list = (items: string[]) => `<ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join("")}</ul>`;
  const parts = [
    `<h1>Feedback: ${escapeHtml(g.title)} (${escapeHtml(g.notebook)})</h1>`,
    `<p>${escapeHtml(summary(g))}</p>`,
    g.timedOut
      ? `<p><strong>Grading stopped</strong>: ${escapeHtml(`cell ${g.timedOut.cell + 1}${g.timedOut.id ? ` (id ${g.timedOut.id})` : ""} did not finish within ${g.timedOut.seconds} s; the checks after it did not run and nothing was recorded.`)}</p>`
      : "",
    htmlTable(HEADER, rows(g)),
    g.changes.length ? `<h2>Locked cells you changed</h2>${list(g.changes)}` : "",
    g.errors.length ? `<h2>Cells that raised an error</h2>${list(g.errors.map((e) => `cell ${e.cell}${e.id ? ` (id ${e.id})` : ""}: ${e.ename}: ${e.evalue}`))}` : "",
  ];
  return `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(`Feedback: ${g.title}`)}</title>\n<style>table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}</style>\n</head>\n<body>\n${parts.filter(Boolean).join("\n")}\n</body>\n</html>\n`;
}
