// The gradebook as CSV (csv-stringify: an instructor imports it into an LMS), one JSON object, or
// a Markdown table. Every format has the same columns: the learner, one per check in curriculum
// order ("graded 2026-12-02", empty when none), then the counts.
import { stringify } from "csv-stringify/sync";
import type { Gradebook, GradebookCell, GradebookLearner } from "../gradebook.js";
import { mdTable } from "./markdown.js";

export const GRADEBOOK_TOTALS = ["checks_graded", "checks_checked", "checks_imported", "notebooks_graded"] as const;

export function gradebookHeader(book: Gradebook): string[] {
  return ["learner", ...book.checks.map((c) => c.id), ...GRADEBOOK_TOTALS];
}

export const cellText = (cell: GradebookCell | null): string => (cell ? `${cell.provenance} ${cell.date}` : "");

function gradebookRow(book: Gradebook, l: GradebookLearner): (string | number)[] {
  return [l.learner, ...book.checks.map((c) => cellText(l.checks[c.id] ?? null)), l.graded, l.checked, l.imported, l.notebooksGraded];
}

export function gradebookCsv(book: Gradebook): string {
  return stringify(
    book.learners.map((l) => gradebookRow(book, l)),
    { header: true, columns: gradebookHeader(book), record_delimiter: "unix" },
  );
}

/** Keys in the order built (checks in curriculum order), not sorted: the order carries meaning. */
export function gradebookJson(book: Gradebook): string {
  return `${JSON.stringify(book, null, 2)}\n`;
}

export function gradebookMarkdown(book: Gradebook): string {
  return [
    "## Gradebook",
    "",
    `${book.learners.length} learner${book.learners.length === 1 ? "" : "s"} × ${book.checks.length} checks: each cell is the strongest provenance held (graded > checked > imported) and the date it was first held so.`,
    "",
    mdTable(
      gradebookHeader(book),
      book.learners.map((l) => gradebookRow(book, l)),
    ),
    "",
  ].join("\n");
}
