// The course as the learner gets it: the instructor's source is sound (every check has official
// assertions, hidden tests and an exercise to solve), `parallab course init` writes copies with
// stubs, no hidden tests and locked cells, never overwrites a learner's work, and the copy runs
// top to bottom in Jupyter's own client with every exercise failing with its stub's message and
// nothing recorded.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { loadFramework } from "../tracker/framework/load.js";
import { Course, checkIdOf } from "../course/source.js";
import { findRegions, replaceRegions } from "../course/markers.js";
import { releaseNotebook, cellChecksum, type ReleasedCellMeta } from "../course/release.js";
import { MANIFEST } from "../course/learner-copy.js";
import { sourceText, type Notebook } from "../course/notebook-file.js";
import { CLI, ROOT, runCli, runCommand } from "./helpers/cli.js";
import { errorOf, resultText, startKernel } from "./helpers/kernel.js";

const framework = loadFramework();
const course = new Course(framework);
const scratch = mkdtempSync(path.join(os.tmpdir(), "parallab-course-test-"));
const tmp = (name: string) => mkdtempSync(path.join(scratch, `${name}-`));
const read = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Notebook;

describe("the instructor's source", () => {
  it("has no problems: every check has assertions, hidden tests and an exercise before it", () => {
    expect(course.problems()).toEqual([]);
  });

  it("marks at least one solution region and one hidden test per check", () => {
    for (const nb of course.notebooks()) {
      const solutionChecks = new Set(nb.cells.filter((c) => c.role === "solution").map((c) => c.check));
      for (const check of nb.entry.checks) {
        expect(solutionChecks.has(check.id), `${nb.entry.file}: ${check.id} has a solution`).toBe(true);
        expect(nb.checks.get(check.id)?.graded, `${nb.entry.file}: ${check.id} has hidden tests`).toBeTruthy();
      }
    }
  });
});

describe("the learner's copy of each notebook", () => {
  for (const nb of course.notebooks()) {
    it(`${nb.entry.file}: stubs instead of solutions, no hidden tests, locked cells with checksums`, () => {
      const release = releaseNotebook(nb);
      const text = JSON.stringify(release);
      expect(text).not.toContain("BEGIN SOLUTION");
      expect(text).not.toContain("HIDDEN TESTS");
      expect(release.metadata.parallab).toMatchObject({ id: nb.entry.id, course: "parallab" });
      release.cells.forEach((cell, i) => {
        const meta = cell.metadata.parallab as ReleasedCellMeta;
        const source = sourceText(cell);
        const original = nb.cells[i]!;
        expect(cell.id).toBe(original.id);
        if (original.role === "solution") {
          expect(cell.metadata.editable).toBe(true);
          // Each region became a stub that names the exercise's check and what to write.
          const stubs = source.split("\n").filter((l) => l.trim().startsWith("throw new Error("));
          expect(stubs.length, `${cell.id}`).toBe(original.regions.length);
          for (const stub of stubs) expect(stub).toMatch(new RegExp(`\\(check ${original.check!.replace(/\./g, "\\.")}\\) is not solved yet\\. Replace this line with your code: `));
          // None of the solution's own lines survive (but those the cell also has outside its regions).
          const outside = replaceRegions(original.source, original.regions, () => []).split("\n");
          for (const region of original.regions)
            for (const line of region.body.filter((l) => l.trim().length > 12 && !outside.includes(l))) expect(source.split("\n"), `${cell.id}: ${line}`).not.toContain(line);
        } else {
          expect(cell.metadata).toMatchObject({ editable: false, deletable: false });
          expect(meta.checksum).toBe(cellChecksum(cell.cell_type, source));
        }
        if (original.role === "check") {
          expect(checkIdOf(source)).toBe(original.check);
          expect(findRegions(source, "hidden", "release")).toEqual([]);
        }
        if (cell.cell_type === "code") expect(cell.outputs).toEqual([]);
      });
    });
  }
});

describe("parallab course init", () => {
  it("writes the learner's copy and a manifest, and refuses to write over a folder of learner work", async () => {
    const dir = path.join(tmp("init"), "my-course");
    const first = await runCli(["course", "init", dir]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`${framework.curriculum.length} notebooks added`);
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith(".ipynb"))
        .sort(),
    ).toEqual(framework.curriculum.map((n) => n.file).sort());
    expect(existsSync(path.join(dir, MANIFEST))).toBe(true);

    // The learner works in a notebook; a second plain init must not touch anything.
    const file = path.join(dir, framework.curriculum[1]!.file);
    const work = read(file);
    const solutionCell = work.cells.find((c) => (c.metadata.parallab as ReleasedCellMeta).cell === "solution")!;
    solutionCell.source = ["// my own attempt\n", "const mine = 42;\n"];
    writeFileSync(file, JSON.stringify(work));
    const before = readFileSync(file, "utf8");
    const again = await runCli(["course", "init", dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("already holds your copy of the course");
    expect(again.stderr).toContain("--update");
    expect(readFileSync(file, "utf8")).toBe(before);

    // A folder of someone's other files is refused too.
    const other = tmp("other");
    writeFileSync(path.join(other, "thesis.ipynb"), "{}");
    const foreign = await runCli(["course", "init", other]);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain("already holds 1 file, 1 of them notebooks");
    expect(readdirSync(other)).toEqual(["thesis.ipynb"]);
  });

  it("--update adds new and changed notebooks, and lists the ones it left alone because the learner edited them", async () => {
    // A course of our own (PARALLAB_COURSE): the instructor changes two notebooks after the release.
    const source = path.join(tmp("source"), "notebooks");
    cpSync(path.join(ROOT, "notebooks"), source, { recursive: true });
    const dir = path.join(tmp("update"), "copy");
    const env = { PARALLAB_COURSE: source };
    expect((await runCli(["course", "init", dir], { env })).code).toBe(0);
    const [edited, untouched, removed] = [framework.curriculum[0]!.file, framework.curriculum[2]!.file, framework.curriculum[3]!.file];
    const mine = read(path.join(dir, edited));
    mine.cells.find((c) => (c.metadata.parallab as ReleasedCellMeta).cell === "solution")!.source = ["const myAnswer = 1;\n"];
    writeFileSync(path.join(dir, edited), JSON.stringify(mine, null, 1));
    // Running cells (outputs) is not editing: that copy may still be updated.
    const ran = read(path.join(dir, untouched));
    ran.cells.find((c) => c.cell_type === "code")!.outputs = [{ output_type: "stream", name: "stdout", text: "hi\n" }];
    writeFileSync(path.join(dir, untouched), JSON.stringify(ran, null, 1));
    const { rmSync } = await import("node:fs");
    rmSync(path.join(dir, removed));
    for (const file of [edited, untouched]) {
      const nb = read(path.join(source, file));
      nb.cells.find((c) => c.cell_type === "markdown")!.source = ["# Revised by the instructor\n"];
      writeFileSync(path.join(source, file), JSON.stringify(nb, null, 1));
    }
    const update = await runCli(["course", "init", dir, "--update", "--json"], { env });
    expect(update.code, update.stderr).toBe(0);
    const result = JSON.parse(update.stdout) as { added: string[]; updated: string[]; keptEdited: string[]; unchanged: string[] };
    expect(result.added).toEqual([removed]);
    expect(result.updated).toEqual([untouched]);
    expect(result.keptEdited).toEqual([edited]);
    expect(sourceText(read(path.join(dir, edited)).cells.find((c) => (c.metadata.parallab as ReleasedCellMeta).cell === "solution")!)).toBe("const myAnswer = 1;\n");
    expect(sourceText(read(path.join(dir, untouched)).cells[0]!)).toBe("# Revised by the instructor\n");
    const text = await runCli(["course", "init", dir, "--update"], { env });
    expect(text.stdout).toContain(`Left alone because you edited them`);
    expect(text.stdout).toContain(edited);
  });
});

describe("a learner's copy anywhere on the machine", () => {
  it("imports the packages Parallab ships, in cells and their types", async () => {
    // The kernel's working directory is a fresh folder under /tmp, outside the package.
    const k = await startKernel();
    try {
      const { reply, outputs } = await k.client.execute('import YAML from "yaml";\nconst text: string = YAML.stringify({ workers: 4 });\ntext');
      expect(reply.content.status, JSON.stringify(errorOf(outputs))).toBe("ok");
      expect(resultText(outputs)).toBe("'workers: 4\\n'");
    } finally {
      await k.stop();
    }
  });
});

describe("the learner's copy, run top to bottom in Jupyter's nbclient", () => {
  it(
    "fails every exercise with its stub's message, and records nothing",
    async () => {
      const dir = path.join(tmp("learner-run"), "course");
      expect((await runCli(["course", "init", dir])).code).toBe(0);
      const prefix = path.join(scratch, "prefix");
      spawnSync(process.execPath, [CLI, "install", "--prefix", prefix]);
      const db = path.join(scratch, "learner-run.db");
      const r = await runCommand(
        "/usr/bin/python3",
        [path.join(ROOT, "test", "notebooks", "run_nbclient.py"), "--allow-errors", path.join(scratch, "learner-run-out"), ...framework.curriculum.map((n) => path.join(dir, n.file))],
        {
          env: { JUPYTER_PATH: path.join(prefix, "share", "jupyter"), JUPYTER_DATA_DIR: path.join(scratch, "jupyter-data"), PARALLAB_DB: db, PARALLAB_LEARNER: "new-learner" },
        },
      );
      expect(r.code, r.stderr).toBe(0);
      const results = JSON.parse(r.stdout) as { file: string; errors: { cell: number; id: string; ename: string; evalue: string }[]; checks: { check: string; passed: boolean }[] }[];
      for (const [i, result] of results.entries()) {
        const nb = course.notebook(framework.curriculum[i]!.id);
        // Each exercise fails with its stub's own message: in its cell, or (a stub inside a
        // function) where a later cell of the exercise, or its check, calls it.
        for (const check of nb.entry.checks) {
          const at = nb.cells.findIndex((c) => c.role === "check" && c.check === check.id);
          const from = nb.cells.slice(0, at).findLastIndex((c) => c.role === "check") + 1;
          const cells = new Set(nb.cells.slice(from, at + 1).map((c) => c.id));
          const stubError = result.errors.find((e) => cells.has(e.id) && e.evalue.includes(`(check ${check.id}) is not solved yet. Replace this line with your code: `));
          expect(stubError, `${result.file}: ${check.id} fails with its stub's message; errors: ${JSON.stringify(result.errors.filter((e) => cells.has(e.id)))}`).toBeDefined();
        }
        expect(
          result.checks.filter((c) => c.passed),
          result.file,
        ).toEqual([]);
      }
      // Nothing for the learner in the tracker (the kernel may have created the file, empty of evidence).
      if (existsSync(db)) {
        const sqlite = new Database(db, { readonly: true });
        expect((sqlite.prepare("select count(*) n from evidence").get() as { n: number }).n).toBe(0);
        sqlite.close();
      }
    },
    20 * 60_000,
  );
});
