// The course: every notebook agrees with skills/ and runs green, with Jupyter's own nbclient
// against the installed kernel and with our runner, and afterwards the tracker shows it complete.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../kernel/paths.js";
import { loadFramework } from "../tracker/framework/load.js";
import { requirementsFor } from "../tracker/reports/gap.js";

const NOTEBOOKS = path.join(PACKAGE_ROOT, "notebooks");
const framework = loadFramework();
const files = readdirSync(NOTEBOOKS).filter((f) => f.endsWith(".ipynb")).sort();
const scratch = mkdtempSync(path.join(os.tmpdir(), "parallab-course-"));

interface Notebook {
  metadata: { kernelspec?: { name: string }; parallab?: { id: string; title: string; competencies: Record<string, string>; checks: string[]; prerequisites: string[]; hours: number } };
  cells: { id?: string; cell_type: string; source: string | string[] }[];
}
const read = (file: string) => JSON.parse(readFileSync(path.join(NOTEBOOKS, file), "utf8")) as Notebook;
/**
 * Runs a command without blocking this thread: a notebook run takes minutes, and a blocked test
 * worker misses vitest's own heartbeats.
 */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const sourceOf = (cell: Notebook["cells"][number]) => (Array.isArray(cell.source) ? cell.source.join("") : cell.source);

function completed(db: string, learner: string): string[] {
  const sqlite = new Database(db, { readonly: true });
  try {
    return (sqlite.prepare("select ref from evidence where learner_id = ? and kind = 'notebook' order by ref").all(learner) as { ref: string }[]).map((r) => r.ref);
  } finally {
    sqlite.close();
  }
}

describe("the course's notebooks", () => {
  it("are at least ten, one per curriculum entry, with metadata that agrees with skills/", () => {
    expect(files.length).toBeGreaterThanOrEqual(framework.curriculum.length);
    expect(files.sort()).toEqual(framework.curriculum.map((n) => n.file).sort());
    for (const entry of framework.curriculum) {
      const nb = read(entry.file);
      expect(nb.metadata.kernelspec?.name, entry.file).toBe("parallab");
      // nbformat 4.5: unique cell ids (readers would otherwise invent them, breaking trust).
      const ids = nb.cells.map((c) => c.id);
      expect(ids.every((id) => typeof id === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(id)), entry.file).toBe(true);
      expect(new Set(ids).size, entry.file).toBe(ids.length);
      expect(nb.metadata.parallab, entry.file).toEqual({ id: entry.id, title: entry.title, competencies: entry.competencies, checks: entry.checks.map((c) => c.id), prerequisites: entry.prerequisites, hours: entry.hours });
      // Every check of the entry is a %%check cell of the notebook, and nothing else is.
      const checkCells = nb.cells.filter((c) => c.cell_type === "code").map(sourceOf).map((s) => /^%%check\s+(\S+)/.exec(s)?.[1]).filter(Boolean);
      expect(checkCells.sort(), entry.file).toEqual(entry.checks.map((c) => c.id).sort());
    }
  });

  it("teach (with the catalogue) every competency some role or the certificate requires", () => {
    const taught = new Set([...framework.curriculum.flatMap((n) => Object.keys(n.competencies)), ...framework.catalogue.flatMap((c) => Object.keys(c.competencies))]);
    const required = new Set(framework.roles.flatMap((r) => [...Object.keys(requirementsFor(framework, r.id).requires), ...r.variants.flatMap((v) => Object.keys(v.requires))]));
    expect([...required].filter((c) => !taught.has(c))).toEqual([]);
  });

  it("run green with Jupyter's nbclient, every check passes, and the tracker shows them complete", async () => {
    const db = path.join(scratch, "nbclient.db");
    // The kernelspec as `parallab install` writes it, where this Jupyter looks (not the user's).
    const prefix = path.join(scratch, "prefix");
    spawnSync(process.execPath, [path.join(PACKAGE_ROOT, "dist", "cli", "parallab.js"), "install", "--prefix", prefix]);
    const r = await run("/usr/bin/python3", [path.join(import.meta.dirname, "notebooks", "run_nbclient.py"), path.join(scratch, "nbclient"), ...framework.curriculum.map((n) => path.join(NOTEBOOKS, n.file))], {
      ...process.env,
      JUPYTER_PATH: path.join(prefix, "share", "jupyter"),
      JUPYTER_DATA_DIR: path.join(scratch, "jupyter-data"),
      PARALLAB_DB: db,
      PARALLAB_LEARNER: "nbclient",
    });
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(r.stdout) as { file: string; failure: string | null; errors: unknown[]; checks: { check: string; passed: boolean }[] }[];
    for (const [i, result] of results.entries()) {
      expect({ file: result.file, failure: result.failure, errors: result.errors }).toEqual({ file: framework.curriculum[i]!.file, failure: null, errors: [] });
      expect(result.checks.filter((c) => c.passed).map((c) => c.check).sort()).toEqual(framework.curriculum[i]!.checks.map((c) => c.id).sort());
    }
    expect(completed(db, "nbclient")).toEqual(framework.curriculum.map((n) => n.id).sort());
  }, 30 * 60_000);

  it("run green with `parallab run`, which writes them executed and records their checks", async () => {
    const db = path.join(scratch, "runner.db");
    const out = path.join(scratch, "runner");
    const r = await run(process.execPath, [path.join(PACKAGE_ROOT, "dist", "cli", "parallab.js"), "run", ...framework.curriculum.map((n) => path.join(NOTEBOOKS, n.file)), "--out", out, "--learner", "runner"], { ...process.env, PARALLAB_DB: db });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    for (const entry of framework.curriculum) {
      const executed = JSON.parse(readFileSync(path.join(out, entry.file), "utf8")) as { nbformat: number; cells: { cell_type: string; execution_count: number | null; outputs?: { output_type: string }[] }[] };
      expect(executed.nbformat).toBe(4);
      const code = executed.cells.filter((c) => c.cell_type === "code");
      expect(code.every((c, i) => c.execution_count === i + 1), entry.file).toBe(true);
      expect(code.flatMap((c) => c.outputs ?? []).some((o) => o.output_type === "error"), entry.file).toBe(false);
    }
    expect(completed(db, "runner")).toEqual(framework.curriculum.map((n) => n.id).sort());
  }, 30 * 60_000);
});
