// Evidence in and out of the database: a passed %%check (and the notebook it completes), a
// graded notebook, and evidence from outside notebooks (a certification, a workshop). Every row
// carries its provenance, which says how far it can be trusted (PROVENANCES in
// framework/types.ts). Writing the same evidence twice is a no-op (the evidence table's identity
// index), so ingesting a notebook again adds nothing, and two writers recording the same row at
// once leave one.
import { and, asc, eq, inArray } from "drizzle-orm";
import {
  provenanceOrStronger,
  isCourseProvenance,
  type CourseProvenance,
  type CurriculumNotebook,
  type EvidenceKind,
  type EvidenceRecord,
  type Framework,
  type Level,
  type Provenance,
} from "./framework/types.js";
import type { TrackerStore, TrackerTx } from "./store.js";
import { today } from "../common/dates.js";
import { DataError } from "../common/errors.js";

export interface NewEvidence {
  learner: string;
  kind: EvidenceKind;
  ref: string;
  competency?: string | null;
  level?: Level | null;
  source: string;
  date: string;
  provenance: Provenance;
  contentHash?: string | null;
  url?: string | null;
}

/** Evidence that cannot be written as given (a wrong provenance for its kind, a missing hash…). */
export class EvidenceInputError extends DataError {
  override name = "EvidenceInputError";
}

const SHA256 = /^[0-9a-f]{64}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The one provenance evidence from outside the course can have. */
const OUTSIDE_PROVENANCE: Partial<Record<EvidenceKind, Provenance>> = {
  certification: "external",
  course: "external",
  workshop: "external",
  conference: "external",
  "self-assessment": "self-assessed",
};

/** The provenance `parallab evidence add KIND` records: external, or self-assessed. */
export function provenanceOfOutsideEvidence(kind: EvidenceKind): Provenance {
  const provenance = OUTSIDE_PROVENANCE[kind];
  if (!provenance) throw new EvidenceInputError(`${kind} evidence comes from the course (%%check, parallab record, parallab grade), not from outside`);
  return provenance;
}

/** Throws for a row whose provenance does not fit its kind, or graded evidence without its hash. */
function assertWritable(row: NewEvidence): void {
  const what = `${row.kind} "${row.ref}" for ${row.learner}`;
  if (row.kind === "check" || row.kind === "notebook") {
    if (!isCourseProvenance(row.provenance)) throw new EvidenceInputError(`${what}: a ${row.kind} is graded, checked or imported evidence, not ${row.provenance}`);
  } else if (OUTSIDE_PROVENANCE[row.kind] !== row.provenance) {
    throw new EvidenceInputError(`${what}: ${row.kind} evidence is ${OUTSIDE_PROVENANCE[row.kind]}, not ${row.provenance}`);
  }
  if (row.provenance === "graded" && !SHA256.test(row.contentHash ?? "")) throw new EvidenceInputError(`${what}: graded evidence needs contentHash, the sha256 (64 hex digits) of the solution cells`);
  if (!ISO_DATE.test(row.date)) throw new EvidenceInputError(`${what}: the date must be YYYY-MM-DD, got "${row.date}"`);
}

/** Rows per INSERT: well under SQLite's limit of bound parameters (32 766). */
const CHUNK = 500;

/** Inserts what is new, in the caller's transaction; returns how many rows were new. */
export async function insertEvidence({ db, tables: { evidence, learners } }: TrackerTx, rows: NewEvidence[]): Promise<number> {
  if (rows.length === 0) return 0;
  // Every row first: a bad one writes nothing.
  rows.forEach(assertWritable);
  await db
    .insert(learners)
    .values([...new Set(rows.map((r) => r.learner))].map((id) => ({ id })))
    .onConflictDoNothing();
  let inserted = 0;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const values = rows.slice(i, i + CHUNK).map((row) => ({
      learnerId: row.learner,
      kind: row.kind,
      ref: row.ref,
      competencyId: row.competency ?? null,
      level: row.level ?? null,
      source: row.source,
      date: row.date,
      provenance: row.provenance,
      contentHash: row.contentHash ?? "",
      url: row.url ?? null,
    }));
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
  const rows = await store.transaction(({ db, tables: { evidence } }) => db.select().from(evidence).where(eq(evidence.learnerId, learner)).orderBy(asc(evidence.date), asc(evidence.id)), {
    readOnly: true,
  });
  return rows.map((e) => ({
    learner: e.learnerId,
    kind: e.kind,
    ref: e.ref,
    competency: e.competencyId,
    level: e.level,
    source: e.source,
    date: e.date,
    provenance: e.provenance,
    contentHash: e.contentHash || null,
    url: e.url,
  }));
}

/** The checks a learner holds as `provenance` or stronger, in the caller's transaction. */
export async function checksHeld({ db, tables: { evidence } }: TrackerTx, learner: string, provenance: CourseProvenance): Promise<Set<string>> {
  const rows = await db
    .select({ ref: evidence.ref })
    .from(evidence)
    .where(and(eq(evidence.learnerId, learner), eq(evidence.kind, "check"), inArray(evidence.provenance, provenanceOrStronger(provenance))));
  return new Set(rows.map((r) => r.ref));
}

/**
 * Records the notebook as complete at `provenance` when every one of its checks is held at that
 * provenance or stronger, in the caller's transaction; true when the row is new.
 */
async function completeNotebook(
  tx: TrackerTx,
  notebook: CurriculumNotebook,
  row: { learner: string; provenance: CourseProvenance; source: string; date: string; contentHash?: string | null },
): Promise<{ complete: boolean; inserted: boolean; missing: string[] }> {
  const held = await checksHeld(tx, row.learner, row.provenance);
  const missing = notebook.checks.filter((c) => !held.has(c.id)).map((c) => c.id);
  if (missing.length > 0 || notebook.checks.length === 0) return { complete: false, inserted: false, missing };
  const inserted = (await insertEvidence(tx, [{ ...row, kind: "notebook", ref: notebook.id }])) > 0;
  return { complete: true, inserted, missing };
}

export interface CheckRecorded {
  check: string;
  notebook: string;
  competency: string;
  level: Level;
  provenance: CourseProvenance;
  /** False when this learner already held it at this provenance (and content hash). */
  inserted: boolean;
  /** Set when this check completed the notebook at this provenance: the whole notebook counts now. */
  notebookCompleted: boolean;
}

export class UnknownCheckError extends DataError {
  override name = "UnknownCheckError";
}

function findCheck(framework: Framework, id: string) {
  for (const notebook of framework.curriculum) {
    const check = notebook.checks.find((c) => c.id === id);
    if (check) return { notebook, check };
  }
  const ids = framework.curriculum.flatMap((n) => n.checks.map((c) => c.id));
  throw new UnknownCheckError(`unknown check "${id}": the curriculum (skills/curriculum.yaml) has ${ids.length} checks, e.g. ${ids.slice(0, 5).join(", ")}`);
}

/**
 * Records a passed check at `provenance` (the kernel: checked), and the notebook at the same
 * provenance when every one of its checks is now held at it or stronger.
 */
export async function recordCheck(
  store: TrackerStore,
  framework: Framework,
  options: { learner: string; check: string; source: string; provenance: CourseProvenance; contentHash?: string | null; date?: string },
): Promise<CheckRecorded> {
  const { notebook, check } = findCheck(framework, options.check);
  const { learner, source, provenance } = options;
  const date = options.date ?? today();
  const contentHash = options.contentHash ?? null;
  // One transaction: two kernels passing a notebook's last two checks at once cannot both miss
  // that the notebook is complete (SQLite: one waits; PostgreSQL: SERIALIZABLE, one runs again).
  return store.transaction(async (tx) => {
    const inserted = (await insertEvidence(tx, [{ learner, kind: "check", ref: check.id, competency: check.competency, level: check.level, source, date, provenance, contentHash }])) > 0;
    const { inserted: notebookCompleted } = await completeNotebook(tx, notebook, { learner, provenance, source, date, contentHash });
    return { check: check.id, notebook: notebook.id, competency: check.competency, level: check.level, provenance, inserted, notebookCompleted };
  });
}

export interface GradedNotebookRecorded {
  notebook: string;
  learner: string;
  contentHash: string;
  /** The passed checks whose graded row is new (the same solution graded again adds none). */
  insertedChecks: string[];
  /** Every check of the notebook is held as graded (by this solution or an earlier one). */
  complete: boolean;
  /** This call wrote the notebook's graded completion row. */
  notebookCompleted: boolean;
  /** The notebook's checks not yet held as graded. */
  missing: string[];
}

/**
 * Records what `parallab grade` found for one notebook: its passed checks as graded evidence
 * carrying the solution's sha256, and the notebook as complete at graded when every check is
 * held as graded. All in one transaction: bad input or a failure writes nothing.
 */
export async function recordGradedNotebook(
  store: TrackerStore,
  framework: Framework,
  options: { learner: string; notebook: string; passedChecks: string[]; contentHash: string; source: string; date?: string },
): Promise<GradedNotebookRecorded> {
  const notebook = framework.curriculum.find((n) => n.id === options.notebook);
  if (!notebook) throw new EvidenceInputError(`unknown notebook "${options.notebook}": the curriculum (skills/curriculum.yaml) has ${framework.curriculum.map((n) => n.id).join(", ")}`);
  const foreign = options.passedChecks.filter((id) => !notebook.checks.some((c) => c.id === id));
  if (foreign.length)
    throw new EvidenceInputError(
      `${foreign.map((id) => `"${id}"`).join(", ")} ${foreign.length === 1 ? "is not a check" : "are not checks"} of notebook ${notebook.id}, whose checks are ${notebook.checks.map((c) => c.id).join(", ")}`,
    );
  if (!SHA256.test(options.contentHash)) throw new EvidenceInputError(`contentHash must be the sha256 of the solution cells (64 lower-case hex digits), got "${options.contentHash}"`);
  const { learner, contentHash, source } = options;
  const date = options.date ?? today();
  if (!ISO_DATE.test(date)) throw new EvidenceInputError(`the date must be YYYY-MM-DD, got "${date}"`);
  const passed = notebook.checks.filter((c) => options.passedChecks.includes(c.id));
  return store.transaction(async (tx) => {
    const insertedChecks: string[] = [];
    for (const check of passed) {
      const written = await insertEvidence(tx, [{ learner, kind: "check", ref: check.id, competency: check.competency, level: check.level, source, date, provenance: "graded", contentHash }]);
      if (written > 0) insertedChecks.push(check.id);
    }
    const { complete, inserted, missing } = await completeNotebook(tx, notebook, { learner, provenance: "graded", source, date, contentHash });
    return { notebook: notebook.id, learner, contentHash, insertedChecks, complete, notebookCompleted: inserted, missing };
  });
}
