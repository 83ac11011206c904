// Gap report as HTML: a radar chart of required vs evidenced levels (plotly scatterpolar via
// common/plot.ts's plotBundle) and tables; every piece of text from data is escaped.
import { escapeHtml } from "../../common/html.js";
import { plotBundle, type PlotTrace } from "../../common/plot.js";
import { LEVELS, levelRank } from "../framework/types.js";
import type { GapReport } from "../reports/gap.js";
import type { StudyPlan } from "../reports/plan.js";
import { countsSentence, GAP_COLUMNS, gapRows } from "./gap-table.js";

export interface HtmlOptions {
  /** Wrap in a full HTML document (for a file); forces plotly.js into the page unless set. */
  document?: boolean;
  /** Passed to plotBundle; by default a document always carries plotly.js, a cell output once per session. */
  includePlotlyJs?: boolean;
}

export function htmlTable(header: string[], rows: Array<Array<string | number | null>>): string {
  const head = header.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("\n");
  return `<table class="parallab-table">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** Radar traces: the first point is repeated so the polygons close. */
export function radarTraces(report: GapReport): PlotTrace[] {
  // Plotly reads trace text as pseudo-HTML and decodes entities, so escaped names show as written.
  const theta = report.rows.map((r) => escapeHtml(r.name));
  const close = <T>(xs: T[]): T[] => (xs.length > 0 ? [...xs, xs[0]!] : xs);
  return [
    { type: "scatterpolar", name: "Required", r: close(report.rows.map((r) => levelRank(r.required))), theta: close(theta), fill: "toself", opacity: 0.5 },
    { type: "scatterpolar", name: "Evidenced", r: close(report.rows.map((r) => levelRank(r.evidenced))), theta: close(theta), fill: "toself", opacity: 0.6 },
  ];
}

export function radarLayout(report: GapReport): Record<string, unknown> {
  return {
    title: { text: escapeHtml(`${report.role.name}: required vs evidenced`) },
    polar: { radialaxis: { range: [0, LEVELS.length], tickvals: [0, 1, 2, 3], ticktext: ["none", ...LEVELS] } },
    showlegend: true,
    height: 460,
  };
}

export function gapTableHtml(report: GapReport): string {
  return htmlTable(GAP_COLUMNS, gapRows(report));
}

export function planTableHtml(plan: StudyPlan): string {
  const rows = plan.items.map((i) => [i.week, i.start, i.end, i.kind, i.id, i.parts > 1 ? `${i.title} (part ${i.part}/${i.parts})` : i.title, i.hours, i.competencies.join(", ")]);
  let out = htmlTable(["Week", "Start", "End", "Kind", "Id", "Title", "Hours", "Competencies"], rows);
  if (plan.unscheduled.length > 0) {
    out += `\n<h3>Did not fit</h3>\n${htmlTable(
      ["Kind", "Id", "Title", "Hours", "Reason"],
      plan.unscheduled.map((u) => [u.kind, u.id, u.title, u.hours, u.reason]),
    )}`;
  }
  if (plan.goals.length > 0) {
    out += `\n<h3>Goals</h3>\n${htmlTable(
      ["Goal", "Target date", "Planned end"],
      plan.goals.map((g) => [g.targetName, g.targetDate, g.plannedEnd]),
    )}`;
  }
  return out;
}

/** The gap report (and the plan, when given) as an HTML fragment or document. */
export function gapReportHtml(report: GapReport, plan?: StudyPlan, options: HtmlOptions = {}): string {
  const include = options.includePlotlyJs ?? (options.document ? true : undefined);
  const chart = plotBundle(radarTraces(report), radarLayout(report), include === undefined ? {} : { includePlotlyJs: include })["text/html"];
  const role = `${report.role.name}${report.industry ? ` (${report.industry})` : ""}`;
  const parts = [
    `<section class="parallab-gap-report">`,
    `<h2>Gap report: ${escapeHtml(report.learner)} → ${escapeHtml(role)}</h2>`,
    `<p>As of ${escapeHtml(report.today)}: readiness <strong>${escapeHtml(report.readiness)}%</strong>, ${report.met ? "requirements met" : "requirements not met"}. ${escapeHtml(countsSentence(report))}</p>`,
    typeof chart === "string" ? chart : "",
    gapTableHtml(report),
  ];
  if (plan) parts.push(`<h2>Study plan</h2>`, `<p>${escapeHtml(`${plan.hoursPerWeek} h/week from ${plan.start}: ${plan.totalHours} h over ${plan.weeks} week(s)`)}</p>`, planTableHtml(plan));
  parts.push(`</section>`);
  const body = parts.join("\n");
  if (!options.document) return body;
  return `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(`Gap report: ${report.learner}`)}</title>\n</head>\n<body>\n${body}\n</body>\n</html>\n`;
}
