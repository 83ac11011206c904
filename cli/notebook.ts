// nbformat 4 notebooks: reading cells and turning a cell's iopub messages into its outputs.
import { readFileSync } from "node:fs";
import type { IopubMessage } from "./runner/notebook-kernel.js";

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

export function readNotebook(file: string): Notebook {
  let nb: Notebook;
  try {
    nb = JSON.parse(readFileSync(file, "utf8")) as Notebook;
  } catch (err) {
    throw new Error(`${file} is not a readable notebook: ${(err as Error).message}`);
  }
  if (nb.nbformat !== 4 || !Array.isArray(nb.cells)) throw new Error(`${file} is not an nbformat 4 notebook (nbformat: ${String(nb.nbformat)})`);
  // nbformat 4.5 needs cell ids; readers invent random ones where they are missing, which
  // changes the notebook's content at every read and so breaks its trust signature.
  if ((nb.nbformat_minor ?? 0) >= 5) {
    const used = new Set(nb.cells.map((c) => c.id).filter(Boolean));
    nb.cells.forEach((cell, i) => {
      if (cell.id) return;
      let id = `cell-${i}`;
      for (let n = 1; used.has(id); n++) id = `cell-${i}-${n}`;
      used.add(id);
      cell.id = id;
    });
  }
  return nb;
}

export const sourceText = (cell: NotebookCell) => (Array.isArray(cell.source) ? cell.source.join("") : cell.source);

/** Builds a cell's outputs from its iopub messages, as a front end would show them. */
export class OutputCollector {
  readonly outputs: NotebookOutput[] = [];
  private clearPending = false;

  add(msg: IopubMessage): void {
    const c = msg.content as Record<string, unknown>;
    const type = msg.header.msg_type;
    if (type === "clear_output") {
      if (c.wait) this.clearPending = true;
      else this.outputs.length = 0;
      return;
    }
    if (type === "update_display_data") {
      const id = (c.transient as { display_id?: string } | undefined)?.display_id;
      for (const out of this.outputs) if ((out.__displayId as string | undefined) === id) Object.assign(out, { data: c.data, metadata: c.metadata ?? {} });
      return;
    }
    if (!["stream", "display_data", "execute_result", "error"].includes(type)) return;
    if (this.clearPending) {
      this.outputs.length = 0;
      this.clearPending = false;
    }
    const last = this.outputs[this.outputs.length - 1];
    if (type === "stream" && last?.output_type === "stream" && last.name === c.name) {
      last.text = String(last.text) + String(c.text);
      return;
    }
    const out: NotebookOutput = { output_type: type, ...c };
    delete out.transient;
    const displayId = (c.transient as { display_id?: string } | undefined)?.display_id;
    if (displayId) Object.defineProperty(out, "__displayId", { value: displayId, enumerable: false });
    if (type === "display_data" || type === "execute_result") out.metadata ??= {};
    this.outputs.push(out);
  }
}
