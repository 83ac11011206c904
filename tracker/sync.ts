// Puts the skills framework (skills/*.yaml) into the database, in one transaction, when it
// changed since the last time: the tables of the framework are replaced as a whole, so that an
// edited or removed entry never lingers. Evidence and goals are the learner's and stay.
import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Framework } from "./framework/types.js";
import type { TrackerStore, TrackerTx } from "./store.js";

const HASH_KEY = "framework_sha256";

export function frameworkHash(framework: Framework): string {
  return createHash("sha256").update(JSON.stringify(framework)).digest("hex");
}

async function storedHash({ db, tables: { meta } }: TrackerTx): Promise<string | undefined> {
  const [row] = await db.select().from(meta).where(eq(meta.key, HASH_KEY));
  return row?.value;
}

/** Returns true when the database's framework was replaced. */
export async function syncFramework(store: TrackerStore, framework: Framework): Promise<boolean> {
  const hash = frameworkHash(framework);
  // The usual case, the framework unchanged, only reads.
  if ((await store.transaction(storedHash, { readOnly: true })) === hash) return false;
  return store.transaction(async (tx) => {
    // Asked again inside the write: of several processes starting at once, one replaces it.
    if ((await storedHash(tx)) === hash) return false;
    const { db, tables: t } = tx;
    for (const table of [t.requirements, t.checks, t.notebooks, t.roles, t.catalogue, t.competencies]) await db.delete(table);
    const requirements = framework.roles.flatMap((r) => [
      ...Object.entries(r.requires).map(([competencyId, level]) => ({ roleId: r.id, industry: "", competencyId, level })),
      ...r.variants.flatMap((v) => Object.entries(v.requires).map(([competencyId, level]) => ({ roleId: r.id, industry: v.industry, competencyId, level }))),
    ]);
    const checks = framework.curriculum.flatMap((n) => n.checks.map((c) => ({ id: c.id, notebookId: n.id, competencyId: c.competency, level: c.level, description: c.description })));
    // Multi-row inserts: one round trip per table on PostgreSQL. drizzle refuses an empty list.
    const some = <R>(rows: R[]) => rows.length > 0;
    if (some(framework.competencies))
      await db.insert(t.competencies).values(framework.competencies.map((c) => ({ id: c.id, area: c.area, name: c.name, description: c.description, levels: c.levels })));
    if (some(framework.roles)) await db.insert(t.roles).values(framework.roles.map((r) => ({ id: r.id, name: r.name, kind: r.kind, description: r.description })));
    if (some(requirements)) await db.insert(t.requirements).values(requirements);
    if (some(framework.curriculum))
      await db.insert(t.notebooks).values(framework.curriculum.map((n) => ({ id: n.id, file: n.file, title: n.title, hours: n.hours, competencies: n.competencies, prerequisites: n.prerequisites })));
    if (some(checks)) await db.insert(t.checks).values(checks);
    if (some(framework.catalogue))
      await db
        .insert(t.catalogue)
        .values(framework.catalogue.map((i) => ({ id: i.id, kind: i.kind, name: i.name, url: i.url, hours: i.hours, cost: i.cost, month: i.month, competencies: i.competencies })));
    await db
      .insert(t.meta)
      .values({ key: HASH_KEY, value: hash })
      .onConflictDoUpdate({ target: t.meta.key, set: { value: hash } });
    return true;
  });
}
