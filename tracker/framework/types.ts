// The skills framework as the tracker and its reports see it: competencies with levels,
// roles (and the certificate) that require levels, the curriculum of notebooks with their
// exercise checks, and a catalogue of continuing education. The data lives in skills/ (YAML);
// tracker/framework/load.ts validates it into these types.

/** The TCPP curriculum's Bloom levels, lowest first. */
export const LEVELS = ["know", "comprehend", "apply"] as const;
export type Level = (typeof LEVELS)[number];

/** 0 for no level, 1 know, 2 comprehend, 3 apply. */
export function levelRank(level: Level | null | undefined): number {
  return level ? LEVELS.indexOf(level) + 1 : 0;
}

export interface Competency {
  id: string;
  /** One of the area names listed under `areas` in skills/competencies.yaml, e.g. "GPU programming". */
  area: string;
  name: string;
  description: string;
  /** What evidence shows each level. */
  levels: Record<Level, string>;
}

export const INDUSTRIES = ["technology", "finance", "healthcare"] as const;
export type Industry = (typeof INDUSTRIES)[number];

export interface RoleVariant {
  industry: Industry;
  note: string;
  /** Levels that differ from the role's own (added or changed). */
  requires: Record<string, Level>;
}

export interface Role {
  id: string;
  name: string;
  /** "role" for a job, "certificate" for the certificate in parallel computing for ML. */
  kind: "role" | "certificate";
  description: string;
  /** Competency id → the level the role requires. */
  requires: Record<string, Level>;
  /** The provenances of evidence that count toward its requirements (roles.yaml `evidence:`). */
  evidence: Provenance[];
  variants: RoleVariant[];
}

export interface Check {
  /** Unique across the curriculum; what `%%check ID` names. */
  id: string;
  competency: string;
  level: Level;
  description: string;
}

export interface CurriculumNotebook {
  id: string;
  /** Path under notebooks/. */
  file: string;
  title: string;
  /** Competency id → the level the whole notebook evidences. */
  competencies: Record<string, Level>;
  checks: Check[];
  /** Notebook ids to do first. */
  prerequisites: string[];
  hours: number;
}

export const CATALOGUE_KINDS = ["conference", "workshop", "tutorial", "certification", "course", "forum"] as const;
export type CatalogueKind = (typeof CATALOGUE_KINDS)[number];
export const COST_BANDS = ["free", "low", "medium", "high"] as const;
export type CostBand = (typeof COST_BANDS)[number];

export interface CatalogueItem {
  id: string;
  kind: CatalogueKind;
  name: string;
  url: string | null;
  /** Competency id → the level taking part evidences. */
  competencies: Record<string, Level>;
  hours: number;
  cost: CostBand;
  /** The month it usually takes place (1–12), or null when it is any time (courses, forums). */
  month: number | null;
}

export interface Framework {
  competencies: Competency[];
  roles: Role[];
  curriculum: CurriculumNotebook[];
  catalogue: CatalogueItem[];
}

export const EVIDENCE_KINDS = ["check", "notebook", "certification", "course", "workshop", "conference", "self-assessment"] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/**
 * Where a piece of evidence comes from, which says how far it can be trusted:
 * - `graded`: `parallab grade` re-executed the learner's notebook with hidden tests;
 * - `checked`: a `%%check` passed live in the kernel;
 * - `imported`: `parallab record` read a check output from a notebook file (self-asserted);
 * - `external`: a certification, course, workshop or conference (`parallab evidence add`);
 * - `self-assessed`: the learner's own assessment.
 */
export const PROVENANCES = ["graded", "checked", "imported", "external", "self-assessed"] as const;
export type Provenance = (typeof PROVENANCES)[number];

/** The provenances of course evidence (checks and notebooks), strongest first. */
export const COURSE_PROVENANCES = ["graded", "checked", "imported"] as const satisfies readonly Provenance[];
export type CourseProvenance = (typeof COURSE_PROVENANCES)[number];

export function isCourseProvenance(p: Provenance): p is CourseProvenance {
  return (COURSE_PROVENANCES as readonly Provenance[]).includes(p);
}

/** `provenance` and the course provenances stronger than it (graded ≥ checked ≥ imported). */
export function provenanceOrStronger(provenance: CourseProvenance): CourseProvenance[] {
  return COURSE_PROVENANCES.slice(0, COURSE_PROVENANCES.indexOf(provenance) + 1);
}

/** 3 graded, 2 checked, 1 imported, 0 for evidence from outside the course. */
export function courseRank(provenance: Provenance): number {
  return isCourseProvenance(provenance) ? COURSE_PROVENANCES.length - COURSE_PROVENANCES.indexOf(provenance) : 0;
}

/** One piece of evidence, as the reports read it. */
export interface EvidenceRecord {
  learner: string;
  kind: EvidenceKind;
  /** The check id, notebook id or catalogue item id; free text for outside evidence. */
  ref: string;
  /** Set for evidence of one competency (a check, a self-assessment); null when `ref` says. */
  competency: string | null;
  level: Level | null;
  /** Where it came from: a notebook file, "kernel", a credential URL, … */
  source: string;
  /** ISO date (YYYY-MM-DD). */
  date: string;
  /** How far it can be trusted (see PROVENANCES). */
  provenance: Provenance;
  /** Graded evidence: the sha256 of the learner's solution cells; imported notebooks: of the file. */
  contentHash: string | null;
  url: string | null;
}

export const GOAL_STATUSES = ["active", "done", "dropped"] as const;
export type GoalStatus = (typeof GOAL_STATUSES)[number];

export interface Goal {
  id: number;
  learner: string;
  /** A role id or a catalogue item id. */
  target: string;
  targetDate: string | null;
  status: GoalStatus;
}
