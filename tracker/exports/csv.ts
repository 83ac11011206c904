// The study plan as CSV, one row per week block, for spreadsheets.
import { stringify } from "csv-stringify/sync";
import type { StudyPlan } from "../reports/plan.js";

export const PLAN_CSV_COLUMNS = ["week", "start", "end", "kind", "id", "title", "hours", "competencies"] as const;

/** Competency ids are joined with ";" so the column stays one field per row. */
export const COMPETENCY_SEPARATOR = ";";

export function planCsv(plan: StudyPlan): string {
  const rows = plan.items.map((i) => [i.week, i.start, i.end, i.kind, i.id, i.title, i.hours, i.competencies.join(COMPETENCY_SEPARATOR)]);
  return stringify(rows, { header: true, columns: [...PLAN_CSV_COLUMNS], record_delimiter: "unix" });
}
