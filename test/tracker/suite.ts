// The tracker's test suite, written once and run on each dialect (test/tracker.sqlite.test.ts,
// test/tracker.postgres.test.ts), as drizzle-orm does: migrations (and the rows an older
// database carries over), the framework, %%check through a real kernel, `parallab record` of
// executed notebooks, the provenance of every kind of evidence, reports and plans from the CLI,
// the gradebook, goals, evidence, all-or-nothing transactions, and several processes writing at once.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { and, count, eq, like, type SQL } from "drizzle-orm";
import { getTableConfig as pgTableConfig, type PgTable } from "drizzle-orm/pg-core";
import { getTableConfig as sqliteTableConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";
import { afterAll, describe, expect, it } from "vitest";
import { runNotebook, writeNotebook } from "../../cli/run-notebook.js";
import { addEvidence, evidenceOf, insertEvidence, recordCheck, recordGradedNotebook } from "../../tracker/evidence.js";
import { loadFramework, SKILLS_DIR } from "../../tracker/framework/load.js";
import * as pgSchema from "../../tracker/schema/pg.js";
import * as sqliteSchema from "../../tracker/schema/sqlite.js";
import { openTracker, type TrackerTables } from "../../tracker/store.js";
import { syncFramework } from "../../tracker/sync.js";
import { startKernel, type TestKernel } from "../helpers/kernel.js";
import { solvedNotebook, solvedUpTo } from "../helpers/course.js";
import { migrationCount, migrationsBefore } from "../helpers/migrations.js";

export interface TrackerBackend {
  dialect: "sqlite" | "postgres";
  /** A new, empty database: the PARALLAB_DB value that names it. */
  database(name: string): Promise<string>;
  /** How many migrations the database records as applied (drizzle's own table). */
  appliedMigrations(location: string): Promise<number>;
  /** A new database migrated with only the migrations in `migrationsFolder` (an older schema). */
  databaseAt(name: string, migrationsFolder: string): Promise<string>;
  /** Runs plain SQL statements on it, in one transaction. */
  execute(location: string, statements: string[]): Promise<void>;
}

const ROOT = path.join(import.meta.dirname, "..", "..");
const CLI = path.join(ROOT, "dist", "cli", "parallab.js");
const dist = (file: string) => JSON.stringify(path.join(ROOT, "dist", "tracker", file));
/** A solution's sha256, as `parallab grade` hashes the solution cells. */
const sha = (text: string) => createHash("sha256").update(text).digest("hex");

export function cli(args: string[], env: Record<string, string>): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Rows of a table, through the store itself (the same query on both dialects). */
async function rows(location: string, table: keyof TrackerTables, where?: (t: TrackerTables) => SQL | undefined): Promise<number> {
  const store = await openTracker(location);
  try {
    return await store.transaction(
      async ({ db, tables }) => {
        const [r] = await db
          .select({ n: count() })
          .from(tables[table] as typeof tables.evidence)
          .where(where?.(tables));
        return r!.n;
      },
      { readOnly: true },
    );
  } finally {
    await store.close();
  }
}

export function trackerSuite(backend: TrackerBackend): void {
  const scratch = mkdtempSync(path.join(os.tmpdir(), `parallab-tracker-${backend.dialect}-`));
  const migrations = migrationCount(backend.dialect === "sqlite" ? "sqlite" : "pg");
  const kernels: TestKernel[] = [];
  afterAll(async () => {
    for (const k of kernels) await k.stop();
  });

  describe("the schema", () => {
    it("has the same tables, columns and indexes in both dialects", () => {
      const shape = (config: {
        name: string;
        columns: { name: string; notNull: boolean; primary: boolean; hasDefault: boolean }[];
        indexes: { config: { name?: string; unique: boolean } }[];
        primaryKeys: { columns: { name: string }[] }[];
        foreignKeys: unknown[];
      }) => ({
        name: config.name,
        columns: config.columns.map((c) => [c.name, c.notNull, c.primary, c.hasDefault]).sort(),
        indexes: config.indexes.map((i) => [i.config.name, i.config.unique]).sort(),
        primaryKeys: config.primaryKeys.map((k) => k.columns.map((c) => c.name)),
        foreignKeys: config.foreignKeys.length,
      });
      expect(Object.keys(pgSchema).sort()).toEqual(Object.keys(sqliteSchema).sort());
      for (const name of Object.keys(sqliteSchema) as (keyof typeof sqliteSchema)[]) {
        // biome-ignore lint/performance/noDynamicNamespaceImportAccess: every table of both schemas, by name
        expect(shape(pgTableConfig(pgSchema[name] as PgTable)), name).toEqual(shape(sqliteTableConfig(sqliteSchema[name] as SQLiteTable)));
      }
    });
  });

  describe("the store", () => {
    it("migrates an empty database, and opening it again changes nothing", async () => {
      const location = await backend.database("empty");
      const first = await openTracker(location);
      expect(first.dialect).toBe(backend.dialect);
      await first.close();
      for (const table of ["catalogue", "checks", "competencies", "evidence", "goals", "learners", "meta", "notebooks", "requirements", "roles"] as const)
        expect(await rows(location, table), table).toBe(0);
      const again = await openTracker(location);
      await again.close();
      expect(await backend.appliedMigrations(location)).toBe(migrations);
    });

    it("loads the framework once, and a broken skills file writes nothing", async () => {
      const location = await backend.database("framework");
      const t = await openTracker(location);
      const framework = loadFramework();
      expect(await syncFramework(t, framework)).toBe(true);
      expect(await syncFramework(t, framework)).toBe(false);
      await t.close();
      expect(await rows(location, "checks")).toBe(framework.curriculum.reduce((n, nb) => n + nb.checks.length, 0));
      expect(await rows(location, "requirements")).toBe(framework.roles.reduce((n, r) => n + Object.keys(r.requires).length + r.variants.reduce((m, v) => m + Object.keys(v.requires).length, 0), 0));
      const broken = path.join(scratch, "skills-broken");
      cpSync(SKILLS_DIR, broken, { recursive: true });
      writeFileSync(path.join(broken, "roles.yaml"), readFileSync(path.join(broken, "roles.yaml"), "utf8").replace(/shared-memory-programming: apply/, "shared-memory-programing: apply"));
      const r = cli(["gap", "--role", "hpc-specialist"], { PARALLAB_DB: location, PARALLAB_SKILLS: broken, PARALLAB_LEARNER: "nobody" });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /roles\.yaml: roles\[\d+\] \([\w-]+\)\.requires\.shared-memory-programing: unknown competency "shared-memory-programing" \(did you mean "shared-memory-programming"\?\)/,
      );
      expect(await rows(location, "learners")).toBe(0);
    });

    it("writes all of a transaction or none of it", async () => {
      const location = await backend.database("atomic");
      const store = await openTracker(location);
      const row = { learner: "ada", kind: "workshop", ref: "half-written", competency: "python", level: "know", source: "test", date: "2026-01-01", provenance: "external" } as const;
      await expect(
        store.transaction(async (tx) => {
          expect(await insertEvidence(tx, [row])).toBe(1);
          throw new Error("fails midway");
        }),
      ).rejects.toThrow("fails midway");
      // The store still works after the rollback, and the same row is new to it.
      expect(await addEvidence(store, [row, { ...row, ref: "whole" }])).toBe(2);
      expect(await addEvidence(store, [row])).toBe(0);
      await store.close();
      expect(await rows(location, "evidence")).toBe(2);
    });
  });

  describe("%%check in the kernel", () => {
    it("records evidence when the course's check passes, and nothing when it fails", async () => {
      const location = await backend.database("kernel");
      const k = await startKernel({ env: { PARALLAB_DB: location, PARALLAB_LEARNER: "grace" } });
      kernels.push(k);
      const welcome = solvedUpTo("00-welcome", "00-welcome.measure");
      // Before the exercise was done, the course's check fails and records nothing.
      const failed = await k.client.execute(welcome.check);
      expect(failed.reply.content).toMatchObject({ status: "error" });
      expect(await rows(location, "evidence")).toBe(0);
      for (const cell of welcome.before) expect((await k.client.execute(cell, { timeoutMs: 120_000 })).reply.content).toMatchObject({ status: "ok" });
      const passed = await k.client.execute(welcome.check, { timeoutMs: 120_000 });
      expect(passed.reply.content).toMatchObject({ status: "ok" });
      const shown = passed.outputs
        .filter((m) => m.header.msg_type === "display_data")
        .map((m) => m.content as { data: Record<string, unknown> })
        .find((c) => c.data["application/vnd.parallab.check+json"])!;
      expect(shown.data["text/plain"]).toBe(
        "✓ check 00-welcome.measure passed: counts toward Benchmarking and optimisation (know); recorded as checked for grace; every check of 00-welcome has passed.",
      );
      expect(shown.data["application/vnd.parallab.check+json"]).toMatchObject({ check: "00-welcome.measure", passed: true, mode: "check", edited: false });
      // Passed live in the kernel: checked (the check, and the notebook it completes).
      expect(
        await rows(location, "evidence", (t) => and(eq(t.evidence.learnerId, "grace"), eq(t.evidence.kind, "check"), eq(t.evidence.ref, "00-welcome.measure"), eq(t.evidence.provenance, "checked"))),
      ).toBe(1);
      expect(
        await rows(location, "evidence", (t) => and(eq(t.evidence.learnerId, "grace"), eq(t.evidence.kind, "notebook"), eq(t.evidence.ref, "00-welcome"), eq(t.evidence.provenance, "checked"))),
      ).toBe(1);
      expect(await rows(location, "evidence")).toBe(2);
      // %skills reads it back: the gap report shows the evidence just recorded.
      const skills = await k.client.execute("%skills");
      expect(skills.reply.content).toMatchObject({ status: "ok" });
      const report = skills.outputs.find((m) => m.header.msg_type === "display_data")!.content as { data: Record<string, string> };
      expect(report.data["text/plain"]).toContain("00-welcome.measure");
    });
  });

  describe("parallab record", () => {
    const nb = path.join(scratch, "welcome-executed.ipynb");
    let location = "";

    it("ingests executed notebooks idempotently", async () => {
      // Execute a notebook whose cells pass a check, in a kernel writing to another database.
      const source = path.join(scratch, "exercise.ipynb");
      writeFileSync(source, JSON.stringify(solvedNotebook("00-welcome")));
      const previous = process.env.PARALLAB_DB;
      process.env.PARALLAB_DB = await backend.database("executor");
      try {
        const { notebook, failed } = await runNotebook(source);
        expect(failed).toBeNull();
        writeNotebook(nb, notebook);
      } finally {
        if (previous === undefined) delete process.env.PARALLAB_DB;
        else process.env.PARALLAB_DB = previous;
      }
      location = await backend.database("record");
      const env = { PARALLAB_DB: location, PARALLAB_LEARNER: "alan" };
      const first = cli(["record", nb, "--json"], env);
      expect(first.code, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout).notebooks[0]).toMatchObject({ passed: ["00-welcome.measure"], inserted: 2, completed: ["00-welcome"] });
      const second = cli(["record", nb, "--json"], env);
      expect(JSON.parse(second.stdout).notebooks[0]).toMatchObject({ inserted: 0 });
      expect(await rows(location, "evidence")).toBe(2);
      // Read from a file: imported, though the kernel that ran it had checked it.
      expect(await rows(location, "evidence", (t) => eq(t.evidence.provenance, "imported"))).toBe(2);
    });

    it("refuses a malformed notebook clearly and leaves the database as it was", async () => {
      const bad = path.join(scratch, "broken.ipynb");
      writeFileSync(bad, '{"nbformat": 4, "cells": [');
      const before = await rows(location, "evidence");
      const other = path.join(scratch, "copy.ipynb");
      copyFileSync(nb, other);
      writeFileSync(
        other,
        readFileSync(other, "utf8")
          .replace('"cells"', '"cells" ')
          .replace(/"execution_count": \d+/, '"execution_count": 7'),
      );
      const r = cli(["record", other, bad], { PARALLAB_DB: location, PARALLAB_LEARNER: "alan" });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/broken\.ipynb: not a notebook: the file is not valid JSON/);
      expect(await rows(location, "evidence")).toBe(before);
    });
  });

  describe("reports, plans, goals and evidence from the CLI", () => {
    const env = { PARALLAB_DB: "", PARALLAB_LEARNER: "linus" };

    it("gives the known gap for known evidence", async () => {
      env.PARALLAB_DB = await backend.database("reports");
      expect(cli(["evidence", "add", "self-assessment", "reading-group", "--competency", "shared-memory-programming", "--level", "apply", "--date", "2026-01-10"], env).code).toBe(0);
      const r = cli(["gap", "--role", "hpc-specialist", "--format", "json"], env);
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as { rows: { competency: string; required: string; evidenced: string | null; gap: number; next: { id: string } | null }[]; readiness: number };
      const row = report.rows.find((x) => x.competency === "shared-memory-programming")!;
      // A self-assessment shows at most "comprehend": one level short of "apply".
      expect(row).toMatchObject({ required: "apply", evidenced: "comprehend", gap: 1 });
      expect(row.next?.id).toBe("02-shared-memory-parallel-map");
      expect(report.readiness).toBeGreaterThan(0);
      expect(cli(["gap", "--role", "astronaut"], env)).toMatchObject({ code: 2 });
      expect(cli(["gap"], env).code).toBe(1);
    });

    it("plans weeks as CSV that parses back, and as iCalendar", () => {
      expect(cli(["goal", "add", "hpc-specialist", "--by", "2027-06-30"], env).code).toBe(0);
      const csv = cli(["plan", "--role", "hpc-specialist", "--hours-per-week", "5", "--start", "2027-01-04", "--format", "csv"], env);
      expect(csv.code, csv.stderr).toBe(0);
      const rows = parse(csv.stdout, { columns: true }) as { week: string; start: string; kind: string; id: string; hours: string }[];
      expect(rows[0]).toMatchObject({ week: "1", start: "2027-01-04" });
      expect(rows.every((r) => Number(r.hours) > 0 && Number(r.hours) <= 5)).toBe(true);
      const ids = rows.map((r) => r.id);
      expect(ids.indexOf("01-parallel-thinking")).toBeLessThan(ids.indexOf("02-shared-memory-parallel-map"));
      const ics = cli(["plan", "--role", "hpc-specialist", "--hours-per-week", "5", "--start", "2027-01-04", "--format", "ics"], env);
      expect(ics.stdout).toMatch(/^BEGIN:VCALENDAR\r\n/);
      expect(ics.stdout).toContain("BEGIN:VTODO");
    });

    it("manages goals with --json, and the badge waits until the certificate is met", () => {
      const list = JSON.parse(cli(["goal", "list", "--json"], env).stdout) as { id: number; target: string; status: string }[];
      expect(list).toMatchObject([{ target: "hpc-specialist", status: "active" }]);
      expect(JSON.parse(cli(["goal", "done", String(list[0]!.id), "--json"], env).stdout)).toMatchObject({ status: "done" });
      expect(cli(["goal", "done", "999"], env).code).toBe(2);
      expect(JSON.parse(cli(["goal", "list", "--all", "--json"], env).stdout)).toMatchObject([{ target: "hpc-specialist", status: "done" }]);
      const badge = cli(["badge"], env);
      expect(badge.code).toBe(2);
      expect(badge.stderr).toMatch(/does not meet certificate-parallel-ml/);
    });
  });

  describe("the migration to provenance", () => {
    it("carries every row of an older database over, each kind with its provenance", async () => {
      const location = await backend.databaseAt("before-provenance", migrationsBefore(backend.dialect === "sqlite" ? "sqlite" : "pg", "0001_provenance"));
      expect(await backend.appliedMigrations(location)).toBe(1);
      const hash = sha("the notebook file");
      // Rows as the tracker wrote them before evidence had a provenance, in plain SQL.
      await backend.execute(location, [
        "insert into learners (id) values ('ada'), ('bob')",
        `insert into evidence (learner_id, kind, ref, competency_id, level, source, date, content_hash, url) values
          ('ada', 'check', '00-welcome.measure', 'performance-optimization', 'know', 'kernel', '2026-01-02', '', null),
          ('ada', 'notebook', '00-welcome', null, null, 'welcome.ipynb', '2026-01-02', '${hash}', null),
          ('ada', 'certification', 'nvidia-dli-cuda-cpp', null, null, 'cli', '2026-01-03', '', 'https://example.org/cert/1'),
          ('ada', 'course', 'a-course', 'python', 'know', 'cli', '2026-01-04', '', null),
          ('bob', 'workshop', 'atpesc', null, null, 'cli', '2026-01-05', '', null),
          ('bob', 'conference', 'sc-conference', null, null, 'cli', '2026-01-06', '', null),
          ('bob', 'self-assessment', 'reading', 'python', 'comprehend', 'cli', '2026-01-07', '', null)`,
        "insert into goals (learner_id, target, target_date) values ('ada', 'ml-engineer', '2027-06-30')",
      ]);
      // Opening it applies the migration.
      const store = await openTracker(location);
      try {
        const base = { competency: null, level: null, source: "cli", url: null, contentHash: null };
        expect(await evidenceOf(store, "ada")).toEqual([
          { ...base, learner: "ada", kind: "check", ref: "00-welcome.measure", competency: "performance-optimization", level: "know", source: "kernel", date: "2026-01-02", provenance: "imported" },
          { ...base, learner: "ada", kind: "notebook", ref: "00-welcome", source: "welcome.ipynb", date: "2026-01-02", provenance: "imported", contentHash: hash },
          { ...base, learner: "ada", kind: "certification", ref: "nvidia-dli-cuda-cpp", date: "2026-01-03", provenance: "external", url: "https://example.org/cert/1" },
          { ...base, learner: "ada", kind: "course", ref: "a-course", competency: "python", level: "know", date: "2026-01-04", provenance: "external" },
        ]);
        expect(await evidenceOf(store, "bob")).toEqual([
          { ...base, learner: "bob", kind: "workshop", ref: "atpesc", date: "2026-01-05", provenance: "external" },
          { ...base, learner: "bob", kind: "conference", ref: "sc-conference", date: "2026-01-06", provenance: "external" },
          { ...base, learner: "bob", kind: "self-assessment", ref: "reading", competency: "python", level: "comprehend", date: "2026-01-07", provenance: "self-assessed" },
        ]);
        // The new identity: the carried-over check is imported evidence (recording it so again
        // adds no check), and the same check checked is a row of its own, as is the notebook.
        const framework = loadFramework();
        expect(await recordCheck(store, framework, { learner: "ada", check: "00-welcome.measure", source: "kernel", provenance: "imported", date: "2026-02-01" })).toMatchObject({ inserted: false });
        expect(await recordCheck(store, framework, { learner: "ada", check: "00-welcome.measure", source: "kernel", provenance: "checked", date: "2026-02-01" })).toMatchObject({
          inserted: true,
          notebookCompleted: true,
        });
      } finally {
        await store.close();
      }
      expect(await backend.appliedMigrations(location)).toBe(migrations);
      // The seven carried over; the notebook imported without a file hash; the check and notebook checked.
      expect(await rows(location, "evidence")).toBe(10);
      expect(await rows(location, "goals")).toBe(1);
      expect(await rows(location, "learners")).toBe(2);
    });
  });

  describe("provenance", () => {
    const framework = loadFramework();
    // A notebook of four checks: 02-shared-memory-parallel-map.
    const notebook = framework.curriculum.find((n) => n.checks.length === 4)!;
    const [first, second, third, fourth] = notebook.checks.map((c) => c.id) as [string, string, string, string];
    const heldAs = (location: string, learner: string, kind: "check" | "notebook", provenance: string) =>
      rows(location, "evidence", (t) => and(eq(t.evidence.learnerId, learner), eq(t.evidence.kind, kind), eq(t.evidence.provenance, provenance as "graded")));

    it("records outside evidence as external or self-assessed, and graded evidence with the solution's hash", async () => {
      const location = await backend.database("provenance-paths");
      const env = { PARALLAB_DB: location, PARALLAB_LEARNER: "ines" };
      const added = cli(["evidence", "add", "certification", "nvidia-dli-cuda-cpp", "--url", "https://example.org/cert/2", "--json"], env);
      expect(added.code, added.stderr).toBe(0);
      expect(JSON.parse(added.stdout)).toMatchObject({ kind: "certification", provenance: "external", inserted: true });
      expect(cli(["evidence", "add", "workshop", "atpesc"], env).stdout).toBe('Recorded workshop "atpesc" (external) for ines.\n');
      expect(cli(["evidence", "add", "self-assessment", "reading-group", "--competency", "python", "--level", "apply"], env).code).toBe(0);
      const store = await openTracker(location);
      try {
        const solution = sha("the solution cells");
        const graded = await recordGradedNotebook(store, framework, {
          learner: "ines",
          notebook: "00-welcome",
          passedChecks: ["00-welcome.measure"],
          contentHash: solution,
          source: "parallab grade",
          date: "2026-12-02",
        });
        expect(graded).toEqual({ notebook: "00-welcome", learner: "ines", contentHash: solution, insertedChecks: ["00-welcome.measure"], complete: true, notebookCompleted: true, missing: [] });
        const evidence = await evidenceOf(store, "ines");
        expect(evidence.map((e) => [e.kind, e.ref, e.provenance, e.contentHash])).toEqual(
          expect.arrayContaining([
            ["certification", "nvidia-dli-cuda-cpp", "external", null],
            ["workshop", "atpesc", "external", null],
            ["self-assessment", "reading-group", "self-assessed", null],
            ["check", "00-welcome.measure", "graded", solution],
            ["notebook", "00-welcome", "graded", solution],
          ]),
        );
        expect(evidence).toHaveLength(5);
        // A provenance that does not fit the kind is refused, and writes nothing.
        await expect(
          addEvidence(store, [
            { learner: "ines", kind: "self-assessment", ref: "x", competency: "python", level: "know", source: "test", date: "2026-01-01", provenance: "self-assessed" },
            { learner: "ines", kind: "check", ref: "00-welcome.measure", source: "test", date: "2026-01-01", provenance: "external" },
          ]),
        ).rejects.toThrow(/a check is graded, checked or imported evidence, not external/);
        await expect(addEvidence(store, [{ learner: "ines", kind: "check", ref: "00-welcome.measure", source: "test", date: "2026-01-01", provenance: "graded" }])).rejects.toThrow(
          /graded evidence needs contentHash/,
        );
      } finally {
        await store.close();
      }
      expect(await rows(location, "evidence")).toBe(5);
    });

    it("completes a notebook at a provenance only when every check is held at it or stronger", async () => {
      const location = await backend.database("provenance-completion");
      const store = await openTracker(location);
      const learner = "joan";
      const check = (id: string, provenance: "checked" | "imported") => recordCheck(store, framework, { learner, check: id, source: "test", provenance, date: "2026-12-01" });
      try {
        expect(await check(first, "checked")).toMatchObject({ inserted: true, provenance: "checked", notebookCompleted: false });
        await check(second, "checked");
        await check(third, "checked");
        // The last check only imported: complete as imported (the others, checked, are stronger).
        expect(await check(fourth, "imported")).toMatchObject({ inserted: true, notebookCompleted: true });
        expect([await heldAs(location, learner, "notebook", "imported"), await heldAs(location, learner, "notebook", "checked")]).toEqual([1, 0]);
        // Checked live as well: complete as checked; the imported row stays.
        expect(await check(fourth, "checked")).toMatchObject({ inserted: true, notebookCompleted: true });
        expect(await check(fourth, "checked")).toMatchObject({ inserted: false, notebookCompleted: false });
        expect([await heldAs(location, learner, "notebook", "imported"), await heldAs(location, learner, "notebook", "checked")]).toEqual([1, 1]);

        // Graded: three checks in one solution, the fourth in another; complete once all four are graded.
        const one = sha("solution one");
        const two = sha("solution two");
        const partial = await recordGradedNotebook(store, framework, {
          learner,
          notebook: notebook.id,
          passedChecks: [first, second, third],
          contentHash: one,
          source: "parallab grade",
          date: "2026-12-02",
        });
        expect(partial).toMatchObject({ insertedChecks: [first, second, third], complete: false, notebookCompleted: false, missing: [fourth] });
        expect(await heldAs(location, learner, "notebook", "graded")).toBe(0);
        const rest = await recordGradedNotebook(store, framework, { learner, notebook: notebook.id, passedChecks: [fourth], contentHash: two, source: "parallab grade", date: "2026-12-03" });
        expect(rest).toMatchObject({ insertedChecks: [fourth], complete: true, notebookCompleted: true, missing: [] });
        // The same solution graded again adds nothing; another solution is evidence of its own.
        expect(await recordGradedNotebook(store, framework, { learner, notebook: notebook.id, passedChecks: [fourth], contentHash: two, source: "parallab grade" })).toMatchObject({
          insertedChecks: [],
          complete: true,
          notebookCompleted: false,
        });
        expect(
          await recordGradedNotebook(store, framework, {
            learner,
            notebook: notebook.id,
            passedChecks: [first, second, third, fourth],
            contentHash: sha("solution three"),
            source: "parallab grade",
            date: "2026-12-04",
          }),
        ).toMatchObject({ insertedChecks: [first, second, third, fourth], complete: true, notebookCompleted: true });
        expect(await heldAs(location, learner, "check", "graded")).toBe(8);
        expect(await heldAs(location, learner, "notebook", "graded")).toBe(2);
      } finally {
        await store.close();
      }
    });

    it("records a graded notebook all or nothing, and refuses bad input with what to do", async () => {
      const location = await backend.database("provenance-graded-input");
      const store = await openTracker(location);
      try {
        const grade = (passedChecks: string[], contentHash = sha("a solution"), notebookId = notebook.id) =>
          recordGradedNotebook(store, framework, { learner: "kurt", notebook: notebookId, passedChecks, contentHash, source: "parallab grade" });
        await expect(grade([first, "00-welcome.measure"])).rejects.toThrow(
          `"00-welcome.measure" is not a check of notebook ${notebook.id}, whose checks are ${[first, second, third, fourth].join(", ")}`,
        );
        await expect(grade([first], "not-a-hash")).rejects.toThrow(/contentHash must be the sha256 of the solution cells \(64 lower-case hex digits\), got "not-a-hash"/);
        await expect(grade([first], undefined, "99-nowhere")).rejects.toThrow(/unknown notebook "99-nowhere": the curriculum \(skills\/curriculum\.yaml\) has 00-welcome, /);
      } finally {
        await store.close();
      }
      expect(await rows(location, "evidence")).toBe(0);
      expect(await rows(location, "learners")).toBe(0);
    });

    it("counts checked work for the ML engineer but not for the certificate, which says to grade the notebook", async () => {
      const location = await backend.database("provenance-roles");
      const env = { PARALLAB_DB: location, PARALLAB_LEARNER: "lena" };
      const store = await openTracker(location);
      await syncFramework(store, framework);
      await recordCheck(store, framework, { learner: "lena", check: "04-profiling.hotspot", source: "kernel", provenance: "checked", date: "2026-12-01" });
      await store.close();
      type Report = {
        accepts: string[];
        rows: {
          competency: string;
          evidenced: string | null;
          gap: number;
          evidence: { ref: string; provenance: string }[];
          uncounted: { ref: string; provenance: string }[];
          next: { kind: string; id: string; command: string | null } | null;
        }[];
      };
      const report = (role: string) => JSON.parse(cli(["gap", "--role", role, "--format", "json"], env).stdout) as Report;
      const engineer = report("ml-engineer").rows.find((r) => r.competency === "performance-profiling")!;
      expect(engineer).toMatchObject({ evidenced: "apply", gap: 0, evidence: [{ ref: "04-profiling.hotspot", provenance: "checked" }], uncounted: [], next: null });
      const certificate = report("certificate-parallel-ml");
      expect(certificate.accepts).toEqual(["graded"]);
      expect(certificate.rows.find((r) => r.competency === "performance-profiling")).toMatchObject({
        evidenced: null,
        gap: 3,
        evidence: [],
        uncounted: [{ ref: "04-profiling.hotspot", provenance: "checked" }],
        next: { kind: "grade", id: "04-profiling-bottlenecks", command: "npx parallab grade parallab-course/04-profiling-bottlenecks.ipynb" },
      });
      const md = cli(["gap", "--role", "certificate-parallel-ml"], env).stdout;
      expect(md).toContain(
        "check 04-profiling.hotspot (checked, 2026-12-01): not counted, the certificate needs graded | grade 04-profiling-bottlenecks: npx parallab grade parallab-course/04-profiling-bottlenecks.ipynb |",
      );
      // To a file: the document carries plotly.js, more than spawnSync buffers.
      const html = path.join(scratch, "gap.html");
      expect(cli(["gap", "--role", "certificate-parallel-ml", "--format", "html", "-o", html], env).code).toBe(0);
      expect(readFileSync(html, "utf8").includes("<td>check 04-profiling.hotspot (checked, 2026-12-01): not counted, the certificate needs graded</td>")).toBe(true);
      // The study plan still has the notebook to do for the certificate; not for the ML engineer.
      const plan = (role: string) =>
        (JSON.parse(cli(["plan", "--role", role, "--hours-per-week", "40", "--start", "2027-01-04", "--format", "json"], env).stdout) as { items: { id: string }[] }).items.map((i) => i.id);
      expect(plan("certificate-parallel-ml")).toContain("04-profiling-bottlenecks");
    });

    it("a hand-written check output recorded by parallab record is imported, and the badge waits for graded work", async () => {
      const location = await backend.database("provenance-badge");
      const env = { PARALLAB_DB: location, PARALLAB_LEARNER: "mallory" };
      // Every check of the curriculum "passed", claiming to be graded: typed by hand, not run.
      const forged = path.join(scratch, "forged.ipynb");
      const outputs = framework.curriculum
        .flatMap((n) => n.checks)
        .map((c) => ({
          output_type: "display_data",
          metadata: {},
          data: { "text/plain": `✓ check ${c.id} passed`, "application/vnd.parallab.check+json": { check: c.id, passed: true, date: "2026-12-01", provenance: "graded", contentHash: "0".repeat(64) } },
        }));
      writeFileSync(forged, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "code", metadata: {}, execution_count: 1, source: ["1"], outputs }] }));
      const recorded = cli(["record", forged, "--json"], env);
      expect(recorded.code, recorded.stderr).toBe(0);
      const checks = framework.curriculum.reduce((n, nb) => n + nb.checks.length, 0);
      expect(await rows(location, "evidence", (t) => and(eq(t.evidence.kind, "check"), eq(t.evidence.provenance, "imported")))).toBe(checks);
      expect(await rows(location, "evidence", (t) => eq(t.evidence.provenance, "graded"))).toBe(0);
      expect(await rows(location, "evidence", (t) => eq(t.evidence.provenance, "checked"))).toBe(0);
      // It counts for a role that takes imported work, but the badge refuses and says what to grade.
      expect((JSON.parse(cli(["gap", "--role", "hpc-specialist", "--format", "json"], env).stdout) as { readiness: number }).readiness).toBeGreaterThan(0);
      const refused = cli(["badge"], env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/^parallab: mallory does not meet certificate-parallel-ml \(.+\) with graded evidence yet: [a-z-]+ needs [a-z]+, has none; /);
      expect(refused.stderr).toMatch(/Their checks passed but are not graded yet: grade these \d+ notebooks: npx parallab grade parallab-course\/[\w-]+\.ipynb; /);
      expect(refused.stderr).toContain("npx parallab grade parallab-course/01-parallel-thinking.ipynb");
      expect(refused.stderr).not.toContain("Still to do");

      // Graded, notebook after notebook: then the badge is issued.
      const store = await openTracker(location);
      try {
        for (const nb of framework.curriculum) {
          const graded = await recordGradedNotebook(store, framework, {
            learner: "mallory",
            notebook: nb.id,
            passedChecks: nb.checks.map((c) => c.id),
            contentHash: sha(`mallory's ${nb.id}`),
            source: "parallab grade",
            date: "2026-12-02",
          });
          expect(graded.complete, nb.id).toBe(true);
        }
      } finally {
        await store.close();
      }
      const badge = cli(["badge", "--issuer-id", "https://parallab.example/issuer"], env);
      expect(badge.code, badge.stderr).toBe(0);
      const credential = JSON.parse(badge.stdout) as { type: string[]; evidence: { name: string; description: string }[] };
      expect(credential.type).toEqual(["VerifiableCredential", "OpenBadgeCredential"]);
      expect(credential.evidence.length).toBeGreaterThan(0);
      expect(credential.evidence.every((e) => e.description.includes("; graded evidence recorded 2026-12-02"))).toBe(true);
    });
  });

  describe("parallab gradebook", () => {
    it("shows every learner × every check, the strongest provenance and its date, as CSV, JSON and Markdown", async () => {
      const location = await backend.database("gradebook");
      const framework = loadFramework();
      const store = await openTracker(location);
      try {
        // mixed: graded, checked and imported checks, one notebook complete at graded.
        await recordGradedNotebook(store, framework, {
          learner: "mixed",
          notebook: "00-welcome",
          passedChecks: ["00-welcome.measure"],
          contentHash: sha("welcome"),
          source: "parallab grade",
          date: "2026-12-02",
        });
        await recordCheck(store, framework, { learner: "mixed", check: "01-parallel-thinking.efficiency", source: "kernel", provenance: "checked", date: "2026-12-01" });
        await recordCheck(store, framework, { learner: "mixed", check: "01-parallel-thinking.amdahl", source: "a.ipynb", provenance: "imported", date: "2026-11-30" });
        await recordCheck(store, framework, { learner: "mixed", check: "02-shared-memory.speedup", source: "kernel", provenance: "checked", date: "2026-12-01" });
        await recordGradedNotebook(store, framework, {
          learner: "mixed",
          notebook: "02-shared-memory-parallel-map",
          passedChecks: ["02-shared-memory.speedup"],
          contentHash: sha("shared"),
          source: "parallab grade",
          date: "2026-12-03",
        });
        await recordGradedNotebook(store, framework, {
          learner: "mixed",
          notebook: "02-shared-memory-parallel-map",
          passedChecks: ["02-shared-memory.speedup"],
          contentHash: sha("shared, again"),
          source: "parallab grade",
          date: "2026-12-05",
        });
        await recordCheck(store, framework, { learner: "zoe", check: "00-welcome.measure", source: "kernel", provenance: "checked", date: "2026-12-04" });
      } finally {
        await store.close();
      }
      // amy has only outside evidence: a row of empty cells.
      const env = { PARALLAB_DB: location, PARALLAB_LEARNER: "amy" };
      expect(cli(["evidence", "add", "workshop", "atpesc"], env).code).toBe(0);
      const checkIds = framework.curriculum.flatMap((n) => n.checks.map((c) => c.id));

      const csv = cli(["gradebook", "--format", "csv"], env);
      expect(csv.code, csv.stderr).toBe(0);
      const table = parse(csv.stdout, { columns: true }) as Record<string, string>[];
      expect(Object.keys(table[0]!)).toEqual(["learner", ...checkIds, "checks_graded", "checks_checked", "checks_imported", "notebooks_graded"]);
      expect(table.map((r) => r.learner)).toEqual(["amy", "mixed", "zoe"]);
      const [amy, mixed, zoe] = table as [Record<string, string>, Record<string, string>, Record<string, string>];
      expect(checkIds.every((id) => amy[id] === "")).toBe(true);
      expect([amy.checks_graded, amy.checks_checked, amy.checks_imported, amy.notebooks_graded]).toEqual(["0", "0", "0", "0"]);
      expect(mixed).toMatchObject({
        "00-welcome.measure": "graded 2026-12-02",
        "01-parallel-thinking.efficiency": "checked 2026-12-01",
        "01-parallel-thinking.amdahl": "imported 2026-11-30",
        // Checked first, graded later (twice): graded, since the first time.
        "02-shared-memory.speedup": "graded 2026-12-03",
        "02-shared-memory.reduce": "",
        checks_graded: "2",
        checks_checked: "1",
        checks_imported: "1",
        notebooks_graded: "1",
      });
      expect(zoe).toMatchObject({ "00-welcome.measure": "checked 2026-12-04", checks_checked: "1", notebooks_graded: "0" });

      const out = path.join(scratch, "gradebook.json");
      const json = cli(["gradebook", "--format", "json", "-o", out], env);
      expect(json.code, json.stderr).toBe(0);
      const book = JSON.parse(readFileSync(out, "utf8")) as {
        checks: { id: string; notebook: string }[];
        learners: { learner: string; checks: Record<string, { provenance: string; date: string } | null>; graded: number; checked: number; imported: number; notebooksGraded: number }[];
      };
      expect(book.checks.map((c) => c.id)).toEqual(checkIds);
      expect(book.checks[0]).toEqual({ id: "00-welcome.measure", notebook: "00-welcome", competency: "performance-optimization", level: "know" });
      expect(book.learners.map((l) => l.learner)).toEqual(["amy", "mixed", "zoe"]);
      expect(Object.keys(book.learners[1]!.checks)).toEqual(checkIds);
      expect(book.learners[1]).toMatchObject({ graded: 2, checked: 1, imported: 1, notebooksGraded: 1 });
      expect(book.learners[1]!.checks["01-parallel-thinking.amdahl"]).toEqual({ provenance: "imported", date: "2026-11-30" });
      expect(book.learners[0]!.checks["00-welcome.measure"]).toBeNull();

      const md = cli(["gradebook"], env);
      expect(md.code, md.stderr).toBe(0);
      expect(md.stdout).toContain("3 learners × ");
      expect(md.stdout).toContain(`| learner | ${checkIds.join(" | ")} | checks\\_graded | checks\\_checked | checks\\_imported | notebooks\\_graded |`);
      expect(md.stdout).toContain("| mixed | graded 2026-12-02 | checked 2026-12-01 | imported 2026-11-30 |");
      expect(md.stdout).toMatch(/\| zoe \| checked 2026-12-04 \|( {2}\|)+ 0 \| 1 \| 0 \| 0 \|\n/);
      expect(cli(["gradebook", "--format", "xlsx"], env)).toMatchObject({ code: 1 });
    });
  });

  describe("several processes at once", () => {
    it("open a new database, load the framework, and lose no evidence and double none", async () => {
      // An empty database: the writers migrate it and load the framework at once, as kernels
      // starting together on a new server would.
      const location = await backend.database("concurrent");
      const framework = loadFramework();
      // Notebooks of several checks: writer i passes check i of each, all at once, so that
      // several writers race to see a notebook complete (each race is one chance to lose it).
      const notebooks = framework.curriculum.filter((n) => n.checks.length >= 2);
      const WRITERS = 6;
      const ROWS = 25;
      const barrier = mkdtempSync(path.join(scratch, "barrier-"));
      const writer = (i: number) =>
        new Promise<number>((resolve) => {
          const script = `import { existsSync, writeFileSync } from "node:fs";
import { openTracker } from ${dist("store.js")};
import { addEvidence, recordCheck } from ${dist("evidence.js")};
import { loadFramework } from ${dist("framework/load.js")};
import { syncFramework } from ${dist("sync.js")};
const framework = loadFramework();
// Every writer is ready (node started, modules loaded) before any opens the database.
writeFileSync(${JSON.stringify(barrier)} + "/ready-${i}", "");
while (!existsSync(${JSON.stringify(barrier)} + "/go")) await new Promise((r) => setTimeout(r, 5));
const store = await openTracker(${JSON.stringify(location)});
await syncFramework(store, framework);
// All of them at once (PostgreSQL: on the pool's connections; SQLite: one after the other).
const checks = ${JSON.stringify(notebooks.map((n) => n.checks.map((c) => c.id)))}.map((ids) => ids[${i}]).filter(Boolean);
await Promise.all(checks.map((check) => recordCheck(store, framework, { learner: "team", check, source: "writer-${i}", provenance: "checked" })));
for (let j = 0; j < ${ROWS}; j++) {
  await addEvidence(store, [{ learner: "writer-${i}", kind: "self-assessment", ref: "item-" + j, competency: "python", level: "know", source: "test", date: "2026-01-01", provenance: "self-assessed" }]);
  // The same row from every writer: one of them inserts it.
  if (j % 5 === 0) await addEvidence(store, [{ learner: "everyone", kind: "workshop", ref: "shared-" + j, competency: "python", level: "know", source: "writer-${i}", date: "2026-01-01", provenance: "external" }]);
}
await store.close();`;
          const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "inherit" });
          child.on("exit", (code) => resolve(code ?? -1));
        });
      const exits = Array.from({ length: WRITERS }, (_, i) => writer(i));
      while (!Array.from({ length: WRITERS }, (_, i) => existsSync(path.join(barrier, `ready-${i}`))).every(Boolean)) await new Promise((r) => setTimeout(r, 20));
      writeFileSync(path.join(barrier, "go"), "");
      expect(await Promise.all(exits)).toEqual(Array(WRITERS).fill(0));
      for (let i = 0; i < WRITERS; i++) expect(await rows(location, "evidence", (t) => eq(t.evidence.learnerId, `writer-${i}`))).toBe(ROWS);
      expect(await rows(location, "evidence", (t) => like(t.evidence.learnerId, "writer-%"))).toBe(WRITERS * ROWS);
      expect(await rows(location, "evidence", (t) => eq(t.evidence.learnerId, "everyone"))).toBe(ROWS / 5);
      // Each check once, and each notebook, whose last check one of them passed, exactly once.
      expect(await rows(location, "evidence", (t) => and(eq(t.evidence.learnerId, "team"), eq(t.evidence.kind, "check")))).toBe(notebooks.reduce((n, nb) => n + nb.checks.length, 0));
      for (const notebook of notebooks)
        expect(await rows(location, "evidence", (t) => and(eq(t.evidence.learnerId, "team"), eq(t.evidence.kind, "notebook"), eq(t.evidence.ref, notebook.id))), notebook.id).toBe(1);
      expect(await rows(location, "learners")).toBe(WRITERS + 2);
      // Migrated once, and the framework loaded whole (its tables replaced by one writer).
      expect(await backend.appliedMigrations(location)).toBe(migrations);
      expect(await rows(location, "checks")).toBe(framework.curriculum.reduce((n, nb) => n + nb.checks.length, 0));
      expect(await rows(location, "competencies")).toBe(framework.competencies.length);
    });
  });
}
