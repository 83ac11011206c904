// `npm start` on a fresh machine, as a new user: an empty HOME, no tracker, no copy of the course.
// It writes the learner's copy, checks the installation by grading the instructor's solutions in
// a scratch tracker (never the user's), and tells the truth about the user: nothing done yet.
// A second run keeps the learner's work.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { loadFramework } from "../tracker/framework/load.js";
import type { ReleasedCellMeta } from "../course/release.js";
import type { Notebook } from "../course/notebook-file.js";
import { runCli } from "./helpers/cli.js";

const framework = loadFramework();
const checks = framework.curriculum.reduce((n, nb) => n + nb.checks.length, 0);

describe("npm start from a fresh clone, with an empty HOME", () => {
  it(
    "sets up the learner's copy, passes the installation check, and reports a new learner's real gap; a second run keeps the learner's work",
    async () => {
      const home = mkdtempSync(path.join(os.tmpdir(), "parallab-home-"));
      const cwd = mkdtempSync(path.join(os.tmpdir(), "parallab-clone-"));
      // What a fresh machine has: no Parallab settings, HOME empty.
      const env: NodeJS.ProcessEnv = { HOME: home, PARALLAB_DB: "", PARALLAB_LEARNER: "", XDG_DATA_HOME: "", JUPYTER_DATA_DIR: "", PARALLAB_COURSE: "", PARALLAB_SKILLS: "" };
      const first = await runCli(["demo"], { env, cwd });
      expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(0);
      expect(first.stdout).toContain(`Installation check: every check passed (${checks}/${checks} checks of ${framework.curriculum.length} notebooks) in `);

      const copy = path.join(cwd, "parallab-course");
      expect(
        readdirSync(copy)
          .filter((f) => f.endsWith(".ipynb"))
          .sort(),
      ).toEqual(framework.curriculum.map((n) => n.file).sort());
      const certificate = framework.roles.find((r) => r.kind === "certificate")!;
      const readiness = Number(new RegExp(`${certificate.name.replace(/[()]/g, ".")}\\s+([\\d.]+)%`).exec(first.stdout)?.[1]);
      expect(readiness).toBeLessThan(100);
      const weeks = Number(/Study plan toward the certificate: (\d+) weeks/.exec(first.stdout)?.[1]);
      expect(weeks).toBeGreaterThan(0);
      expect(readFileSync(path.join(cwd, "out", "plan.md"), "utf8")).not.toContain("Nothing to study");
      expect(readFileSync(path.join(cwd, "out", "plan.ics"), "utf8")).toContain("BEGIN:VEVENT");
      expect(first.stdout).toContain("Next: npx parallab lab parallab-course");
      // The user's own tracker holds nothing they did not do.
      const db = path.join(home, ".local", "share", "parallab", "tracker.db");
      if (existsSync(db)) {
        const sqlite = new Database(db, { readonly: true });
        expect((sqlite.prepare("select count(*) n from evidence").get() as { n: number }).n).toBe(0);
        sqlite.close();
      }

      // The learner starts an exercise; npm start again keeps it.
      const file = path.join(copy, framework.curriculum[1]!.file);
      const nb = JSON.parse(readFileSync(file, "utf8")) as Notebook;
      nb.cells.find((c) => (c.metadata.parallab as ReleasedCellMeta | undefined)?.cell === "solution")!.source = ["// my first try\n"];
      writeFileSync(file, JSON.stringify(nb, null, 1));
      const mine = readFileSync(file, "utf8");
      const second = await runCli(["demo"], { env, cwd });
      expect(second.code, `${second.stdout}\n${second.stderr}`).toBe(0);
      expect(second.stdout).toMatch(/Installation check: passed on \d{4}-\d{2}-\d{2} for this build/);
      expect(readFileSync(file, "utf8")).toBe(mine);
    },
    25 * 60_000,
  );
});
