// The gap between what a role (or the certificate) requires and what a learner has evidenced,
// with the next step that closes each gap. Pure: the caller passes framework and evidence.
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
  type Role,
} from "../framework/types.js";
import { evidencedLevels } from "./levels.js";

export interface GapOptions {
  role: string;
  industry?: string | null;
  learner: string;
  /** ISO date; evidence dated later does not count yet. */
  today: string;
}

/** A notebook or catalogue item that evidences a competency at the required level. */
export interface NextStep {
  kind: "notebook" | CatalogueKind;
  id: string;
  title: string;
  hours: number;
  /** The level it evidences for the competency. */
  level: Level;
  url: string | null;
  /** Usual month for catalogue events, else null. */
  month: number | null;
}

export interface GapEvidence {
  kind: EvidenceKind;
  ref: string;
  date: string;
  level: Level;
}

export interface GapRow {
  competency: string;
  name: string;
  area: string;
  required: Level;
  evidenced: Level | null;
  /** Levels missing: 0 when met. */
  gap: number;
  evidence: GapEvidence[];
  /** Null when met, or when nothing in the curriculum or catalogue closes it. */
  next: NextStep | null;
}

export interface GapReport {
  learner: string;
  role: { id: string; name: string; kind: Role["kind"] };
  industry: Industry | null;
  today: string;
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
  return { kind: "notebook", id: n.id, title: n.title, hours: n.hours, level: n.competencies[competency]!, url: null, month: null };
}

export function catalogueStep(item: CatalogueItem, competency: string): NextStep {
  return { kind: item.kind, id: item.id, title: item.name, hours: item.hours, level: item.competencies[competency]!, url: item.url, month: item.month };
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
  const mine = evidenceAsOf(evidence, options.learner, options.today);
  const levels = evidencedLevels(framework, mine).byCompetency;
  const completed = completedNotebooks(mine);
  let requiredSteps = 0;
  let metSteps = 0;
  const rows: GapRow[] = Object.entries(requires).map(([id, required]) => {
    const competency = framework.competencies.find((c) => c.id === id);
    const have = levels[id];
    const evidenced = have?.level ?? null;
    const gap = Math.max(0, levelRank(required) - levelRank(evidenced));
    requiredSteps += levelRank(required);
    metSteps += Math.min(levelRank(required), levelRank(evidenced));
    return {
      competency: id,
      name: competency?.name ?? id,
      area: competency?.area ?? "",
      required,
      evidenced,
      gap,
      evidence: (have?.evidence ?? []).map(({ kind, ref, date, level }) => ({ kind, ref, date, level })),
      next: gap > 0 ? nextStepFor(framework, id, required, completed) : null,
    };
  });
  const readiness = requiredSteps === 0 ? 100 : Math.round((metSteps / requiredSteps) * 1000) / 10;
  return {
    learner: options.learner,
    role: { id: role.id, name: role.name, kind: role.kind },
    industry,
    today: options.today,
    rows,
    readiness,
    met: rows.every((r) => r.gap === 0),
  };
}

/** For messages: "apply" or "none". */
export function levelName(level: Level | null): string {
  return level ?? "none";
}
