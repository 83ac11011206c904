// The tracker on real SQLite files: migrations, the framework, %%check through a real kernel,
// `parallab record` of executed notebooks, reports and plans from the CLI, goals, evidence, and
// two processes writing at once.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { parse } from "csv-parse/sync";
import { afterAll, describe, expect, it } from "vitest";
import { runNotebook, writeNotebook } from "../cli/run-notebook.js";
import { loadFramework, SKILLS_DIR } from "../tracker/framework/load.js";
import { openTracker } from "../tracker/store.js";
import { syncFramework } from "../tracker/sync.js";
import { resultText, startKernel, type TestKernel } from "./helpers/kernel.js";

const CLI = path.join(import.meta.dirname, "..", "dist", "cli", "parallab.js");
const scratch = mkdtempSync(path.join(os.tmpdir(), "parallab-tracker-"));
const dbFile = (name: string) => path.join(scratch, `${name}.db`);

function cli(args: string[], env: Record<string, string>): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const count = (file: string, sql: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
};

const kernels: TestKernel[] = [];
afterAll(async () => {
  for (const k of kernels) await k.stop();
});

describe("the store", () => {
  it("migrates an empty file, and opening it again changes nothing", () => {
    const file = dbFile("empty");
    const first = openTracker(file);
    const tables = first.sqlite.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all().map((r) => (r as { name: string }).name);
    expect(tables).toEqual(expect.arrayContaining(["__drizzle_migrations", "catalogue", "checks", "competencies", "evidence", "goals", "learners", "meta", "notebooks", "requirements", "roles"]));
    expect(first.sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
    first.close();
    const again = openTracker(file);
    expect((again.sqlite.prepare("select count(*) n from __drizzle_migrations").get() as { n: number }).n).toBe(1);
    again.close();
  });

  it("loads the framework once, and a broken skills file writes nothing", () => {
    const file = dbFile("framework");
    const t = openTracker(file);
    const framework = loadFramework();
    expect(syncFramework(t.db, framework)).toBe(true);
    expect(syncFramework(t.db, framework)).toBe(false);
    const checks = (t.sqlite.prepare("select count(*) n from checks").get() as { n: number }).n;
    expect(checks).toBe(framework.curriculum.reduce((n, nb) => n + nb.checks.length, 0));
    t.close();
    const broken = path.join(scratch, "skills-broken");
    cpSync(SKILLS_DIR, broken, { recursive: true });
    writeFileSync(path.join(broken, "roles.yaml"), readFileSync(path.join(broken, "roles.yaml"), "utf8").replace(/shared-memory-programming: apply/, "shared-memory-programing: apply"));
    const r = cli(["gap", "--role", "hpc-specialist"], { PARALLAB_DB: file, PARALLAB_SKILLS: broken, PARALLAB_LEARNER: "nobody" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/roles\.yaml: roles\[\d+\] \([\w-]+\)\.requires\.shared-memory-programing: unknown competency "shared-memory-programing" \(did you mean "shared-memory-programming"\?\)/);
    expect(count(file, "select count(*) n from learners")).toBe(0);
  });
});

describe("%%check in the kernel", () => {
  it("records evidence when the checks pass, and nothing when an assertion fails", async () => {
    const file = dbFile("kernel");
    const k = await startKernel({ env: { PARALLAB_DB: file, PARALLAB_LEARNER: "grace" } });
    kernels.push(k);
    const failed = await k.client.execute('%%check 00-welcome.measure\nimport assert from "node:assert";\nassert.strictEqual(1 + 1, 3, "arithmetic");');
    expect(failed.reply.content).toMatchObject({ status: "error", ename: "AssertionError" });
    const passed = await k.client.execute('%%check 00-welcome.measure\nimport assert from "node:assert";\nassert.ok([1, 2, 3].includes(2));\n"done"');
    expect(passed.reply.content).toMatchObject({ status: "ok" });
    const shown = passed.outputs.find((m) => m.header.msg_type === "display_data")!.content as { data: Record<string, unknown> };
    expect(shown.data["text/plain"]).toBe("✓ check 00-welcome.measure passed: counts toward Benchmarking and optimisation (know); recorded for grace; notebook 00-welcome is complete.");
    expect(shown.data["application/vnd.parallab.check+json"]).toMatchObject({ check: "00-welcome.measure", passed: true });
    expect(resultText(passed.outputs)).toBe("'done'");
    expect(count(file, "select count(*) n from evidence where learner_id = 'grace' and kind = 'check' and ref = '00-welcome.measure'")).toBe(1);
    expect(count(file, "select count(*) n from evidence where learner_id = 'grace' and kind = 'notebook' and ref = '00-welcome'")).toBe(1);
  });
});

describe("parallab record", () => {
  const nb = path.join(scratch, "welcome-executed.ipynb");

  it("ingests executed notebooks idempotently", async () => {
    // Execute a notebook whose cells pass a check, in a kernel writing to another database.
    const source = path.join(scratch, "exercise.ipynb");
    writeFileSync(source, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: ['%%check 00-welcome.measure\nimport assert from "node:assert";\nassert.ok(true);'] }] }));
    const previous = process.env.PARALLAB_DB;
    process.env.PARALLAB_DB = dbFile("executor");
    try {
      const { notebook, failed } = await runNotebook(source, { cwd: scratch });
      expect(failed).toBeNull();
      writeNotebook(nb, notebook);
    } finally {
      if (previous === undefined) delete process.env.PARALLAB_DB;
      else process.env.PARALLAB_DB = previous;
    }
    const file = dbFile("record");
    const env = { PARALLAB_DB: file, PARALLAB_LEARNER: "alan" };
    const first = cli(["record", nb, "--json"], env);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).notebooks[0]).toMatchObject({ passed: ["00-welcome.measure"], inserted: 2, completed: ["00-welcome"] });
    const second = cli(["record", nb, "--json"], env);
    expect(JSON.parse(second.stdout).notebooks[0]).toMatchObject({ inserted: 0 });
    expect(count(file, "select count(*) n from evidence")).toBe(2);
  });

  it("refuses a malformed notebook clearly and leaves the database as it was", () => {
    const file = dbFile("record");
    const bad = path.join(scratch, "broken.ipynb");
    writeFileSync(bad, '{"nbformat": 4, "cells": [');
    const before = count(file, "select count(*) n from evidence");
    const other = path.join(scratch, "copy.ipynb");
    copyFileSync(nb, other);
    writeFileSync(other, readFileSync(other, "utf8").replace('"cells"', '"cells" ').replace(/"execution_count": \d+/, '"execution_count": 7'));
    const r = cli(["record", other, bad], { PARALLAB_DB: file, PARALLAB_LEARNER: "alan" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.ipynb: not a notebook: the file is not valid JSON/);
    expect(count(file, "select count(*) n from evidence")).toBe(before);
  });
});

describe("reports, plans, goals and evidence from the CLI", () => {
  const env = { PARALLAB_DB: dbFile("reports"), PARALLAB_LEARNER: "linus" };

  it("gives the known gap for known evidence", () => {
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
    const badge = cli(["badge"], env);
    expect(badge.code).toBe(2);
    expect(badge.stderr).toMatch(/does not meet certificate-parallel-ml/);
  });
});

describe("two processes at once", () => {
  it("lose no evidence", async () => {
    const file = dbFile("concurrent");
    const t = openTracker(file);
    syncFramework(t.db, loadFramework());
    t.close();
    const writer = (name: string) =>
      new Promise<number>((resolve) => {
        const script = `import { openTracker } from ${JSON.stringify(path.join(import.meta.dirname, "..", "dist", "tracker", "store.js"))};
import { insertEvidence } from ${JSON.stringify(path.join(import.meta.dirname, "..", "dist", "tracker", "evidence.js"))};
const t = openTracker(${JSON.stringify(file)});
for (let i = 0; i < 300; i++) insertEvidence(t.db, [{ learner: "${name}", kind: "self-assessment", ref: "item-" + i, competency: "python", level: "know", source: "test", date: "2026-01-01" }]);
t.close();`;
        const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "inherit" });
        child.on("exit", (code) => resolve(code ?? -1));
      });
    expect(await Promise.all([writer("p1"), writer("p2")])).toEqual([0, 0]);
    expect(count(file, "select count(*) n from evidence")).toBe(600);
  });
});
