// Every role can be reached with Parallab (issue 21). A new learner's study plan, for every role
// and industry variant, names something that closes each requirement; and once the instructor's
// solutions of the whole course are graded in a scratch tracker, every requirement a notebook
// can close is met, and the catalogue items the gap report names close the rest: 100 %
// readiness. The built CLI, real kernels, a real SQLite file.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadFramework } from "../tracker/framework/load.js";
import { levelRank, type Level } from "../tracker/framework/types.js";
import { Course } from "../course/source.js";
import { writeSolvedCopy } from "../course/solutions.js";
import type { GapReport } from "../tracker/reports/gap.js";
import type { StudyPlan } from "../tracker/reports/plan.js";
import { runCli } from "./helpers/cli.js";

const framework = loadFramework();
const scratch = mkdtempSync(path.join(os.tmpdir(), "parallab-readiness-"));
/** Every role with no variant, then with each of its variants. */
const targets = framework.roles.flatMap((r) => [{ role: r.id, industry: null as string | null }, ...r.variants.map((v) => ({ role: r.id, industry: v.industry as string | null }))]);
const roleArgs = (t: { role: string; industry: string | null }) => ["--role", t.role, ...(t.industry ? ["--industry", t.industry] : [])];
const label = (t: { role: string; industry: string | null }) => `${t.role}${t.industry ? ` (${t.industry})` : ""}`;
/** Whether some notebook evidences the competency at the level. */
const courseReaches = (competency: string, level: Level) => framework.curriculum.some((n) => levelRank(n.competencies[competency]) >= levelRank(level));

describe("parallab plan for a new learner", () => {
  it("finds, for every role and industry variant, something that closes every requirement", async () => {
    const env = { PARALLAB_DB: path.join(scratch, "empty.db"), PARALLAB_LEARNER: "newcomer" };
    expect(targets.length).toBeGreaterThan(framework.roles.length);
    for (const t of targets) {
      const r = await runCli(["plan", ...roleArgs(t), "--hours-per-week", "6", "--format", "json"], { env });
      expect(r.code, `${label(t)}: ${r.stderr}`).toBe(0);
      const plan = JSON.parse(r.stdout) as StudyPlan;
      expect(plan.unclosable, label(t)).toEqual([]);
      expect(plan.items.length, label(t)).toBeGreaterThan(0);
      // And the text a learner reads says so too.
      const text = await runCli(["plan", ...roleArgs(t), "--hours-per-week", "6"], { env });
      expect(text.stdout, label(t)).not.toContain("Nothing in the curriculum or catalogue closes");
    }
  }, 120_000);
});

describe("the whole course, graded", () => {
  it(
    "meets every requirement a notebook can close for every role and variant, and with the catalogue items the gap names, reaches 100 %",
    async () => {
      const env = { PARALLAB_DB: path.join(scratch, "graded.db"), PARALLAB_LEARNER: "graduate" };
      const files = writeSolvedCopy(new Course(framework), path.join(scratch, "course"));
      const graded = await runCli(["grade", ...files, "--json", "--timeout", "600"], { env });
      expect(graded.code, graded.stderr).toBe(0);
      const result = JSON.parse(graded.stdout) as { notebooks: { notebook: string; checks: { check: string; passed: boolean }[]; errors: unknown[] }[] };
      for (const nb of result.notebooks) {
        expect(
          nb.checks.filter((c) => !c.passed),
          nb.notebook,
        ).toEqual([]);
        expect(nb.errors, nb.notebook).toEqual([]);
      }

      const gap = async (t: { role: string; industry: string | null }) => {
        const r = await runCli(["gap", ...roleArgs(t), "--format", "json"], { env });
        expect(r.code, `${label(t)}: ${r.stderr}`).toBe(0);
        return JSON.parse(r.stdout) as GapReport;
      };
      // Graded course work alone: every requirement some notebook reaches is met.
      const outside = new Map<string, string>(); // catalogue item id → its evidence kind
      for (const t of targets) {
        const report = await gap(t);
        for (const row of report.rows) {
          if (courseReaches(row.competency, row.required)) expect(row.gap, `${label(t)}: ${row.competency}`).toBe(0);
          else if (row.gap > 0) {
            expect(row.next, `${label(t)}: ${row.competency} has a next step`).not.toBeNull();
            // Tutorials count as workshops, forums as conferences (the kinds `evidence add` takes).
            const kind = { tutorial: "workshop", forum: "conference" }[row.next!.kind as string] ?? row.next!.kind;
            outside.set(row.next!.id, kind);
          }
        }
        // The certificate asks only for what the course teaches, as graded work.
        if (report.role.kind === "certificate") expect(report.readiness, label(t)).toBe(100);
      }
      // The rest: the catalogue items the gap reports name, as the learner would record them.
      for (const [id, kind] of outside) {
        const r = await runCli(["evidence", "add", kind, id], { env });
        expect(r.code, `${kind} ${id}: ${r.stderr}`).toBe(0);
      }
      for (const t of targets) {
        const report = await gap(t);
        expect(
          report.rows.filter((row) => row.gap > 0).map((row) => row.competency),
          label(t),
        ).toEqual([]);
        expect(report.readiness, label(t)).toBe(100);
      }
    },
    60 * 60_000,
  );
});
