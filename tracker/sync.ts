// Puts the skills framework (skills/*.yaml) into the database, in one transaction, when it
// changed since the last time: the tables of the framework are replaced as a whole, so that an
// edited or removed entry never lingers. Evidence and goals are the learner's and stay.
import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Framework } from "./framework/types.js";
import { catalogue, checks, competencies, meta, notebooks, requirements, roles } from "./schema.js";
import type { TrackerDb } from "./store.js";

const HASH_KEY = "framework_sha256";

export function frameworkHash(framework: Framework): string {
  return createHash("sha256").update(JSON.stringify(framework)).digest("hex");
}

/** Returns true when the database's framework was replaced. */
export function syncFramework(db: TrackerDb, framework: Framework): boolean {
  const hash = frameworkHash(framework);
  const stored = db.select().from(meta).where(eq(meta.key, HASH_KEY)).get();
  if (stored?.value === hash) return false;
  db.transaction((tx) => {
    for (const table of [requirements, checks, notebooks, roles, catalogue, competencies]) tx.delete(table).run();
    for (const c of framework.competencies) tx.insert(competencies).values({ id: c.id, area: c.area, name: c.name, description: c.description, levels: c.levels }).run();
    for (const r of framework.roles) {
      tx.insert(roles).values({ id: r.id, name: r.name, kind: r.kind, description: r.description }).run();
      for (const [competencyId, level] of Object.entries(r.requires)) tx.insert(requirements).values({ roleId: r.id, industry: "", competencyId, level }).run();
      for (const v of r.variants) for (const [competencyId, level] of Object.entries(v.requires)) tx.insert(requirements).values({ roleId: r.id, industry: v.industry, competencyId, level }).run();
    }
    for (const n of framework.curriculum) {
      tx.insert(notebooks).values({ id: n.id, file: n.file, title: n.title, hours: n.hours, competencies: n.competencies, prerequisites: n.prerequisites }).run();
      for (const c of n.checks) tx.insert(checks).values({ id: c.id, notebookId: n.id, competencyId: c.competency, level: c.level, description: c.description }).run();
    }
    for (const item of framework.catalogue) tx.insert(catalogue).values({ id: item.id, kind: item.kind, name: item.name, url: item.url, hours: item.hours, cost: item.cost, month: item.month, competencies: item.competencies }).run();
    tx.insert(meta).values({ key: HASH_KEY, value: hash }).onConflictDoUpdate({ target: meta.key, set: { value: hash } }).run();
  });
  return true;
}
