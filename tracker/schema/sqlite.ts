// The tracker's tables for SQLite (drizzle-orm). tracker/migrations/sqlite is generated from this
// file by drizzle-kit (`npm run db:generate`, see drizzle.config.ts) and applied when the store
// opens. schema/pg.ts is the same tables for PostgreSQL: change both together (a test compares them).
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const createdAt = () => text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`);

export const learners = sqliteTable("learners", {
  id: text("id").primaryKey(),
  createdAt: createdAt(),
});

export const competencies = sqliteTable("competencies", {
  id: text("id").primaryKey(),
  area: text("area").notNull(),
  name: text("name").notNull(),
  description: text("description").notNull(),
  /** What evidence shows each level, as JSON { know, comprehend, apply }. */
  levels: text("levels", { mode: "json" }).notNull(),
});

export const roles = sqliteTable("roles", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  kind: text("kind", { enum: ["role", "certificate"] }).notNull(),
  description: text("description").notNull(),
});

/** A role's required level per competency; `industry` "" is the role's own, else a variant's. */
export const requirements = sqliteTable(
  "requirements",
  {
    roleId: text("role_id")
      .notNull()
      .references(() => roles.id, { onDelete: "cascade" }),
    industry: text("industry").notNull().default(""),
    competencyId: text("competency_id")
      .notNull()
      .references(() => competencies.id, { onDelete: "cascade" }),
    level: text("level", { enum: ["know", "comprehend", "apply"] }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.roleId, t.industry, t.competencyId] })],
);

export const notebooks = sqliteTable("notebooks", {
  id: text("id").primaryKey(),
  file: text("file").notNull(),
  title: text("title").notNull(),
  hours: integer("hours").notNull(),
  competencies: text("competencies", { mode: "json" }).notNull(),
  prerequisites: text("prerequisites", { mode: "json" }).notNull(),
});

export const checks = sqliteTable("checks", {
  id: text("id").primaryKey(),
  notebookId: text("notebook_id")
    .notNull()
    .references(() => notebooks.id, { onDelete: "cascade" }),
  competencyId: text("competency_id")
    .notNull()
    .references(() => competencies.id, { onDelete: "cascade" }),
  level: text("level", { enum: ["know", "comprehend", "apply"] }).notNull(),
  description: text("description").notNull(),
});

export const catalogue = sqliteTable("catalogue", {
  id: text("id").primaryKey(),
  kind: text("kind").notNull(),
  name: text("name").notNull(),
  url: text("url"),
  hours: integer("hours").notNull(),
  cost: text("cost").notNull(),
  month: integer("month"),
  competencies: text("competencies", { mode: "json" }).notNull(),
});

export const evidence = sqliteTable(
  "evidence",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    learnerId: text("learner_id")
      .notNull()
      .references(() => learners.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["check", "notebook", "certification", "course", "workshop", "conference", "self-assessment"] }).notNull(),
    ref: text("ref").notNull(),
    /** Where it comes from, how far it can be trusted: graded, checked, imported, external, self-assessed (PROVENANCES). */
    provenance: text("provenance", { enum: ["graded", "checked", "imported", "external", "self-assessed"] }).notNull(),
    competencyId: text("competency_id"),
    level: text("level", { enum: ["know", "comprehend", "apply"] }),
    source: text("source").notNull(),
    date: text("date").notNull(),
    /** Graded: sha256 of the solution cells; imported notebooks: of the file; "" when there is none (SQLite's unique index treats NULLs as distinct). */
    contentHash: text("content_hash").notNull().default(""),
    url: text("url"),
    createdAt: createdAt(),
  },
  // The same evidence recorded twice (a notebook ingested again) is one row; the same check
  // held as checked and later as graded, or graded for two different solutions, is two.
  (t) => [uniqueIndex("evidence_identity").on(t.learnerId, t.kind, t.ref, t.provenance, t.contentHash), index("evidence_learner").on(t.learnerId, t.date)],
);

export const goals = sqliteTable(
  "goals",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    learnerId: text("learner_id")
      .notNull()
      .references(() => learners.id, { onDelete: "cascade" }),
    target: text("target").notNull(),
    targetDate: text("target_date"),
    status: text("status", { enum: ["active", "done", "dropped"] })
      .notNull()
      .default("active"),
    createdAt: createdAt(),
  },
  (t) => [index("goals_learner").on(t.learnerId, t.status)],
);

/** Key/value facts about the database itself (the framework version it holds). */
export const meta = sqliteTable("meta", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});
