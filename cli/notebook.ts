// nbformat 4 notebooks for the runner: the file model (course/notebook-file.ts) and turning a
// cell's iopub messages into its outputs.
import type { IopubMessage } from "./runner/notebook-kernel.js";
import type { NotebookOutput } from "../course/notebook-file.js";

export { readNotebook, sourceText, writeNotebook, type Notebook, type NotebookCell, type NotebookOutput } from "../course/notebook-file.js";

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
