// A learner's goals: a role or a catalogue item to reach by a date.
import { and, asc, eq } from "drizzle-orm";
import type { Framework, Goal, GoalStatus } from "./framework/types.js";
import type { TrackerStore } from "./store.js";
import { DataError } from "../common/errors.js";

export class GoalError extends DataError {
  override name = "GoalError";
}

type GoalRow = { id: number; learnerId: string; target: string; targetDate: string | null; status: GoalStatus };
const toGoal = (row: GoalRow): Goal => ({ id: row.id, learner: row.learnerId, target: row.target, targetDate: row.targetDate, status: row.status });

export async function addGoal(store: TrackerStore, framework: Framework, options: { learner: string; target: string; targetDate?: string | null }): Promise<Goal> {
  const known = [...framework.roles.map((r) => r.id), ...framework.catalogue.map((c) => c.id)];
  if (!known.includes(options.target))
    throw new GoalError(`unknown goal target "${options.target}": give a role (${framework.roles.map((r) => r.id).join(", ")}) or a catalogue item id (parallab catalogue lists them)`);
  if (options.targetDate && !/^\d{4}-\d{2}-\d{2}$/.test(options.targetDate)) throw new GoalError(`the target date must be YYYY-MM-DD, got "${options.targetDate}"`);
  return store.transaction(async ({ db, tables: { goals, learners } }) => {
    await db.insert(learners).values({ id: options.learner }).onConflictDoNothing();
    const [row] = await db
      .insert(goals)
      .values({ learnerId: options.learner, target: options.target, targetDate: options.targetDate ?? null })
      .returning();
    return toGoal(row!);
  });
}

export async function listGoals(store: TrackerStore, learner: string, status?: GoalStatus): Promise<Goal[]> {
  const rows = await store.transaction(
    ({ db, tables: { goals } }) => {
      const where = status ? and(eq(goals.learnerId, learner), eq(goals.status, status)) : eq(goals.learnerId, learner);
      return db.select().from(goals).where(where).orderBy(asc(goals.id));
    },
    { readOnly: true },
  );
  return rows.map(toGoal);
}

export async function setGoalStatus(store: TrackerStore, learner: string, id: number, status: GoalStatus): Promise<Goal> {
  const [row] = await store.transaction(({ db, tables: { goals } }) =>
    db
      .update(goals)
      .set({ status })
      .where(and(eq(goals.id, id), eq(goals.learnerId, learner)))
      .returning(),
  );
  if (!row) throw new GoalError(`learner "${learner}" has no goal ${id}: parallab goal list shows them`);
  return toGoal(row);
}
