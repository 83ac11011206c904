// Evidence in and out of the database: a passed %%check, a whole notebook (all its checks), and
// evidence from outside notebooks (a certification, a workshop). Writing the same evidence twice
// is a no-op (the evidence table's identity index), so ingesting a notebook again adds nothing.
import { and, asc, eq } from "drizzle-orm";
import type { EvidenceKind, EvidenceRecord, Framework, Level } from "./framework/types.js";
import { evidence, learners } from "./schema.js";
import type { TrackerDb } from "./store.js";

export interface NewEvidence {
  learner: string;
  kind: EvidenceKind;
  ref: string;
  competency?: string | null;
  level?: Level | null;
  source: string;
  date: string;
  contentHash?: string | null;
  url?: string | null;
}

export const today = () => new Date().toISOString().slice(0, 10);

/** Inserts what is new, in the caller's transaction if any; returns how many rows were new. */
export function insertEvidence(db: TrackerDb, rows: NewEvidence[]): number {
  let inserted = 0;
  for (const row of rows) {
    db.insert(learners).values({ id: row.learner }).onConflictDoNothing().run();
    const result = db
      .insert(evidence)
      .values({ learnerId: row.learner, kind: row.kind, ref: row.ref, competencyId: row.competency ?? null, level: row.level ?? null, source: row.source, date: row.date, contentHash: row.contentHash ?? "", url: row.url ?? null })
      .onConflictDoNothing()
      .run();
    inserted += result.changes;
  }
  return inserted;
}

export function evidenceOf(db: TrackerDb, learner: string): EvidenceRecord[] {
  return db
    .select()
    .from(evidence)
    .where(eq(evidence.learnerId, learner))
    .orderBy(asc(evidence.date), asc(evidence.id))
    .all()
    .map((e) => ({ learner: e.learnerId, kind: e.kind, ref: e.ref, competency: e.competencyId, level: e.level, source: e.source, date: e.date, contentHash: e.contentHash || null, url: e.url }));
}

export interface CheckRecorded {
  check: string;
  notebook: string;
  competency: string;
  level: Level;
  /** False when this learner had already passed it. */
  inserted: boolean;
  /** Set when this check was the notebook's last one: the whole notebook counts now. */
  notebookCompleted: boolean;
}

export class UnknownCheckError extends Error {
  override name = "UnknownCheckError";
}

/** Records a passed check, and the notebook when all its checks are now passed. */
export function recordCheck(db: TrackerDb, framework: Framework, options: { learner: string; check: string; source: string; date?: string }): CheckRecorded {
  const notebook = framework.curriculum.find((n) => n.checks.some((c) => c.id === options.check));
  const check = notebook?.checks.find((c) => c.id === options.check);
  if (!notebook || !check) {
    const ids = framework.curriculum.flatMap((n) => n.checks.map((c) => c.id));
    throw new UnknownCheckError(`unknown check "${options.check}": the curriculum (skills/curriculum.yaml) has ${ids.length} checks, e.g. ${ids.slice(0, 5).join(", ")}`);
  }
  const date = options.date ?? today();
  return db.transaction((tx) => {
    const inserted = insertEvidence(tx as unknown as TrackerDb, [{ learner: options.learner, kind: "check", ref: check.id, competency: check.competency, level: check.level, source: options.source, date }]) > 0;
    const passed = new Set(
      tx
        .select({ ref: evidence.ref })
        .from(evidence)
        .where(and(eq(evidence.learnerId, options.learner), eq(evidence.kind, "check")))
        .all()
        .map((r) => r.ref),
    );
    const complete = notebook.checks.every((c) => passed.has(c.id));
    const notebookCompleted = complete && insertEvidence(tx as unknown as TrackerDb, [{ learner: options.learner, kind: "notebook", ref: notebook.id, source: options.source, date }]) > 0;
    return { check: check.id, notebook: notebook.id, competency: check.competency, level: check.level, inserted, notebookCompleted };
  });
}
