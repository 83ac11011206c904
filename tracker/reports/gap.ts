// The gap between what a role (or the certificate) requires and what a learner has evidenced,
// with the next step that closes each gap. Only evidence whose provenance the role accepts
// (its `evidence:` list) counts; the rest is shown beside it, not counted, and when grading a
// notebook would make it count, grading is the next step. Pure: the caller passes framework
// and evidence.
import {
  INDUSTRIES,
  levelRank,
  type CatalogueItem,
  type CatalogueKind,
  type CurriculumNotebook,
  type EvidenceKind,
  type EvidenceRecord,
  type Framework,
  type Industry,
  type Level,
  type Provenance,
  type Role,
} from "../framework/types.js";
import { evidencedLevels } from "./levels.js";

export interface GapOptions {
  role: string;
  industry?: string | null;
  learner: string;
  /** ISO date; evidence dated later does not count yet. */
  today: string;
  /** The provenances that count; defaults to the role's own `evidence` list. */
  accept?: readonly Provenance[];
}

/** Where a learner's copy of the course lives, as `parallab grade` is told it. */
export const COURSE_DIR = "parallab-course";

/** What grades a notebook: re-executes the learner's copy with the hidden tests. */
export function gradeCommand(notebook: CurriculumNotebook): string {
  return `npx parallab grade ${COURSE_DIR}/${notebook.file}`;
}

/**
 * A notebook or catalogue item that evidences a competency at the required level, or ("grade")
 * a notebook whose work is there but not counted until `parallab grade` has graded it.
 */
export interface NextStep {
  kind: "notebook" | "grade" | CatalogueKind;
  id: string;
  title: string;
  hours: number;
  /** The level it evidences for the competency. */
  level: Level;
  url: string | null;
  /** Usual month for catalogue events, else null. */
  month: number | null;
  /** For "grade": the command to run; else null. */
  command: string | null;
}

export interface GapEvidence {
  kind: EvidenceKind;
  ref: string;
  date: string;
  level: Level;
  provenance: Provenance;
}

export interface GapRow {
  competency: string;
  name: string;
  area: string;
  required: Level;
  evidenced: Level | null;
  /** Levels missing: 0 when met. */
  gap: number;
  /** The evidence that counts (its provenance is one the role accepts). */
  evidence: GapEvidence[];
  /** Evidence of the competency whose provenance the role does not accept: shown, not counted. */
  uncounted: GapEvidence[];
  /** Null when met, or when nothing in the curriculum or catalogue closes it. */
  next: NextStep | null;
}

export interface GapReport {
  learner: string;
  role: { id: string; name: string; kind: Role["kind"] };
  industry: Industry | null;
  today: string;
  /** The provenances of evidence that count toward it. */
  accepts: Provenance[];
  rows: GapRow[];
  /** Share of required level-steps met, 0–100 with one decimal. */
  readiness: number;
  met: boolean;
}

export interface Requirements {
  role: Role;
  industry: Industry | null;
  /** Competency id → required level, in framework competency order. */
  requires: Record<string, Level>;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function assertIsoDate(value: string, name: string): void {
  if (!ISO_DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new Error(`${name} must be an ISO date (YYYY-MM-DD), got ${JSON.stringify(value)}`);
  }
}

/** The role's requirements with its industry variant applied (a variant overrides and adds). */
export function requirementsFor(framework: Framework, roleId: string, industry?: string | null): Requirements {
  const role = framework.roles.find((r) => r.id === roleId);
  if (!role) throw new Error(`Unknown role "${roleId}"; valid roles: ${framework.roles.map((r) => r.id).join(", ")}`);
  let chosen: Industry | null = null;
  if (industry != null && industry !== "") {
    if (!(INDUSTRIES as readonly string[]).includes(industry)) {
      throw new Error(`Unknown industry "${industry}"; valid industries: ${INDUSTRIES.join(", ")}`);
    }
    chosen = industry as Industry;
  }
  const variant = chosen ? role.variants.find((v) => v.industry === chosen) : undefined;
  const merged: Record<string, Level> = { ...role.requires, ...(variant?.requires ?? {}) };
  // Framework order first so reports read the same for every role; unknown ids keep their own order.
  const order = [...framework.competencies.map((c) => c.id), ...Object.keys(merged)];
  const requires: Record<string, Level> = {};
  for (const id of order) if (merged[id] !== undefined && requires[id] === undefined) requires[id] = merged[id];
  return { role, industry: chosen, requires };
}

/** Notebooks with every prerequisite before it, otherwise in curriculum order. */
export function prerequisiteOrder(curriculum: readonly CurriculumNotebook[]): CurriculumNotebook[] {
  const byId = new Map(curriculum.map((n) => [n.id, n]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: CurriculumNotebook[] = [];
  const visit = (n: CurriculumNotebook): void => {
    if (done.has(n.id)) return;
    if (visiting.has(n.id)) throw new Error(`Prerequisite cycle through notebook "${n.id}"`);
    visiting.add(n.id);
    for (const p of n.prerequisites) {
      const pre = byId.get(p);
      if (pre) visit(pre);
    }
    visiting.delete(n.id);
    done.add(n.id);
    out.push(n);
  };
  curriculum.forEach(visit);
  return out;
}

/** The learner's records that count on `today`. */
export function evidenceAsOf(evidence: readonly EvidenceRecord[], learner: string, today: string): EvidenceRecord[] {
  return evidence.filter((e) => e.learner === learner && e.date.slice(0, 10) <= today);
}

export function completedNotebooks(evidence: readonly EvidenceRecord[]): Set<string> {
  return new Set(evidence.filter((e) => e.kind === "notebook").map((e) => e.ref));
}

export function notebookStep(n: CurriculumNotebook, competency: string): NextStep {
  return { kind: "notebook", id: n.id, title: n.title, hours: n.hours, level: n.competencies[competency]!, url: null, month: null, command: null };
}

export function catalogueStep(item: CatalogueItem, competency: string): NextStep {
  return { kind: item.kind, id: item.id, title: item.name, hours: item.hours, level: item.competencies[competency]!, url: item.url, month: item.month, command: null };
}

/** The records whose provenance counts. */
export function acceptedEvidence(evidence: readonly EvidenceRecord[], accept: readonly Provenance[]): EvidenceRecord[] {
  return evidence.filter((e) => accept.includes(e.provenance));
}

/** The curriculum notebook a check or notebook record belongs to. */
function notebookOf(framework: Framework, e: { kind: EvidenceKind; ref: string }): CurriculumNotebook | undefined {
  if (e.kind === "notebook") return framework.curriculum.find((n) => n.id === e.ref);
  if (e.kind === "check") return framework.curriculum.find((n) => n.checks.some((c) => c.id === e.ref));
  return undefined;
}

/**
 * When the role counts graded work and the learner's checked or imported course evidence
 * already reaches `required`, grading that notebook closes the gap: the first such notebook in
 * prerequisite order, else null.
 */
export function gradeStepFor(framework: Framework, uncounted: readonly GapEvidence[], required: Level, accept: readonly Provenance[]): NextStep | null {
  if (!accept.includes("graded")) return null;
  // Notebook id → the highest level its ungraded work shows (at least the required one).
  const shows = new Map<string, Level>();
  for (const e of uncounted) {
    const notebook = (e.provenance === "checked" || e.provenance === "imported") && levelRank(e.level) >= levelRank(required) ? notebookOf(framework, e) : undefined;
    if (notebook && levelRank(e.level) > levelRank(shows.get(notebook.id))) shows.set(notebook.id, e.level);
  }
  const notebook = prerequisiteOrder(framework.curriculum).find((n) => shows.has(n.id));
  if (!notebook) return null;
  return { kind: "grade", id: notebook.id, title: notebook.title, hours: 0, level: shows.get(notebook.id)!, url: null, month: null, command: gradeCommand(notebook) };
}

/** Whether taking part evidences `competency` at `required` or above. */
export function reaches(levels: Record<string, Level>, competency: string, required: Level): boolean {
  return levelRank(levels[competency]) >= levelRank(required);
}

/** First unfinished notebook in prerequisite order, else the shortest catalogue item (ties: listed first). */
export function nextStepFor(framework: Framework, competency: string, required: Level, completed: ReadonlySet<string>): NextStep | null {
  const notebook = prerequisiteOrder(framework.curriculum).find((n) => !completed.has(n.id) && reaches(n.competencies, competency, required));
  if (notebook) return notebookStep(notebook, competency);
  const items = framework.catalogue.filter((i) => reaches(i.competencies, competency, required));
  const shortest = items.reduce<CatalogueItem | null>((best, i) => (best === null || i.hours < best.hours ? i : best), null);
  return shortest ? catalogueStep(shortest, competency) : null;
}

export function gapReport(framework: Framework, evidence: readonly EvidenceRecord[], options: GapOptions): GapReport {
  assertIsoDate(options.today, "today");
  const { role, industry, requires } = requirementsFor(framework, options.role, options.industry);
  const accepts = [...(options.accept ?? role.evidence)];
  const mine = evidenceAsOf(evidence, options.learner, options.today);
  const counted = acceptedEvidence(mine, accepts);
  const levels = evidencedLevels(framework, counted).byCompetency;
  const notCounted = evidencedLevels(
    framework,
    mine.filter((e) => !accepts.includes(e.provenance)),
  ).byCompetency;
  const completed = completedNotebooks(counted);
  const shown = (e: GapEvidence): GapEvidence => ({ kind: e.kind, ref: e.ref, date: e.date, level: e.level, provenance: e.provenance });
  let requiredSteps = 0;
  let metSteps = 0;
  const rows: GapRow[] = Object.entries(requires).map(([id, required]) => {
    const competency = framework.competencies.find((c) => c.id === id);
    const have = levels[id];
    const evidenced = have?.level ?? null;
    const gap = Math.max(0, levelRank(required) - levelRank(evidenced));
    requiredSteps += levelRank(required);
    metSteps += Math.min(levelRank(required), levelRank(evidenced));
    const uncounted = (notCounted[id]?.evidence ?? []).map(shown);
    return {
      competency: id,
      name: competency?.name ?? id,
      area: competency?.area ?? "",
      required,
      evidenced,
      gap,
      evidence: (have?.evidence ?? []).map(shown),
      uncounted,
      next: gap > 0 ? (gradeStepFor(framework, uncounted, required, accepts) ?? nextStepFor(framework, id, required, completed)) : null,
    };
  });
  const readiness = requiredSteps === 0 ? 100 : Math.round((metSteps / requiredSteps) * 1000) / 10;
  return {
    learner: options.learner,
    role: { id: role.id, name: role.name, kind: role.kind },
    industry,
    today: options.today,
    accepts,
    rows,
    readiness,
    met: rows.every((r) => r.gap === 0),
  };
}

/** For messages: "apply" or "none". */
export function levelName(level: Level | null): string {
  return level ?? "none";
}
