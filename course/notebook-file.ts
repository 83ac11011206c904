// nbformat 4 notebooks as files: the shape the course, the grader and the runner share,
// reading with errors that say what is wrong, and writing that never leaves half a file.
import { createHash } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CourseError } from "./errors.js";

export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  metadata: Record<string, unknown>;
  execution_count?: number | null;
  outputs?: NotebookOutput[];
  id?: string;
}

export type NotebookOutput = Record<string, unknown> & { output_type: string };

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: NotebookCell[];
}

export const sourceText = (cell: Pick<NotebookCell, "source">) => (Array.isArray(cell.source) ? cell.source.join("") : cell.source);

/** A cell's source as nbformat stores it on disk: one string per line, each with its newline. */
export function sourceLines(text: string): string[] {
  return text.length === 0 ? [] : (text.match(/[^\n]*\n|[^\n]+$/g) ?? []);
}

const shown = (file: string) => path.relative(process.cwd(), file) || file;

/** Parses a notebook's text; `file` names it in errors. */
export function parseNotebook(text: string, file: string): Notebook {
  let nb: unknown;
  try {
    nb = JSON.parse(text);
  } catch (err) {
    throw new CourseError(`${shown(file)} is not a notebook: the file is not valid JSON (${(err as Error).message})`);
  }
  const notebook = nb as Partial<Notebook> | null;
  if (typeof notebook !== "object" || notebook === null || notebook.nbformat !== 4 || !Array.isArray(notebook.cells)) {
    throw new CourseError(`${shown(file)} is not a Jupyter notebook in format 4 (it needs "nbformat": 4 and a "cells" list)`);
  }
  notebook.cells.forEach((cell, i) => {
    const c = cell as Partial<NotebookCell> | null;
    if (typeof c !== "object" || c === null || !["code", "markdown", "raw"].includes(String(c.cell_type))) throw new CourseError(`${shown(file)}: cell ${i + 1} has no valid cell_type`);
    if (typeof c.source !== "string" && !Array.isArray(c.source)) throw new CourseError(`${shown(file)}: cell ${i + 1} has no source`);
    c.metadata ??= {};
  });
  const ok = notebook as Notebook;
  ok.metadata ??= {};
  ok.nbformat_minor ??= 0;
  giveCellIds(ok);
  return ok;
}

/** Reads a notebook, or a CourseError that says what is wrong with the file. */
export function readNotebook(file: string): Notebook {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new CourseError(`${shown(file)}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseNotebook(text, file);
}

/**
 * nbformat 4.5 needs cell ids; readers invent random ones where they are missing, which
 * changes the notebook's content at every read and so breaks its trust signature.
 */
function giveCellIds(nb: Notebook): void {
  if ((nb.nbformat_minor ?? 0) < 5) return;
  const used = new Set(nb.cells.map((c) => c.id).filter(Boolean));
  nb.cells.forEach((cell, i) => {
    if (cell.id) return;
    let id = `cell-${i}`;
    for (let n = 1; used.has(id); n++) id = `cell-${i}-${n}`;
    used.add(id);
    cell.id = id;
  });
}

/** The text a notebook is written as (Jupyter's own layout: one-space indent, final newline). */
export const notebookText = (nb: Notebook) => `${JSON.stringify(nb, null, 1)}\n`;

/** Writes through a temporary file and a rename: a reader never sees half a notebook. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export function writeNotebook(file: string, nb: Notebook): void {
  writeFileAtomic(file, notebookText(nb));
}

export const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
