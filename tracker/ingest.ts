// `parallab record FILE.ipynb…`: the check results the kernel wrote into executed notebooks
// become evidence. Every file is read and validated first; then all of it is written in one
// transaction, so a bad notebook leaves the database as it was. A notebook file is whatever its
// owner saved (an output can be typed by hand), so everything recorded here is `imported`,
// whatever the output claims: graded evidence comes only from `parallab grade`, checked only
// from a live %%check.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { today } from "../common/dates.js";
import { checksHeld, insertEvidence, type NewEvidence } from "./evidence.js";
import type { Framework } from "./framework/types.js";
import type { TrackerStore } from "./store.js";
import { DataError } from "../common/errors.js";

/** The output %%check writes into the notebook (next to its ✓): what `record` reads back. */
export { CHECK_MIME } from "./check-mime.js";
import { CHECK_MIME } from "./check-mime.js";

export interface CheckOutput {
  check: string;
  passed: boolean;
  date: string;
}

export class NotebookFormatError extends DataError {
  override name = "NotebookFormatError";
}

export interface NotebookChecks {
  file: string;
  sha256: string;
  results: CheckOutput[];
}

/** The check results in one executed notebook; a clear error for anything that is not one. */
export function readNotebook(file: string): NotebookChecks {
  const name = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new NotebookFormatError(`${name}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let nb: unknown;
  try {
    nb = JSON.parse(text);
  } catch (err) {
    throw new NotebookFormatError(`${name}: not a notebook: the file is not valid JSON (${(err as Error).message})`);
  }
  const notebook = nb as { nbformat?: unknown; cells?: unknown };
  if (typeof notebook !== "object" || notebook === null || notebook.nbformat !== 4 || !Array.isArray(notebook.cells)) {
    throw new NotebookFormatError(`${name}: not a Jupyter notebook in format 4 (it needs "nbformat": 4 and a "cells" list)`);
  }
  const results: CheckOutput[] = [];
  notebook.cells.forEach((cell: unknown, i: number) => {
    const c = cell as { cell_type?: unknown; outputs?: unknown };
    if (typeof c !== "object" || c === null || typeof c.cell_type !== "string") throw new NotebookFormatError(`${name}: cell ${i} has no cell_type`);
    if (c.cell_type !== "code") return;
    if (c.outputs !== undefined && !Array.isArray(c.outputs)) throw new NotebookFormatError(`${name}: cell ${i}: "outputs" must be a list`);
    for (const output of (c.outputs as { data?: Record<string, unknown> }[] | undefined) ?? []) {
      const data = output?.data?.[CHECK_MIME] as Partial<CheckOutput> | undefined;
      if (data === undefined) continue;
      if (typeof data.check !== "string" || typeof data.passed !== "boolean") throw new NotebookFormatError(`${name}: cell ${i}: a ${CHECK_MIME} output needs "check" and "passed"`);
      results.push({ check: data.check, passed: data.passed, date: typeof data.date === "string" && /^\d{4}-\d{2}-\d{2}$/.test(data.date) ? data.date : today() });
    }
  });
  return { file, sha256: createHash("sha256").update(text).digest("hex"), results };
}

export interface RecordedNotebook {
  file: string;
  passed: string[];
  unknown: string[];
  inserted: number;
  /** Curriculum notebooks whose checks are now all held (as imported or stronger). */
  completed: string[];
}

export async function recordNotebooks(store: TrackerStore, framework: Framework, files: string[], learner: string): Promise<RecordedNotebook[]> {
  const read = files.map(readNotebook);
  const checkOwner = new Map(framework.curriculum.flatMap((n) => n.checks.map((c) => [c.id, { notebook: n, check: c }] as const)));
  return store.transaction(async (tx) => {
    const recorded: RecordedNotebook[] = [];
    // One notebook after the other: each sees what the ones before it recorded.
    for (const nb of read) {
      const passed = [...new Set(nb.results.filter((r) => r.passed).map((r) => r.check))];
      const unknown = passed.filter((id) => !checkOwner.has(id));
      const rows: NewEvidence[] = passed
        .filter((id) => checkOwner.has(id))
        .map((id) => {
          const { check } = checkOwner.get(id)!;
          const date = nb.results.find((r) => r.check === id)!.date;
          return { learner, kind: "check", ref: id, competency: check.competency, level: check.level, source: nb.file, date, provenance: "imported" };
        });
      let inserted = await insertEvidence(tx, rows);
      const done = await checksHeld(tx, learner, "imported");
      const completed = framework.curriculum.filter((n) => n.checks.length > 0 && n.checks.every((c) => done.has(c.id)) && n.checks.some((c) => passed.includes(c.id))).map((n) => n.id);
      const lastDate =
        rows
          .map((r) => r.date)
          .sort()
          .pop() ?? today();
      inserted += await insertEvidence(
        tx,
        completed.map((id) => ({ learner, kind: "notebook", ref: id, source: nb.file, date: lastDate, provenance: "imported", contentHash: nb.sha256 })),
      );
      recorded.push({ file: nb.file, passed, unknown, inserted, completed });
    }
    return recorded;
  });
}
