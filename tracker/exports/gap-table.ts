// The gap report as table cells, the same in every format (Markdown and HTML escape them their way).
import type { GapEvidence, GapReport, NextStep } from "../reports/gap.js";

export const GAP_COLUMNS = ["Competency", "Required", "Evidenced", "Gap", "Evidence", "Not counted", "Next step"];

const evidenceText = (e: GapEvidence) => `${e.kind} ${e.ref} (${e.provenance}, ${e.date})`;

/** "the certificate needs graded", "the role needs graded, checked or external". */
export function acceptsText(report: GapReport): string {
  const who = report.role.kind === "certificate" ? "the certificate" : "the role";
  const list = report.accepts.length > 1 ? `${report.accepts.slice(0, -1).join(", ")} or ${report.accepts.at(-1)}` : (report.accepts[0] ?? "nothing");
  return `${who} needs ${list}`;
}

function nextText(next: NextStep): string {
  if (next.kind === "grade") return `grade ${next.id}: ${next.command}`;
  return `${next.kind} ${next.id}: ${next.title} (${next.hours} h)`;
}

export function gapRows(report: GapReport): (string | number)[][] {
  return report.rows.map((r) => [
    r.name,
    r.required,
    r.evidenced ?? "none",
    r.gap,
    r.evidence.map(evidenceText).join("; "),
    r.uncounted.length ? `${r.uncounted.map(evidenceText).join("; ")}: not counted, ${acceptsText(report)}` : "",
    r.next ? nextText(r.next) : r.gap > 0 ? "nothing available" : "",
  ]);
}

/** One sentence on what counts, for the report's heading. */
export function countsSentence(report: GapReport): string {
  const uncounted = report.rows.some((r) => r.uncounted.length > 0);
  return `Counts: ${report.accepts.join(", ")} evidence.${uncounted ? ` Other evidence is listed as not counted; a notebook whose work is only checked or imported counts once graded (npx parallab grade).` : ""}`;
}
