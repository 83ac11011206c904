// The course's notebooks agree with skills/. That they run (the learner's copy in Jupyter's own
// nbclient, the instructor's solutions under grading) is tested in course.test.ts, grade.test.ts
// and start.test.ts.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../common/paths.js";
import { loadFramework } from "../tracker/framework/load.js";
import { requirementsFor } from "../tracker/reports/gap.js";

const NOTEBOOKS = path.join(PACKAGE_ROOT, "notebooks");
const framework = loadFramework();
const files = readdirSync(NOTEBOOKS)
  .filter((f) => f.endsWith(".ipynb"))
  .sort();

interface Notebook {
  metadata: { kernelspec?: { name: string }; parallab?: { id: string; title: string; competencies: Record<string, string>; checks: string[]; prerequisites: string[]; hours: number } };
  cells: { id?: string; cell_type: string; source: string | string[] }[];
}
const read = (file: string) => JSON.parse(readFileSync(path.join(NOTEBOOKS, file), "utf8")) as Notebook;
const sourceOf = (cell: Notebook["cells"][number]) => (Array.isArray(cell.source) ? cell.source.join("") : cell.source);

describe("the course's notebooks", () => {
  it("are at least ten, one per curriculum entry, with metadata that agrees with skills/", () => {
    expect(files.length).toBeGreaterThanOrEqual(framework.curriculum.length);
    expect(files.sort()).toEqual(framework.curriculum.map((n) => n.file).sort());
    for (const entry of framework.curriculum) {
      const nb = read(entry.file);
      expect(nb.metadata.kernelspec?.name, entry.file).toBe("parallab");
      // nbformat 4.5: unique cell ids (readers would otherwise invent them, breaking trust).
      const ids = nb.cells.map((c) => c.id);
      expect(
        ids.every((id) => typeof id === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(id)),
        entry.file,
      ).toBe(true);
      expect(new Set(ids).size, entry.file).toBe(ids.length);
      expect(nb.metadata.parallab, entry.file).toEqual({
        id: entry.id,
        title: entry.title,
        competencies: entry.competencies,
        checks: entry.checks.map((c) => c.id),
        prerequisites: entry.prerequisites,
        hours: entry.hours,
      });
      // Every check of the entry is a %%check cell of the notebook, and nothing else is.
      const checkCells = nb.cells
        .filter((c) => c.cell_type === "code")
        .map(sourceOf)
        .map((s) => /^%%check\s+(\S+)/.exec(s)?.[1])
        .filter(Boolean);
      expect(checkCells.sort(), entry.file).toEqual(entry.checks.map((c) => c.id).sort());
    }
  });

  it("teach (with the catalogue) every competency some role or the certificate requires", () => {
    const taught = new Set([...framework.curriculum.flatMap((n) => Object.keys(n.competencies)), ...framework.catalogue.flatMap((c) => Object.keys(c.competencies))]);
    const required = new Set(framework.roles.flatMap((r) => [...Object.keys(requirementsFor(framework, r.id).requires), ...r.variants.flatMap((v) => Object.keys(v.requires))]));
    expect([...required].filter((c) => !taught.has(c))).toEqual([]);
  });
});
