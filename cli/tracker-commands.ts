// The tracker's subcommands of `parallab`: record, gap, plan, goal, evidence, badge, gradebook.
// Exit codes: 0 done, 1 a usage error (commander's), 2 a data error (bad notebook, unknown id…).
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { gapReport } from "../tracker/reports/gap.js";
import { studyPlan } from "../tracker/reports/plan.js";
import { gapMarkdown, planMarkdown } from "../tracker/exports/markdown.js";
import { gapReportHtml } from "../tracker/exports/html.js";
import { gapReportJson, planJson } from "../tracker/exports/json.js";
import { planCsv } from "../tracker/exports/csv.js";
import { planIcs } from "../tracker/exports/ics.js";
import { openBadge } from "../tracker/exports/badge.js";
import { gradebookCsv, gradebookJson, gradebookMarkdown } from "../tracker/exports/gradebook.js";
import { gradebook } from "../tracker/gradebook.js";
import { loadFramework } from "../tracker/framework/load.js";
import { EVIDENCE_KINDS, LEVELS, type EvidenceKind, type Framework, type Level } from "../tracker/framework/types.js";
import { today } from "../common/dates.js";
import { DataError, UsageError } from "../common/errors.js";
import { addEvidence, evidenceOf, provenanceOfOutsideEvidence } from "../tracker/evidence.js";
import { addGoal, listGoals, setGoalStatus } from "../tracker/goals.js";
import { recordNotebooks } from "../tracker/ingest.js";
import { currentLearner, openTracker, type TrackerStore } from "../tracker/store.js";
import { syncFramework } from "../tracker/sync.js";

export async function withTracker<T>(action: (store: TrackerStore, framework: Framework) => T | Promise<T>): Promise<T> {
  // PARALLAB_SKILLS: another copy of the framework (a course's own, or one being edited).
  const framework = loadFramework(process.env.PARALLAB_SKILLS || undefined);
  const store = await openTracker();
  try {
    await syncFramework(store, framework);
    return await action(store, framework);
  } finally {
    await store.close();
  }
}

const print = (json: boolean, data: unknown, text: () => string) => console.log(json ? JSON.stringify(data, null, 2) : text());

export function registerTrackerCommands(program: Command): void {
  program
    .command("record")
    .description("record the checks that executed notebooks passed as evidence (idempotent)")
    .argument("<notebooks...>", "executed .ipynb files")
    .option("--learner <id>", "whose evidence (default: PARALLAB_LEARNER or your login name)")
    .option("--json", "print the result as JSON")
    .action(async (files: string[], opts: { learner?: string; json?: boolean }) => {
      const learner = opts.learner ?? currentLearner();
      const results = await withTracker((t, framework) => recordNotebooks(t, framework, files, learner));
      print(Boolean(opts.json), { learner, notebooks: results }, () =>
        results
          .map(
            (r) =>
              `${r.file}: ${r.passed.length} check${r.passed.length === 1 ? "" : "s"} passed, ${r.inserted} new evidence${r.completed.length ? `; complete: ${r.completed.join(", ")}` : ""}${r.unknown.length ? `; not in the curriculum: ${r.unknown.join(", ")}` : ""}`,
          )
          .join("\n"),
      );
    });

  const goal = program.command("goal").description("a learner's goals: a role or a catalogue item by a date");
  goal
    .command("add")
    .argument("<target>", "a role id (ml-engineer, …) or a catalogue item id")
    .option("--by <date>", "target date, YYYY-MM-DD")
    .option("--learner <id>")
    .option("--json")
    .action(async (target: string, opts: { by?: string; learner?: string; json?: boolean }) => {
      const added = await withTracker((t, f) => addGoal(t, f, { learner: opts.learner ?? currentLearner(), target, targetDate: opts.by ?? null }));
      print(Boolean(opts.json), added, () => `Goal ${added.id}: ${added.target}${added.targetDate ? ` by ${added.targetDate}` : ""}`);
    });
  goal
    .command("list")
    .option("--learner <id>")
    .option("--all", "also goals done or dropped")
    .option("--json")
    .action(async (opts: { learner?: string; all?: boolean; json?: boolean }) => {
      const goals = await withTracker((t) => listGoals(t, opts.learner ?? currentLearner(), opts.all ? undefined : "active"));
      print(Boolean(opts.json), goals, () =>
        goals.length
          ? goals.map((g) => `${String(g.id).padStart(3)}  ${g.status.padEnd(7)}  ${g.target}${g.targetDate ? `  by ${g.targetDate}` : ""}`).join("\n")
          : "No goals. Add one: parallab goal add ml-engineer --by 2027-06-30",
      );
    });
  for (const [name, status] of [
    ["done", "done"],
    ["drop", "dropped"],
  ] as const) {
    goal
      .command(name)
      .argument("<id>", "the goal's number (parallab goal list)")
      .option("--learner <id>")
      .option("--json")
      .action(async (id: string, opts: { learner?: string; json?: boolean }) => {
        if (!/^\d+$/.test(id)) throw new DataError(`a goal id is a number (parallab goal list shows them), got "${id}"`);
        const changed = await withTracker((t) => setGoalStatus(t, opts.learner ?? currentLearner(), Number(id), status));
        print(Boolean(opts.json), changed, () => `Goal ${changed.id} (${changed.target}) is ${changed.status}.`);
      });
  }

  program
    .command("evidence")
    .description("evidence from outside notebooks: external (a certification, course, workshop, conference) or self-assessed")
    .command("add")
    .argument("<kind>", `one of ${EVIDENCE_KINDS.filter((k) => k !== "check" && k !== "notebook").join(", ")}`)
    .argument("<ref>", "a catalogue item id (parallab catalogue) or a short name")
    .option("--competency <id>", "the competency it shows (needed when ref is not in the catalogue)")
    .option("--level <level>", `${LEVELS.join(" | ")}`)
    .option("--date <date>", "YYYY-MM-DD (default: today)")
    .option("--url <url>", "a credential or certificate URL")
    .option("--learner <id>")
    .option("--json")
    .action(async (kind: string, ref: string, opts: { competency?: string; level?: string; date?: string; url?: string; learner?: string; json?: boolean }) => {
      if (!(EVIDENCE_KINDS as readonly string[]).includes(kind) || kind === "check" || kind === "notebook")
        throw new DataError(
          `evidence kind must be one of ${EVIDENCE_KINDS.filter((k) => k !== "check" && k !== "notebook").join(", ")} (checks and notebooks come from %%check and parallab record), got "${kind}"`,
        );
      if (opts.level && !(LEVELS as readonly string[]).includes(opts.level)) throw new DataError(`--level must be one of ${LEVELS.join(", ")}, got "${opts.level}"`);
      if (opts.date && !/^\d{4}-\d{2}-\d{2}$/.test(opts.date)) throw new DataError(`--date must be YYYY-MM-DD, got "${opts.date}"`);
      const learner = opts.learner ?? currentLearner();
      // External for a certification, course, workshop or conference; self-assessed for a self-assessment.
      const provenance = provenanceOfOutsideEvidence(kind as EvidenceKind);
      const inserted = await withTracker((t, framework) => {
        const inCatalogue = framework.catalogue.some((c) => c.id === ref);
        if (!inCatalogue && !(opts.competency && opts.level)) throw new DataError(`"${ref}" is not in the catalogue: say what it shows with --competency ID --level LEVEL`);
        if (opts.competency && !framework.competencies.some((c) => c.id === opts.competency)) throw new DataError(`unknown competency "${opts.competency}" (see skills/competencies.yaml)`);
        return addEvidence(t, [
          {
            learner,
            kind: kind as EvidenceKind,
            ref,
            competency: opts.competency ?? null,
            level: (opts.level as Level | undefined) ?? null,
            source: "cli",
            date: opts.date ?? today(),
            provenance,
            url: opts.url ?? null,
          },
        ]);
      });
      print(Boolean(opts.json), { learner, kind, ref, provenance, inserted: inserted > 0 }, () =>
        inserted ? `Recorded ${kind} "${ref}" (${provenance}) for ${learner}.` : `Already recorded: ${kind} "${ref}" for ${learner}.`,
      );
    });
}

export function registerReportCommands(program: Command): void {
  program
    .command("gap")
    .description("skill-gap report for a role: required vs evidenced levels, the evidence, the next step, readiness")
    .requiredOption("--role <id>", "a role id (ml-engineer, data-scientist, hpc-specialist, …) or certificate-parallel-ml")
    .option("--industry <name>", "technology | finance | healthcare (the role's variant)")
    .option("--learner <id>")
    .option("--format <format>", "md | html | json", "md")
    .option("-o, --output <file>", "write to FILE instead of standard output")
    .action(async (opts: { role: string; industry?: string; learner?: string; format: string; output?: string }) => {
      if (!["md", "html", "json"].includes(opts.format)) throw new UsageError(`--format must be md, html or json, got "${opts.format}"`);
      const learner = opts.learner ?? currentLearner();
      const text = await withTracker(async (t, framework) => {
        const evidence = await evidenceOf(t, learner);
        const report = dataError(() => gapReport(framework, evidence, { role: opts.role, industry: opts.industry ?? null, learner, today: today() }));
        if (opts.format === "json") return gapReportJson(report);
        if (opts.format === "html") return gapReportHtml(report, undefined, { document: true });
        return gapMarkdown(report);
      });
      emit(text, opts.output);
    });

  program
    .command("plan")
    .description("study plan that closes the gap for a role, packed into weeks")
    .requiredOption("--role <id>", "the role (or certificate) to plan for")
    .requiredOption("--hours-per-week <h>", "study hours per week")
    .option("--industry <name>", "technology | finance | healthcare")
    .option("--start <date>", "first day of week 1, YYYY-MM-DD (default: today)")
    .option("--until <date>", "leave out what would end after this date (and say so)")
    .option("--learner <id>")
    .option("--format <format>", "md | csv | json | ics", "md")
    .option("-o, --output <file>", "write to FILE instead of standard output")
    .action(async (opts: { role: string; hoursPerWeek: string; industry?: string; start?: string; until?: string; learner?: string; format: string; output?: string }) => {
      if (!["md", "csv", "json", "ics"].includes(opts.format)) throw new UsageError(`--format must be md, csv, json or ics, got "${opts.format}"`);
      const hours = Number(opts.hoursPerWeek);
      if (!(hours > 0)) throw new UsageError(`--hours-per-week must be a positive number, got "${opts.hoursPerWeek}"`);
      const learner = opts.learner ?? currentLearner();
      const text = await withTracker(async (t, framework) => {
        const [evidence, goals] = [await evidenceOf(t, learner), await listGoals(t, learner)];
        const plan = dataError(() =>
          studyPlan(framework, evidence, goals, { role: opts.role, industry: opts.industry ?? null, hoursPerWeek: hours, start: opts.start, until: opts.until ?? null, learner, today: today() }),
        );
        if (opts.format === "json") return planJson(plan);
        if (opts.format === "csv") return planCsv(plan);
        if (opts.format === "ics") return planIcs(plan);
        return planMarkdown(plan);
      });
      emit(text, opts.output);
    });

  program
    .command("gradebook")
    .description("every learner × every check of the curriculum: the strongest provenance held (graded, checked, imported) and its date, with counts per learner")
    .option("--format <format>", "csv | json | md", "md")
    .option("-o, --output <file>", "write to FILE instead of standard output")
    .action(async (opts: { format: string; output?: string }) => {
      if (!["csv", "json", "md"].includes(opts.format)) throw new UsageError(`--format must be csv, json or md, got "${opts.format}"`);
      const text = await withTracker(async (t, framework) => {
        const book = await gradebook(t, framework);
        if (opts.format === "csv") return gradebookCsv(book);
        if (opts.format === "json") return gradebookJson(book);
        return gradebookMarkdown(book);
      });
      emit(text, opts.output);
    });

  program
    .command("badge")
    .description("an Open Badges 3.0 credential for the certificate, once graded evidence meets it (else exit 2 saying which notebooks to grade)")
    .option("--learner <id>")
    .option("--issuer <name>", "who issues it", "Parallab")
    .option("--issuer-id <uri>", "the issuer's id (a URL or DID)", "https://parallab.invalid/issuer")
    .option("-o, --output <file>", "write to FILE instead of standard output")
    .action(async (opts: { learner?: string; issuer: string; issuerId: string; output?: string }) => {
      const learner = opts.learner ?? currentLearner();
      const badge = await withTracker(async (t, framework) => {
        const evidence = await evidenceOf(t, learner);
        return dataError(() => openBadge(framework, evidence, learner, { id: opts.issuerId, name: opts.issuer }));
      });
      emit(JSON.stringify(badge, null, 2), opts.output);
    });
}

/** Errors of the reports (an unknown role, a learner who does not meet the certificate) are data errors. */
function dataError<T>(make: () => T): T {
  try {
    return make();
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError((err as Error).message);
  }
}

function emit(text: string, file?: string): void {
  if (file) {
    writeFileSync(file, text);
    console.error(`Wrote ${file}`);
  } else process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}
