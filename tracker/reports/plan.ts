// A study plan that closes a learner's gap to a role: the notebooks (with unmet prerequisites)
// and catalogue items to do, packed into weeks of `hoursPerWeek`. Pure apart from "today" as
// the default start when the caller passes neither `start` nor `today`.
import type { CatalogueItem, CatalogueKind, EvidenceRecord, Framework, Goal, Industry, Level, Role } from "../framework/types.js";
import { acceptedEvidence, assertIsoDate, completedNotebooks, evidenceAsOf, gapReport, prerequisiteOrder, reaches, type GapRow } from "./gap.js";
import { isoDate, today as todayIso } from "../../common/dates.js";

export interface PlanOptions {
  role: string;
  industry?: string | null;
  hoursPerWeek: number;
  /** ISO date of week 1's first day; defaults to `today`. */
  start?: string;
  /** ISO date: items that would end after it are left out and reported. */
  until?: string | null;
  /** Defaults to the one learner found in the evidence and goals. */
  learner?: string;
  /** ISO date the gap is measured on; defaults to the current date. */
  today?: string;
}

export type PlanKind = "notebook" | CatalogueKind;

/** One block of work in one week; an item longer than a week has one block per week. */
export interface PlanItem {
  week: number;
  /** ISO dates of the week's first and last day. */
  start: string;
  end: string;
  kind: PlanKind;
  id: string;
  title: string;
  /** Hours of this block. */
  hours: number;
  /** Required competencies whose gap the item closes. */
  competencies: string[];
  /** Block number of the item (1-based) and how many blocks it has. */
  part: number;
  parts: number;
}

export interface UnscheduledItem {
  kind: PlanKind;
  id: string;
  title: string;
  hours: number;
  competencies: string[];
  reason: string;
}

export interface PlanGoal {
  id: number;
  target: string;
  targetName: string;
  targetDate: string | null;
  /** When the plan reaches the target (its last block's end), null when it does not tell. */
  plannedEnd: string | null;
  /** plannedEnd ≤ targetDate, null when either is unknown. */
  onTrack: boolean | null;
}

export interface StudyPlan {
  learner: string;
  role: { id: string; name: string; kind: Role["kind"] };
  industry: Industry | null;
  start: string;
  until: string | null;
  hoursPerWeek: number;
  /** By week, then in plan order. */
  items: PlanItem[];
  /** What did not fit before `until` (or whose prerequisite did not). */
  unscheduled: UnscheduledItem[];
  /** Required competencies that nothing in the curriculum or catalogue closes. */
  unclosable: string[];
  goals: PlanGoal[];
  totalHours: number;
  /** Number of weeks used and the last one's end date (null for an empty plan). */
  weeks: number;
  end: string | null;
}

const DAY_MS = 86_400_000;
const EPS = 1e-9;
/** Without `until`, a usual month is looked for within a year of weeks. */
const MONTH_SEARCH_WEEKS = 53;

export function addDays(iso: string, days: number): string {
  return isoDate(new Date(Date.parse(`${iso}T00:00:00Z`) + days * DAY_MS));
}

export function weekStart(start: string, week: number): string {
  return addDays(start, 7 * (week - 1));
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

interface Needed {
  kind: PlanKind;
  id: string;
  title: string;
  hours: number;
  month: number | null;
  competencies: string[];
  prerequisites: string[];
}

/** Notebooks first (each gap's first unfinished notebook plus its unmet prerequisites), then the shortest catalogue item for gaps no notebook closes. */
function neededItems(framework: Framework, gaps: GapRow[], completed: ReadonlySet<string>): { items: Needed[]; unclosable: string[] } {
  const ordered = prerequisiteOrder(framework.curriculum);
  const byId = new Map(ordered.map((n) => [n.id, n]));
  const notebooks = new Set<string>();
  const add = (id: string): void => {
    const n = byId.get(id);
    if (!n || completed.has(id) || notebooks.has(id)) return;
    notebooks.add(id);
    n.prerequisites.forEach(add);
  };
  for (const row of gaps) {
    const first = ordered.find((n) => !completed.has(n.id) && reaches(n.competencies, row.competency, row.required));
    if (first) add(first.id);
  }
  const closes = (levels: Record<string, Level>): string[] => gaps.filter((g) => reaches(levels, g.competency, g.required)).map((g) => g.competency);
  const items: Needed[] = ordered
    .filter((n) => notebooks.has(n.id))
    .map((n) => ({ kind: "notebook", id: n.id, title: n.title, hours: n.hours, month: null, competencies: closes(n.competencies), prerequisites: n.prerequisites }));
  const chosen: CatalogueItem[] = [];
  const unclosable: string[] = [];
  for (const row of gaps) {
    const closedBy = (levels: Record<string, Level>) => reaches(levels, row.competency, row.required);
    if (items.some((i) => i.competencies.includes(row.competency)) || chosen.some((c) => closedBy(c.competencies))) continue;
    const best = framework.catalogue.filter((c) => closedBy(c.competencies)).reduce<CatalogueItem | null>((b, c) => (b === null || c.hours < b.hours ? c : b), null);
    if (best) chosen.push(best);
    else unclosable.push(row.competency);
  }
  for (const c of chosen) items.push({ kind: c.kind, id: c.id, title: c.name, hours: c.hours, month: c.month, competencies: closes(c.competencies), prerequisites: [] });
  return { items, unclosable };
}

/** Weekly capacities and the blocks placed so far. */
class Calendar {
  private free: number[] = [];
  constructor(
    private readonly hoursPerWeek: number,
    /** Last week that ends on or before `until`; Infinity without one. */
    readonly lastWeek: number,
  ) {}

  freeIn(week: number): number {
    return this.free[week] ?? this.hoursPerWeek;
  }

  /** Blocks for `hours` from `fromWeek` on, or null when they would run past the last week. */
  fit(hours: number, fromWeek: number): Array<{ week: number; hours: number }> | null {
    const blocks: Array<{ week: number; hours: number }> = [];
    let left = hours;
    let week = fromWeek;
    // A zero-hour item still needs a week to show up in.
    if (left <= EPS) blocks.push({ week, hours: 0 });
    while (left > EPS) {
      if (week > this.lastWeek) return null;
      const take = Math.min(this.freeIn(week), left);
      if (take > EPS) {
        blocks.push({ week, hours: take });
        left -= take;
      }
      if (left > EPS) week++;
    }
    return blocks[blocks.length - 1]!.week > this.lastWeek ? null : blocks;
  }

  commit(blocks: Array<{ week: number; hours: number }>): void {
    for (const b of blocks) this.free[b.week] = this.freeIn(b.week) - b.hours;
  }
}

function learnerOf(evidence: readonly EvidenceRecord[], goals: readonly Goal[], given?: string): string {
  if (given !== undefined) return given;
  const found = [...new Set([...evidence.map((e) => e.learner), ...goals.map((g) => g.learner)])];
  if (found.length > 1) throw new Error(`studyPlan: evidence and goals name several learners (${found.join(", ")}); pass options.learner`);
  return found[0] ?? "";
}

export function studyPlan(framework: Framework, evidence: readonly EvidenceRecord[], goals: readonly Goal[], options: PlanOptions): StudyPlan {
  if (!(options.hoursPerWeek > 0) || !Number.isFinite(options.hoursPerWeek)) throw new Error(`hoursPerWeek must be a positive number, got ${options.hoursPerWeek}`);
  const today = options.today ?? todayIso();
  const start = options.start ?? today;
  assertIsoDate(start, "start");
  const until = options.until ?? null;
  if (until !== null) assertIsoDate(until, "until");
  const learner = learnerOf(evidence, goals, options.learner);

  const gap = gapReport(framework, evidence, { role: options.role, industry: options.industry, learner, today });
  // Notebooks done with evidence the role does not count (checked, for the certificate) are still to do.
  const completed = completedNotebooks(acceptedEvidence(evidenceAsOf(evidence, learner, today), gap.accepts));
  const { items: needed, unclosable } = neededItems(
    framework,
    gap.rows.filter((r) => r.gap > 0),
    completed,
  );

  const lastWeek = until === null ? Infinity : Math.floor((Date.parse(`${until}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`) + DAY_MS) / (7 * DAY_MS));
  const calendar = new Calendar(options.hoursPerWeek, lastWeek);
  const placed = new Map<string, Array<{ week: number; hours: number }>>();
  const unscheduled: UnscheduledItem[] = [];
  const key = (n: Needed): string => `${n.kind}:${n.id}`;
  const skip = (n: Needed, reason: string): void => {
    unscheduled.push({ kind: n.kind, id: n.id, title: n.title, hours: n.hours, competencies: n.competencies, reason });
  };

  // Events with a usual month go first: they happen when they happen, and the rest flows around them.
  const sequential: Needed[] = [];
  for (const n of needed) {
    if (n.month === null) {
      sequential.push(n);
      continue;
    }
    const horizon = Math.min(lastWeek, MONTH_SEARCH_WEEKS);
    let blocks: Array<{ week: number; hours: number }> | null = null;
    for (let w = 1; w <= horizon && !blocks; w++) {
      const month = Number(weekStart(start, w).slice(5, 7));
      if (month === n.month && (calendar.freeIn(w) > EPS || n.hours <= EPS)) blocks = calendar.fit(n.hours, w);
    }
    if (blocks) {
      calendar.commit(blocks);
      placed.set(key(n), blocks);
    } else sequential.push(n); // no week of its month in reach: schedule it like any other item
  }

  // The cursor only moves forward, so every notebook starts after its prerequisites.
  let cursor = 1;
  for (const n of sequential) {
    const missing = n.prerequisites.find((p) => unscheduled.some((u) => u.kind === "notebook" && u.id === p));
    if (missing) {
      skip(n, `prerequisite ${missing} does not fit`);
      continue;
    }
    const blocks = calendar.fit(n.hours, cursor);
    if (!blocks) {
      skip(n, until === null ? "does not fit" : `does not fit before ${until}`);
      continue;
    }
    calendar.commit(blocks);
    placed.set(key(n), blocks);
    cursor = blocks[blocks.length - 1]!.week;
  }

  const order = new Map(needed.map((n, i) => [key(n), i]));
  const items: PlanItem[] = needed
    .flatMap((n) =>
      (placed.get(key(n)) ?? []).map((b, i, all) => ({
        week: b.week,
        start: weekStart(start, b.week),
        end: addDays(weekStart(start, b.week), 6),
        kind: n.kind,
        id: n.id,
        title: n.title,
        hours: round2(b.hours),
        competencies: n.competencies,
        part: i + 1,
        parts: all.length,
      })),
    )
    .sort((a, b) => a.week - b.week || order.get(`${a.kind}:${a.id}`)! - order.get(`${b.kind}:${b.id}`)!);

  const weeks = items.reduce((m, i) => Math.max(m, i.week), 0);
  const end = weeks > 0 ? addDays(weekStart(start, weeks), 6) : null;
  const allFit = unscheduled.length === 0 && unclosable.length === 0;
  const goalRows: PlanGoal[] = goals
    .filter((g) => g.learner === learner && g.status === "active")
    .map((g) => {
      const role = framework.roles.find((r) => r.id === g.target);
      const item = framework.catalogue.find((c) => c.id === g.target);
      let plannedEnd: string | null = null;
      if (g.target === gap.role.id) plannedEnd = allFit ? (end ?? start) : null;
      else if (item) plannedEnd = items.filter((i) => i.kind === item.kind && i.id === item.id).at(-1)?.end ?? null;
      const onTrack = plannedEnd !== null && g.targetDate !== null ? plannedEnd <= g.targetDate : null;
      return { id: g.id, target: g.target, targetName: role?.name ?? item?.name ?? g.target, targetDate: g.targetDate, plannedEnd, onTrack };
    });

  return {
    learner,
    role: gap.role,
    industry: gap.industry,
    start,
    until,
    hoursPerWeek: options.hoursPerWeek,
    items,
    unscheduled,
    unclosable,
    goals: goalRows,
    totalHours: round2(items.reduce((s, i) => s + i.hours, 0)),
    weeks,
    end,
  };
}
