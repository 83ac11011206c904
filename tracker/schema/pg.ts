// The tracker's tables for PostgreSQL (drizzle-orm): column for column the tables of
// schema/sqlite.ts, so that one body of queries (tracker/evidence.ts, goals.ts, …) serves both.
// Dates stay ISO text and JSON is jsonb; tracker/migrations/pg is generated from this file by
// drizzle-kit (`npm run db:generate`, see drizzle.config.ts).
import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";

// The same text SQLite's default writes (2026-11-29T08:00:00.000Z), so that rows read alike.
const createdAt = () => text("created_at").notNull().default(sql`to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

export const learners = pgTable("learners", {
  id: text("id").primaryKey(),
  createdAt: createdAt(),
});

export const competencies = pgTable("competencies", {
  id: text("id").primaryKey(),
  area: text("area").notNull(),
  name: text("name").notNull(),
  description: text("description").notNull(),
  /** What evidence shows each level, { know, comprehend, apply }. */
  levels: jsonb("levels").notNull(),
});

export const roles = pgTable("roles", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  kind: text("kind", { enum: ["role", "certificate"] }).notNull(),
  description: text("description").notNull(),
});

/** A role's required level per competency; `industry` "" is the role's own, else a variant's. */
export const requirements = pgTable(
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

export const notebooks = pgTable("notebooks", {
  id: text("id").primaryKey(),
  file: text("file").notNull(),
  title: text("title").notNull(),
  hours: integer("hours").notNull(),
  competencies: jsonb("competencies").notNull(),
  prerequisites: jsonb("prerequisites").notNull(),
});

export const checks = pgTable("checks", {
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

export const catalogue = pgTable("catalogue", {
  id: text("id").primaryKey(),
  kind: text("kind").notNull(),
  name: text("name").notNull(),
  url: text("url"),
  hours: integer("hours").notNull(),
  cost: text("cost").notNull(),
  month: integer("month"),
  competencies: jsonb("competencies").notNull(),
});

export const evidence = pgTable(
  "evidence",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
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
    /** Graded: sha256 of the solution cells; imported notebooks: of the file; "" when there is none (a unique index treats NULLs as distinct). */
    contentHash: text("content_hash").notNull().default(""),
    url: text("url"),
    createdAt: createdAt(),
  },
  // The same evidence recorded twice (a notebook ingested again, two kernels at once) is one
  // row; the same check held as checked and later as graded, or graded for two different
  // solutions, is two.
  (t) => [uniqueIndex("evidence_identity").on(t.learnerId, t.kind, t.ref, t.provenance, t.contentHash), index("evidence_learner").on(t.learnerId, t.date)],
);

export const goals = pgTable(
  "goals",
  {
    id: integer("id").primaryKey().generatedByDefaultAsIdentity(),
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
export const meta = pgTable("meta", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});
