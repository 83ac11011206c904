// Stable JSON: keys sorted at every depth so the same report always serializes to the same
// bytes (diffs and snapshots stay meaningful); array order is kept, since it carries meaning.
import type { GapReport } from "../reports/gap.js";
import type { StudyPlan } from "../reports/plan.js";

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function stableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

export function gapReportJson(report: GapReport): string {
  return stableJson(report);
}

export function planJson(plan: StudyPlan): string {
  return stableJson(plan);
}
