// The tracker's test suite, written once and run on each dialect (test/tracker.sqlite.test.ts,
// test/tracker.postgres.test.ts), as drizzle-orm does: migrations, the framework, %%check
// through a real kernel, `parallab record` of executed notebooks, reports and plans from the
// CLI, goals, evidence, all-or-nothing transactions, and several processes writing at once.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { and, count, eq, like, type SQL } from "drizzle-orm";
import { getTableConfig as pgTableConfig, type PgTable } from "drizzle-orm/pg-core";
import { getTableConfig as sqliteTableConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";
import { afterAll, describe, expect, it } from "vitest";
import { runNotebook, writeNotebook } from "../../cli/run-notebook.js";
import { addEvidence, insertEvidence } from "../../tracker/evidence.js";
import { loadFramework, SKILLS_DIR } from "../../tracker/framework/load.js";
import * as pgSchema from "../../tracker/schema/pg.js";
import * as sqliteSchema from "../../tracker/schema/sqlite.js";
import { openTracker, type TrackerTables } from "../../tracker/store.js";
import { syncFramework } from "../../tracker/sync.js";
import { resultText, startKernel, type TestKernel } from "../helpers/kernel.js";

export interface TrackerBackend {
  dialect: "sqlite" | "postgres";
  /** A new, empty database: the PARALLAB_DB value that names it. */
  database(name: string): Promise<string>;
  /** How many migrations the database records as applied (drizzle's own table). */
  appliedMigrations(location: string): Promise<number>;
}

const ROOT = path.join(import.meta.dirname, "..", "..");
const CLI = path.join(ROOT, "dist", "cli", "parallab.js");
const dist = (file: string) => JSON.stringify(path.join(ROOT, "dist", "tracker", file));

export function cli(args: string[], env: Record<string, string>): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Rows of a table, through the store itself (the same query on both dialects). */
async function rows(location: string, table: keyof TrackerTables, where?: (t: TrackerTables) => SQL | undefined): Promise<number> {
  const store = await openTracker(location);
  try {
    return await store.transaction(async ({ db, tables }) => {
      const [r] = await db
        .select({ n: count() })
        .from(tables[table] as typeof tables.evidence)
        .where(where?.(tables));
      return r!.n;
    }, { readOnly: true });
  } finally {
    await store.close();
  }
}

export function trackerSuite(backend: TrackerBackend): void {
  const scratch = mkdtempSync(path.join(os.tmpdir(), `parallab-tracker-${backend.dialect}-`));
  const kernels: TestKernel[] = [];
  afterAll(async () => {
    for (const k of kernels) await k.stop();
  });

  describe("the schema", () => {
    it("has the same tables, columns and indexes in both dialects", () => {
      const shape = (config: { name: string; columns: { name: string; notNull: boolean; primary: boolean; hasDefault: boolean }[]; indexes: { config: { name?: string; unique: boolean } }[]; primaryKeys: { columns: { name: string }[] }[]; foreignKeys: unknown[] }) => ({
        name: config.name,
        columns: config.columns.map((c) => [c.name, c.notNull, c.primary, c.hasDefault]).sort(),
        indexes: config.indexes.map((i) => [i.config.name, i.config.unique]).sort(),
        primaryKeys: config.primaryKeys.map((k) => k.columns.map((c) => c.name)),
        foreignKeys: config.foreignKeys.length,
      });
      expect(Object.keys(pgSchema).sort()).toEqual(Object.keys(sqliteSchema).sort());
      for (const name of Object.keys(sqliteSchema) as (keyof typeof sqliteSchema)[]) {
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
      for (const table of ["catalogue", "checks", "competencies", "evidence", "goals", "learners", "meta", "notebooks", "requirements", "roles"] as const) expect(await rows(location, table), table).toBe(0);
      const again = await openTracker(location);
      await again.close();
      expect(await backend.appliedMigrations(location)).toBe(1);
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
      expect(r.stderr).toMatch(/roles\.yaml: roles\[\d+\] \([\w-]+\)\.requires\.shared-memory-programing: unknown competency "shared-memory-programing" \(did you mean "shared-memory-programming"\?\)/);
      expect(await rows(location, "learners")).toBe(0);
    });

    it("writes all of a transaction or none of it", async () => {
      const location = await backend.database("atomic");
      const store = await openTracker(location);
      const row = { learner: "ada", kind: "workshop", ref: "half-written", competency: "python", level: "know", source: "test", date: "2026-01-01" } as const;
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
    it("records evidence when the checks pass, and nothing when an assertion fails", async () => {
      const location = await backend.database("kernel");
      const k = await startKernel({ env: { PARALLAB_DB: location, PARALLAB_LEARNER: "grace" } });
      kernels.push(k);
      const failed = await k.client.execute('%%check 00-welcome.measure\nimport assert from "node:assert";\nassert.strictEqual(1 + 1, 3, "arithmetic");');
      expect(failed.reply.content).toMatchObject({ status: "error", ename: "AssertionError" });
      const passed = await k.client.execute('%%check 00-welcome.measure\nimport assert from "node:assert";\nassert.ok([1, 2, 3].includes(2));\n"done"');
      expect(passed.reply.content).toMatchObject({ status: "ok" });
      const shown = passed.outputs.find((m) => m.header.msg_type === "display_data")!.content as { data: Record<string, unknown> };
      expect(shown.data["text/plain"]).toBe("✓ check 00-welcome.measure passed: counts toward Benchmarking and optimisation (know); recorded for grace; notebook 00-welcome is complete.");
      expect(shown.data["application/vnd.parallab.check+json"]).toMatchObject({ check: "00-welcome.measure", passed: true });
      expect(resultText(passed.outputs)).toBe("'done'");
      expect(await rows(location, "evidence", (t) => and(eq(t.evidence.learnerId, "grace"), eq(t.evidence.kind, "check"), eq(t.evidence.ref, "00-welcome.measure")))).toBe(1);
      expect(await rows(location, "evidence", (t) => and(eq(t.evidence.learnerId, "grace"), eq(t.evidence.kind, "notebook"), eq(t.evidence.ref, "00-welcome")))).toBe(1);
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
      writeFileSync(source, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: ['%%check 00-welcome.measure\nimport assert from "node:assert";\nassert.ok(true);'] }] }));
      const previous = process.env.PARALLAB_DB;
      process.env.PARALLAB_DB = await backend.database("executor");
      try {
        const { notebook, failed } = await runNotebook(source, { cwd: scratch });
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
    });

    it("refuses a malformed notebook clearly and leaves the database as it was", async () => {
      const bad = path.join(scratch, "broken.ipynb");
      writeFileSync(bad, '{"nbformat": 4, "cells": [');
      const before = await rows(location, "evidence");
      const other = path.join(scratch, "copy.ipynb");
      copyFileSync(nb, other);
      writeFileSync(other, readFileSync(other, "utf8").replace('"cells"', '"cells" ').replace(/"execution_count": \d+/, '"execution_count": 7'));
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
await Promise.all(checks.map((check) => recordCheck(store, framework, { learner: "team", check, source: "writer-${i}" })));
for (let j = 0; j < ${ROWS}; j++) {
  await addEvidence(store, [{ learner: "writer-${i}", kind: "self-assessment", ref: "item-" + j, competency: "python", level: "know", source: "test", date: "2026-01-01" }]);
  // The same row from every writer: one of them inserts it.
  if (j % 5 === 0) await addEvidence(store, [{ learner: "everyone", kind: "workshop", ref: "shared-" + j, competency: "python", level: "know", source: "writer-${i}", date: "2026-01-01" }]);
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
      for (const notebook of notebooks) expect(await rows(location, "evidence", (t) => and(eq(t.evidence.learnerId, "team"), eq(t.evidence.kind, "notebook"), eq(t.evidence.ref, notebook.id))), notebook.id).toBe(1);
      expect(await rows(location, "learners")).toBe(WRITERS + 2);
      // Migrated once, and the framework loaded whole (its tables replaced by one writer).
      expect(await backend.appliedMigrations(location)).toBe(1);
      expect(await rows(location, "checks")).toBe(framework.curriculum.reduce((n, nb) => n + nb.checks.length, 0));
      expect(await rows(location, "competencies")).toBe(framework.competencies.length);
    });
  });
}
