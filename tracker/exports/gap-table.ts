// The gap report as table cells, the same in every format (Markdown and HTML escape them their way).
import type { GapReport } from "../reports/gap.js";

export const GAP_COLUMNS = ["Competency", "Required", "Evidenced", "Gap", "Evidence", "Next step"];

export function gapRows(report: GapReport): (string | number)[][] {
  return report.rows.map((r) => [
    r.name,
    r.required,
    r.evidenced ?? "none",
    r.gap,
    r.evidence.map((e) => `${e.kind} ${e.ref} (${e.date})`).join("; "),
    r.next ? `${r.next.kind} ${r.next.id}: ${r.next.title} (${r.next.hours} h)` : r.gap > 0 ? "nothing available" : "",
  ]);
}
