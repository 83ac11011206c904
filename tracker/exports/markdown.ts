// Gap report and study plan as Markdown tables (GitHub-flavoured).
import type { GapReport } from "../reports/gap.js";
import type { StudyPlan } from "../reports/plan.js";
import { countsSentence, GAP_COLUMNS, gapRows } from "./gap-table.js";

/**
 * Text from data, shown literally: pipes would split the row, line breaks end it, and `<`, `&`
 * or emphasis marks would turn into HTML or formatting (backslash escapes are CommonMark's).
 */
export function mdCell(text: string | number | null): string {
  return String(text ?? "")
    .replace(/[\\`*_[\]<>|&]/g, "\\$&")
    .replace(/\r?\n/g, " ");
}

export function mdTable(header: string[], rows: Array<Array<string | number | null>>): string {
  const line = (cells: Array<string | number | null>) => `| ${cells.map(mdCell).join(" | ")} |`;
  return [line(header), `|${header.map(() => " --- ").join("|")}|`, ...rows.map(line)].join("\n");
}

function roleLine(r: { role: { name: string; id: string }; industry: string | null }): string {
  return `${r.role.name} (${r.role.id}${r.industry ? `, ${r.industry}` : ""})`;
}

export function gapMarkdown(report: GapReport): string {
  return [
    `## Gap report: ${mdCell(report.learner)} → ${mdCell(roleLine(report))}`,
    "",
    `As of ${report.today}: readiness ${report.readiness}%, ${report.met ? "requirements met" : "requirements not met"}. ${mdCell(countsSentence(report))}`,
    "",
    mdTable(GAP_COLUMNS, gapRows(report)),
    "",
  ].join("\n");
}

export function planMarkdown(plan: StudyPlan): string {
  const rows = plan.items.map((i) => [i.week, i.start, i.end, i.kind, i.id, i.parts > 1 ? `${i.title} (part ${i.part}/${i.parts})` : i.title, i.hours, i.competencies.join(", ")]);
  const out = [
    `## Study plan: ${mdCell(plan.learner)} → ${mdCell(roleLine(plan))}`,
    "",
    `${plan.hoursPerWeek} h/week from ${plan.start}${plan.until ? ` until ${plan.until}` : ""}: ${plan.totalHours} h over ${plan.weeks} week(s)${plan.end ? `, ending ${plan.end}` : ""}.`,
    "",
    plan.items.length > 0 ? mdTable(["Week", "Start", "End", "Kind", "Id", "Title", "Hours", "Competencies"], rows) : "Nothing to study: the gap is closed.",
  ];
  if (plan.unscheduled.length > 0) {
    out.push(
      "",
      "### Did not fit",
      "",
      mdTable(
        ["Kind", "Id", "Title", "Hours", "Reason"],
        plan.unscheduled.map((u) => [u.kind, u.id, u.title, u.hours, u.reason]),
      ),
    );
  }
  if (plan.unclosable.length > 0) out.push("", `Nothing in the curriculum or catalogue closes: ${plan.unclosable.map(mdCell).join(", ")}.`);
  if (plan.goals.length > 0) {
    const goalRows = plan.goals.map((g) => [g.targetName, g.targetDate ?? "", g.plannedEnd ?? "", g.onTrack === null ? "" : g.onTrack ? "yes" : "no"]);
    out.push("", "### Goals", "", mdTable(["Goal", "Target date", "Planned end", "On track"], goalRows));
  }
  out.push("");
  return out.join("\n");
}
