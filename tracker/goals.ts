// A learner's goals: a role or a catalogue item to reach by a date.
import { and, asc, eq } from "drizzle-orm";
import type { Framework, Goal, GoalStatus } from "./framework/types.js";
import { goals, learners } from "./schema.js";
import type { TrackerDb } from "./store.js";

export class GoalError extends Error {
  override name = "GoalError";
}

export function addGoal(db: TrackerDb, framework: Framework, options: { learner: string; target: string; targetDate?: string | null }): Goal {
  const known = [...framework.roles.map((r) => r.id), ...framework.catalogue.map((c) => c.id)];
  if (!known.includes(options.target)) throw new GoalError(`unknown goal target "${options.target}": give a role (${framework.roles.map((r) => r.id).join(", ")}) or a catalogue item id (parallab catalogue lists them)`);
  if (options.targetDate && !/^\d{4}-\d{2}-\d{2}$/.test(options.targetDate)) throw new GoalError(`the target date must be YYYY-MM-DD, got "${options.targetDate}"`);
  db.insert(learners).values({ id: options.learner }).onConflictDoNothing().run();
  const row = db.insert(goals).values({ learnerId: options.learner, target: options.target, targetDate: options.targetDate ?? null }).returning().get();
  return { id: row.id, learner: row.learnerId, target: row.target, targetDate: row.targetDate, status: row.status };
}

export function listGoals(db: TrackerDb, learner: string, status?: GoalStatus): Goal[] {
  const where = status ? and(eq(goals.learnerId, learner), eq(goals.status, status)) : eq(goals.learnerId, learner);
  return db.select().from(goals).where(where).orderBy(asc(goals.id)).all().map((g) => ({ id: g.id, learner: g.learnerId, target: g.target, targetDate: g.targetDate, status: g.status }));
}

export function setGoalStatus(db: TrackerDb, learner: string, id: number, status: GoalStatus): Goal {
  const row = db.update(goals).set({ status }).where(and(eq(goals.id, id), eq(goals.learnerId, learner))).returning().get();
  if (!row) throw new GoalError(`learner "${learner}" has no goal ${id}: parallab goal list shows them`);
  return { id: row.id, learner: row.learnerId, target: row.target, targetDate: row.targetDate, status: row.status };
}
