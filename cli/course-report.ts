// After the course ran: the learner's reports into out/ (what `npm start` leaves to look at):
// report.html (the gap to every role and to the certificate, with radar charts), report.md,
// and a study plan toward the certificate as plan.md and plan.ics.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { today } from "../common/dates.js";
import { evidenceOf } from "../tracker/evidence.js";
import type { Framework } from "../tracker/framework/types.js";
import { listGoals } from "../tracker/goals.js";
import { gapReport, type GapReport } from "../tracker/reports/gap.js";
import { studyPlan } from "../tracker/reports/plan.js";
import { escapeHtml } from "../common/html.js";
import { gapReportHtml } from "../tracker/exports/html.js";
import { gapMarkdown, planMarkdown } from "../tracker/exports/markdown.js";
import { planIcs } from "../tracker/exports/ics.js";
import type { TrackerStore } from "../tracker/store.js";

export const CERTIFICATE = "certificate-parallel-ml";

export interface CourseReport {
  files: string[];
  gaps: GapReport[];
  planWeeks: number;
}

export async function writeCourseReports(store: TrackerStore, framework: Framework, learner: string, outDir: string, hoursPerWeek = 5): Promise<CourseReport> {
  const evidence = await evidenceOf(store, learner);
  const goals = await listGoals(store, learner);
  const date = today();
  // The certificate first, then every role.
  const targets = [...framework.roles].sort((a, b) => Number(b.kind === "certificate") - Number(a.kind === "certificate"));
  const gaps = targets.map((role) => gapReport(framework, evidence, { role: role.id, learner, today: date }));
  const plan = studyPlan(framework, evidence, goals, { role: CERTIFICATE, hoursPerWeek, learner, today: date });
  const summary = gaps.map((g) => `<li>${escapeHtml(g.role.name)}: <strong>${escapeHtml(g.readiness)}%</strong>${g.met ? " (met)" : ""}</li>`).join("");
  const sections = gaps.map((g, i) => gapReportHtml(g, i === 0 ? plan : undefined, { includePlotlyJs: i === 0 }));
  const html = `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(`Parallab skills report: ${learner}`)}</title>\n</head>\n<body>\n<h1>${escapeHtml(`Skills report: ${learner}, ${date}`)}</h1>\n<ul>${summary}</ul>\n${sections.join("\n")}\n</body>\n</html>\n`;
  const files = {
    "report.html": html,
    "report.md": `# Skills report: ${learner}, ${date}\n\n${gaps.map((g) => gapMarkdown(g)).join("\n\n")}\n`,
    "plan.md": planMarkdown(plan),
    "plan.ics": planIcs(plan),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(outDir, name), text);
  return { files: Object.keys(files).map((f) => path.join(outDir, f)), gaps, planWeeks: plan.weeks };
}
