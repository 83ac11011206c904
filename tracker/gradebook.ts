// The gradebook: every learner in the database × every check of the curriculum, each cell the
// strongest provenance held (graded > checked > imported) and since when, with per-learner
// counts. One read-only query of the evidence, the same on both dialects; the formats are in
// exports/gradebook.ts.
import { and, asc, inArray, min } from "drizzle-orm";
import { COURSE_PROVENANCES, courseRank, type CourseProvenance, type Framework, type Level } from "./framework/types.js";
import type { TrackerStore } from "./store.js";

export interface GradebookCheck {
  id: string;
  notebook: string;
  competency: string;
  level: Level;
}

export interface GradebookCell {
  provenance: CourseProvenance;
  /** The first date the check was held at this provenance (ISO). */
  date: string;
}

export interface GradebookLearner {
  learner: string;
  /** Check id → the strongest provenance held, or null; in curriculum order. */
  checks: Record<string, GradebookCell | null>;
  /** Checks held, each counted once, under its strongest provenance. */
  graded: number;
  checked: number;
  imported: number;
  /** Curriculum notebooks complete at graded (every check graded). */
  notebooksGraded: number;
}

export interface Gradebook {
  /** The curriculum's checks, in curriculum order. */
  checks: GradebookCheck[];
  /** Every learner in the database, sorted by id. */
  learners: GradebookLearner[];
}

/** Code-unit order: the same on both dialects, whatever the server's collation. */
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export async function gradebook(store: TrackerStore, framework: Framework): Promise<Gradebook> {
  const { learnerIds, rows } = await store.transaction(
    async ({ db, tables: { evidence, learners } }) => {
      const learnerIds = (await db.select({ id: learners.id }).from(learners)).map((l) => l.id);
      const rows = await db
        .select({ learner: evidence.learnerId, kind: evidence.kind, ref: evidence.ref, provenance: evidence.provenance, date: min(evidence.date) })
        .from(evidence)
        .where(and(inArray(evidence.kind, ["check", "notebook"]), inArray(evidence.provenance, [...COURSE_PROVENANCES])))
        .groupBy(evidence.learnerId, evidence.kind, evidence.ref, evidence.provenance)
        .orderBy(asc(evidence.learnerId));
      return { learnerIds, rows };
    },
    { readOnly: true },
  );

  const checks: GradebookCheck[] = framework.curriculum.flatMap((n) => n.checks.map((c) => ({ id: c.id, notebook: n.id, competency: c.competency, level: c.level })));
  const notebookIds = new Set(framework.curriculum.map((n) => n.id));
  const strongest = new Map<string, Map<string, GradebookCell>>();
  const gradedNotebooks = new Map<string, Set<string>>();
  for (const row of rows) {
    const provenance = row.provenance as CourseProvenance;
    if (row.kind === "notebook") {
      if (provenance === "graded" && notebookIds.has(row.ref)) gradedNotebooks.set(row.learner, (gradedNotebooks.get(row.learner) ?? new Set()).add(row.ref));
      continue;
    }
    const mine = strongest.get(row.learner) ?? new Map<string, GradebookCell>();
    strongest.set(row.learner, mine);
    const held = mine.get(row.ref);
    if (!held || courseRank(provenance) > courseRank(held.provenance)) mine.set(row.ref, { provenance, date: row.date! });
  }

  const learners = [...new Set(learnerIds)].sort(byCodeUnits).map((learner): GradebookLearner => {
    const mine = strongest.get(learner);
    const cells = Object.fromEntries(checks.map((c) => [c.id, mine?.get(c.id) ?? null]));
    const held = Object.values(cells).filter((c): c is GradebookCell => c !== null);
    const countOf = (p: CourseProvenance) => held.filter((c) => c.provenance === p).length;
    return { learner, checks: cells, graded: countOf("graded"), checked: countOf("checked"), imported: countOf("imported"), notebooksGraded: gradedNotebooks.get(learner)?.size ?? 0 };
  });
  return { checks, learners };
}
