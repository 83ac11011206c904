// bench/tracker: a gap report and a 12-week plan for one learner in a database of 1 000 learners
// and 100 000 evidence rows, and `record` over 100 executed notebooks, on a real SQLite file.
// Each time covers what the CLI does for it after opening the database: the queries (through
// the async store, as the CLI runs them), the report or plan, and its export. The last line is {"gap_ms", "plan_ms", "record100_ms"}.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadFramework } from "../../dist/tracker/framework/load.js";
import { openTracker } from "../../dist/tracker/store.js";
import { syncFramework } from "../../dist/tracker/sync.js";
import { evidenceOf } from "../../dist/tracker/evidence.js";
import { listGoals } from "../../dist/tracker/goals.js";
import { recordNotebooks, CHECK_MIME } from "../../dist/tracker/ingest.js";
import { gapReport } from "../../dist/tracker/reports/gap.js";
import { studyPlan } from "../../dist/tracker/reports/plan.js";
import { gapMarkdown } from "../../dist/tracker/exports/markdown.js";
import { planIcs } from "../../dist/tracker/exports/ics.js";

const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const LEARNERS = 1000;
const EVIDENCE = 100_000;

const dir = mkdtempSync(path.join(os.tmpdir(), "parallab-bench-tracker-"));
const framework = loadFramework();
// The SQLite store (a file path); its better-sqlite3 connection fills the table fast.
const tracker = await openTracker(path.join(dir, "tracker.db"));
await syncFramework(tracker, framework);

// 1 000 learners, 100 evidence rows each: checks, self-assessments and catalogue items.
const checks = framework.curriculum.flatMap((n) => n.checks);
const insert = tracker.sqlite.prepare("insert or ignore into evidence (learner_id, kind, ref, competency_id, level, source, date, content_hash) values (?, ?, ?, ?, ?, ?, ?, ?)");
const addLearner = tracker.sqlite.prepare("insert or ignore into learners (id) values (?)");
const t0 = performance.now();
tracker.sqlite.transaction(() => {
  for (let l = 0; l < LEARNERS; l++) {
    const learner = `learner-${l}`;
    addLearner.run(learner);
    for (let e = 0; e < EVIDENCE / LEARNERS; e++) {
      const day = `2026-${String(1 + (e % 12)).padStart(2, "0")}-${String(1 + (e % 28)).padStart(2, "0")}`;
      if (e < checks.length) insert.run(learner, "check", checks[e].id, checks[e].competency, checks[e].level, "kernel", day, "");
      else if (e % 2) insert.run(learner, "self-assessment", `self-${e}`, framework.competencies[e % framework.competencies.length].id, "know", "cli", day, "");
      else insert.run(learner, "course", framework.catalogue[e % framework.catalogue.length].id, null, null, "cli", day, `hash-${e}`);
    }
  }
})();
const rows = tracker.sqlite.prepare("select count(*) n from evidence").get().n;
console.log(`bench/tracker: ${LEARNERS} learners, ${rows} evidence rows (filled in ${(performance.now() - t0).toFixed(0)} ms); best of ${REPEATS}`);

const learner = "learner-500";
const today = "2026-11-29";
async function best(run) {
  let min = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    await run();
    min = Math.min(min, performance.now() - start);
  }
  return min;
}

const gapMs = await best(async () => {
  const report = gapReport(framework, await evidenceOf(tracker, learner), { role: "hpc-specialist", industry: "finance", learner, today });
  gapMarkdown(report);
});
const planMs = await best(async () => {
  const plan = studyPlan(framework, await evidenceOf(tracker, learner), await listGoals(tracker, learner), {
    role: "certificate-parallel-ml",
    hoursPerWeek: 6,
    start: "2027-01-04",
    until: "2027-03-28",
    learner,
    today,
  });
  planIcs(plan);
});

// 100 executed notebooks with a passed check each (as %%check writes them).
const files = [];
for (let i = 0; i < 100; i++) {
  const check = checks[i % checks.length];
  const file = path.join(dir, `nb-${i}.ipynb`);
  const cells = Array.from({ length: 12 }, (_, c) => ({
    cell_type: "code",
    metadata: {},
    execution_count: c + 1,
    source: [`const x${c} = ${c};`],
    outputs: [{ output_type: "stream", name: "stdout", text: [`line ${c}\n`] }],
  }));
  cells.push({
    cell_type: "code",
    metadata: {},
    execution_count: 13,
    source: [`%%check ${check.id}\nassert.ok(true);`],
    outputs: [{ output_type: "display_data", metadata: {}, data: { "text/plain": `✓ check ${check.id} passed`, [CHECK_MIME]: { check: check.id, passed: true, date: "2026-11-01" } } }],
  });
  writeFileSync(file, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells }));
  files.push(file);
}
let recordRun = 0;
const recordMs = await best(() => recordNotebooks(tracker, framework, files, `fresh-${recordRun++}`));
await tracker.close();

const figures = { gap_ms: +gapMs.toFixed(2), plan_ms: +planMs.toFixed(2), record100_ms: +recordMs.toFixed(1) };
console.log(`gap report (hpc-specialist, finance):       ${figures.gap_ms} ms   target <= 50 ms`);
console.log(`12-week plan (certificate, 6 h/week, ics):  ${figures.plan_ms} ms   target <= 50 ms`);
console.log(`record over 100 notebooks:                  ${figures.record100_ms} ms   target <= 1000 ms`);
console.log(JSON.stringify({ ...figures, raw: { learners: LEARNERS, evidence_rows: rows, repeats: REPEATS } }));
