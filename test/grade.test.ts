// `parallab grade`: learner notebooks re-run in a fresh kernel with the course's own checks and
// hidden tests; graded evidence with the hash of the learner's cells; feedback next to the
// notebook; bad input changes nothing. A real SQLite file, real kernels, the built CLI.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { loadFramework } from "../tracker/framework/load.js";
import { Course } from "../course/source.js";
import { releaseNotebook, type ReleasedCellMeta } from "../course/release.js";
import { withInstructorSolutions } from "../course/solutions.js";
import { notebookText, sourceLines, sourceText, type Notebook } from "../course/notebook-file.js";
import { CHECK_MIME } from "../tracker/ingest.js";
import { runCli } from "./helpers/cli.js";

const framework = loadFramework();
const course = new Course(framework);
const scratch = mkdtempSync(path.join(os.tmpdir(), "parallab-grade-"));
const byId = (id: string) => course.notebook(id);
const [WELCOME, SHARED, SPMD] = ["00-welcome", "02-shared-memory-parallel-map", "03-message-passing-spmd"].map(byId);

/** A learner's copy of the notebook with the instructor's solutions, written into `dir`. */
function solvedCopy(dir: string, nb = WELCOME!, edit?: (copy: Notebook) => void): string {
  const copy = withInstructorSolutions(releaseNotebook(nb), nb);
  edit?.(copy);
  const file = path.join(dir, nb.entry.file);
  writeFileSync(file, notebookText(copy));
  return file;
}

interface Row {
  learner_id: string;
  kind: string;
  ref: string;
  provenance: string;
  content_hash: string;
}
function rows(db: string): Row[] {
  if (!existsSync(db)) return [];
  const sqlite = new Database(db, { readonly: true });
  try {
    return sqlite.prepare("select learner_id, kind, ref, provenance, content_hash from evidence order by id").all() as Row[];
  } finally {
    sqlite.close();
  }
}

describe("bad input: a clear error, and the database unchanged", () => {
  const db = path.join(scratch, "bad-input.db");
  const env = { PARALLAB_DB: db, PARALLAB_LEARNER: "ada" };
  let before: Row[];
  beforeAll(async () => {
    // Evidence the learner already has, which must stay exactly as it is.
    expect((await runCli(["evidence", "add", "self-assessment", "reading", "--competency", "typescript", "--level", "know"], { env })).code).toBe(0);
    before = rows(db);
    expect(before).toHaveLength(1);
  });

  it("a file that is not a notebook", async () => {
    const file = path.join(scratch, "notes.ipynb");
    writeFileSync(file, "my notes, not JSON");
    const r = await runCli(["grade", file], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("notes.ipynb is not a notebook: the file is not valid JSON");
    expect(rows(db)).toEqual(before);
  });

  it("a notebook of another course, even next to a good one", async () => {
    const dir = mkdtempSync(path.join(scratch, "other-"));
    const good = solvedCopy(dir);
    const other = path.join(dir, "ps1.ipynb");
    writeFileSync(
      other,
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: { nbgrader: { course_id: "cs101" } },
        cells: [{ id: "a", cell_type: "code", metadata: {}, source: "1 + 1", outputs: [], execution_count: null }],
      }),
    );
    const r = await runCli(["grade", good, other], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("ps1.ipynb is not a notebook of the Parallab course (it is an nbgrader notebook)");
    expect(rows(db)).toEqual(before);
    expect(existsSync(good.replace(".ipynb", ".feedback.md"))).toBe(false);
  });

  it("a notebook that never finishes: the timeout names the cell, nothing is recorded", async () => {
    const dir = mkdtempSync(path.join(scratch, "hang-"));
    let hangAt = -1;
    const file = solvedCopy(dir, WELCOME, (copy) => {
      // The learner's own cell, right after the exercise, waits forever.
      hangAt = copy.cells.findIndex((c) => (c.metadata.parallab as ReleasedCellMeta | undefined)?.cell === "solution") + 1;
      copy.cells.splice(hangAt, 0, { id: "my-wait", cell_type: "code", metadata: {}, source: ["await new Promise(() => {});\n"], outputs: [], execution_count: null });
    });
    // Long enough for every other cell (the first one loads the compiler) on a busy machine.
    const r = await runCli(["grade", file, "--timeout", "30"], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cell ${hangAt + 1} (id my-wait) did not finish within 30 s; nothing was recorded for this notebook`);
    expect(rows(db)).toEqual(before);
    const feedback = readFileSync(file.replace(".ipynb", ".feedback.md"), "utf8");
    expect(feedback).toContain("Grading stopped");
  }, 120_000);
});

describe("grading the instructor's solutions in a learner's copy", () => {
  it(
    "passes every check, hidden tests included, also on workers; records graded evidence with the hash of the learner's cells; writes feedback",
    async () => {
      const dir = mkdtempSync(path.join(scratch, "solved-"));
      const files = [WELCOME!, SPMD!].map((nb) => solvedCopy(dir, nb));
      const db = path.join(scratch, "solved.db");
      const r = await runCli(["grade", ...files, "--learner", "grace", "--json"], { env: { PARALLAB_DB: db } });
      expect(r.code, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout) as { notebooks: { notebook: string; checks: { check: string; passed: boolean }[]; errors: unknown[]; solutionHash: string; feedbackFiles: string[] }[] };
      for (const [i, nb] of [WELCOME!, SPMD!].entries()) {
        const graded = result.notebooks[i]!;
        expect(graded.checks.map((c) => [c.check, c.passed])).toEqual(nb.entry.checks.map((c) => [c.id, true]));
        expect(graded.errors).toEqual([]);
        expect(graded.solutionHash).toMatch(/^[0-9a-f]{64}$/);
        const recorded = rows(db).filter((row) => row.provenance === "graded" && row.kind === "check" && nb.entry.checks.some((c) => c.id === row.ref));
        expect(recorded.map((row) => row.ref).sort()).toEqual(nb.entry.checks.map((c) => c.id).sort());
        expect(recorded.every((row) => row.content_hash === graded.solutionHash && row.learner_id === "grace")).toBe(true);
        expect(rows(db)).toContainEqual(expect.objectContaining({ kind: "notebook", ref: nb.entry.id, provenance: "graded" }));
        const md = readFileSync(graded.feedbackFiles[0]!, "utf8");
        expect(md).toContain(`${nb.entry.checks.length} of ${nb.entry.checks.length} checks passed`);
        expect(readFileSync(graded.feedbackFiles[1]!, "utf8")).toContain("<table");
      }
      // Grading again the same work adds nothing.
      const again = await runCli(["grade", files[0]!, "--learner", "grace"], { env: { PARALLAB_DB: db } });
      expect(again.stdout).toContain("Recorded 0 new graded evidence");
    },
    10 * 60_000,
  );

  it(
    "grades edited locked cells as the course has them, and the feedback says what was changed",
    async () => {
      const dir = mkdtempSync(path.join(scratch, "tampered-"));
      const check = WELCOME!.entry.checks[0]!.id;
      const file = solvedCopy(dir, WELCOME, (copy) => {
        const checkCell = copy.cells.find((c) => sourceText(c).startsWith(`%%check ${check}`))!;
        checkCell.source = sourceLines(`%%check ${check}\n// nothing to check here\n`);
        const markdown = copy.cells.find((c) => c.cell_type === "markdown")!;
        copy.cells.splice(copy.cells.indexOf(markdown), 1);
      });
      const db = path.join(scratch, "tampered.db");
      const r = await runCli(["grade", file, "--learner", "mallory"], { env: { PARALLAB_DB: db } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("2 locked cells changed");
      const md = readFileSync(file.replace(".ipynb", ".feedback.md"), "utf8");
      expect(md).toContain(`the check cell %%check ${check} was edited; it was graded as the course has it.`);
      expect(md).toMatch(/the instruction cell \S+ was deleted; it was put back for grading\./);
      expect(
        rows(db)
          .filter((row) => row.provenance === "graded")
          .map((row) => row.ref),
      ).toContain(check);
    },
    5 * 60_000,
  );
});

describe("a hard-coded answer", () => {
  it(
    "passes the visible check live and fails a hidden test under grading",
    async () => {
      const check = "02-shared-memory.balance";
      const dir = mkdtempSync(path.join(scratch, "hard-coded-"));
      const file = solvedCopy(dir, SHARED, (copy) => {
        // `split` that only knows the answers the visible check asks for (worker counts 2, 4, 8,
        // 64 and the pool's size, the notebook's own costs).
        const cell = copy.cells.find((c) => /function split\(/.test(sourceText(c)) && (c.metadata.parallab as ReleasedCellMeta).cell === "solution")!;
        const lookup = [
          "function split(_costs: number[], workers: number): number[][] {",
          "  const answers = ((split as unknown as { answers?: Map<number, number[][]> }).answers ??= new Map([2, 4, 8, 64, parallel.threads].map((w) => [w, instructorSplit(allRows.map((i) => i), w)])));",
          "  return answers.get(workers) ?? [];",
          "}",
          "",
        ].join("\n");
        cell.source = sourceLines(lookup + sourceText(cell).replace(/function split\(/, "function instructorSplit("));
      });
      const db = path.join(scratch, "hard-coded.db");
      const live = await runCli(["run", file, "--out", path.join(dir, "out"), "--learner", "eve", "--allow-errors"], { env: { PARALLAB_DB: db } });
      expect(live.code, live.stderr + live.stdout).toBe(0);
      const executed = JSON.parse(readFileSync(path.join(dir, "out", path.basename(file)), "utf8")) as Notebook;
      const results = executed.cells
        .flatMap((c) => c.outputs ?? [])
        .map((o) => (o.data as Record<string, unknown> | undefined)?.[CHECK_MIME] as { check: string; passed: boolean } | undefined)
        .filter(Boolean);
      expect(results).toContainEqual(expect.objectContaining({ check, passed: true }));
      expect(rows(db)).toContainEqual(expect.objectContaining({ ref: check, provenance: "checked" }));

      const graded = await runCli(["grade", file, "--learner", "eve"], { env: { PARALLAB_DB: db } });
      expect(graded.code).toBe(1);
      const md = readFileSync(file.replace(".ipynb", ".feedback.md"), "utf8");
      const row = md.split("\n").find((l) => l.startsWith(`| ${check.replace(/\./g, "\\.")}`) || l.includes(check))!;
      expect(row).toContain("failed");
      expect(row).toContain("A hidden test failed");
      expect(
        rows(db)
          .filter((r) => r.provenance === "graded")
          .map((r) => r.ref),
      ).not.toContain(check);
    },
    10 * 60_000,
  );
});
