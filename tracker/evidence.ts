// Evidence in and out of the database: a passed %%check, a whole notebook (all its checks), and
// evidence from outside notebooks (a certification, a workshop). Writing the same evidence twice
// is a no-op (the evidence table's identity index), so ingesting a notebook again adds nothing,
// and two writers recording the same row at once leave one.
import { and, asc, eq } from "drizzle-orm";
import type { EvidenceKind, EvidenceRecord, Framework, Level } from "./framework/types.js";
import type { TrackerStore, TrackerTx } from "./store.js";

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

/** Rows per INSERT: well under SQLite's limit of bound parameters (32 766). */
const CHUNK = 500;

/** Inserts what is new, in the caller's transaction; returns how many rows were new. */
export async function insertEvidence({ db, tables: { evidence, learners } }: TrackerTx, rows: NewEvidence[]): Promise<number> {
  if (rows.length === 0) return 0;
  await db
    .insert(learners)
    .values([...new Set(rows.map((r) => r.learner))].map((id) => ({ id })))
    .onConflictDoNothing();
  let inserted = 0;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const values = rows.slice(i, i + CHUNK).map((row) => ({ learnerId: row.learner, kind: row.kind, ref: row.ref, competencyId: row.competency ?? null, level: row.level ?? null, source: row.source, date: row.date, contentHash: row.contentHash ?? "", url: row.url ?? null }));
    // RETURNING counts the new rows alike on both drivers (their "changes" are not the same).
    inserted += (await db.insert(evidence).values(values).onConflictDoNothing().returning({ id: evidence.id })).length;
  }
  return inserted;
}

/** insertEvidence in a transaction of its own. */
export function addEvidence(store: TrackerStore, rows: NewEvidence[]): Promise<number> {
  return store.transaction((tx) => insertEvidence(tx, rows));
}

export async function evidenceOf(store: TrackerStore, learner: string): Promise<EvidenceRecord[]> {
  const rows = await store.transaction(({ db, tables: { evidence } }) => db.select().from(evidence).where(eq(evidence.learnerId, learner)).orderBy(asc(evidence.date), asc(evidence.id)), { readOnly: true });
  return rows.map((e) => ({ learner: e.learnerId, kind: e.kind, ref: e.ref, competency: e.competencyId, level: e.level, source: e.source, date: e.date, contentHash: e.contentHash || null, url: e.url }));
}

/** The checks a learner has passed, in the caller's transaction. */
export async function passedChecks({ db, tables: { evidence } }: TrackerTx, learner: string): Promise<Set<string>> {
  const rows = await db
    .select({ ref: evidence.ref })
    .from(evidence)
    .where(and(eq(evidence.learnerId, learner), eq(evidence.kind, "check")));
  return new Set(rows.map((r) => r.ref));
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
export async function recordCheck(store: TrackerStore, framework: Framework, options: { learner: string; check: string; source: string; date?: string }): Promise<CheckRecorded> {
  const notebook = framework.curriculum.find((n) => n.checks.some((c) => c.id === options.check));
  const check = notebook?.checks.find((c) => c.id === options.check);
  if (!notebook || !check) {
    const ids = framework.curriculum.flatMap((n) => n.checks.map((c) => c.id));
    throw new UnknownCheckError(`unknown check "${options.check}": the curriculum (skills/curriculum.yaml) has ${ids.length} checks, e.g. ${ids.slice(0, 5).join(", ")}`);
  }
  const date = options.date ?? today();
  // One transaction: two kernels passing a notebook's last two checks at once cannot both miss
  // that the notebook is complete (SQLite: one waits; PostgreSQL: SERIALIZABLE, one runs again).
  return store.transaction(async (tx) => {
    const inserted = (await insertEvidence(tx, [{ learner: options.learner, kind: "check", ref: check.id, competency: check.competency, level: check.level, source: options.source, date }])) > 0;
    const passed = await passedChecks(tx, options.learner);
    const complete = notebook.checks.every((c) => passed.has(c.id));
    const notebookCompleted = complete && (await insertEvidence(tx, [{ learner: options.learner, kind: "notebook", ref: notebook.id, source: options.source, date }])) > 0;
    return { check: check.id, notebook: notebook.id, competency: check.competency, level: check.level, inserted, notebookCompleted };
  });
}
