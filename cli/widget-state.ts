// What `parallab run` keeps of a notebook's widgets, as nbclient keeps it: each model's state
// from the kernel's comm_open and its updates, saved as the notebook's
// metadata.widgets["application/vnd.jupyter.widget-state+json"] (@jupyter-widgets/schema v2),
// so that a front end with a widget manager shows the widgets of the saved notebook. As
// nbclient, it stands in for the front end of Output widgets: what a cell prints while an Output
// captures it goes into that widget's `outputs`, not the cell's.
import type { IopubMessage } from "./runner/notebook-kernel.js";
import { OutputCollector } from "./notebook.js";
import { FORMAT_VERSION, STATE_MIME, WIDGET_TARGET } from "../kernel/widgets/protocol.js";

type State = Record<string, unknown>;
interface SavedBuffer {
  path: (string | number)[];
  data: string;
  encoding: "base64";
}

const OUTPUT_MESSAGES = new Set(["stream", "display_data", "update_display_data", "execute_result", "error", "clear_output"]);

const base64 = (b: ArrayBuffer | ArrayBufferView) => (ArrayBuffer.isView(b) ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : Buffer.from(b)).toString("base64");

export class WidgetStateRecorder {
  private readonly states = new Map<string, State>();
  private readonly buffers = new Map<string, Map<string, SavedBuffer>>();
  /** Output widgets capturing now: the msg_id whose outputs they take → the model. */
  private readonly capturing = new Map<string, string>();
  private readonly outputs = new Map<string, OutputCollector>();

  /** Reads an iopub message of a cell; true when an Output widget took it (it is not the cell's output). */
  take(msg: IopubMessage): boolean {
    const type = msg.header.msg_type;
    const content = msg.content as { comm_id?: string; target_name?: string; data?: { state?: State; buffer_paths?: (string | number)[][] } };
    switch (type) {
      case "comm_open":
        if (content.target_name === WIDGET_TARGET && content.comm_id) this.record(content.comm_id, content.data, msg.buffers, true);
        return false;
      case "comm_msg":
        if (content.comm_id && this.states.has(content.comm_id)) this.record(content.comm_id, content.data, msg.buffers, false);
        return false;
      case "comm_close":
        if (content.comm_id) this.forget(content.comm_id);
        return false;
    }
    if (!OUTPUT_MESSAGES.has(type)) return false;
    const model = this.capturing.get(msg.parent_header?.msg_id ?? "");
    if (!model) return false;
    const collector = this.outputs.get(model) ?? new OutputCollector();
    this.outputs.set(model, collector);
    collector.add(msg);
    this.states.get(model)!.outputs = collector.outputs;
    return true;
  }

  /** The notebook's `metadata.widgets`, or null when no widget is open. */
  metadata(): Record<string, unknown> | null {
    if (this.states.size === 0) return null;
    const state: Record<string, unknown> = {};
    for (const [id, s] of this.states) {
      const saved = [...(this.buffers.get(id)?.values() ?? [])];
      state[id] = { model_name: s._model_name, model_module: s._model_module, model_module_version: s._model_module_version, state: s, ...(saved.length ? { buffers: saved } : {}) };
    }
    return { [STATE_MIME]: { ...FORMAT_VERSION, state } };
  }

  private record(id: string, data: { state?: State; buffer_paths?: (string | number)[][] } | undefined, buffers: IopubMessage["buffers"], opened: boolean): void {
    // A custom message has no state; an update or echo_update brings the keys that changed.
    if (!data?.state || typeof data.state !== "object") return;
    const state = opened ? { ...data.state } : Object.assign(this.states.get(id)!, data.state);
    if (opened) {
      this.states.set(id, state);
      this.buffers.delete(id);
    }
    (data.buffer_paths ?? []).forEach((path, i) => {
      const buffer = buffers?.[i];
      if (!buffer || !Array.isArray(path)) return;
      if (!this.buffers.has(id)) this.buffers.set(id, new Map());
      this.buffers.get(id)!.set(JSON.stringify(path), { path, data: base64(buffer), encoding: "base64" });
    });
    // The kernel set the outputs itself (appendStdout, clearing): capture goes on from them.
    if (!opened && Array.isArray(data.state.outputs)) {
      const collector = new OutputCollector();
      collector.outputs.push(...(data.state.outputs as OutputCollector["outputs"]));
      this.outputs.set(id, collector);
    }
    if (state._model_name === "OutputModel" && "msg_id" in data.state) {
      for (const [msgId, model] of this.capturing) if (model === id) this.capturing.delete(msgId);
      if (state.msg_id) this.capturing.set(String(state.msg_id), id);
    }
  }

  private forget(id: string): void {
    this.states.delete(id);
    this.buffers.delete(id);
    this.outputs.delete(id);
    for (const [msgId, model] of this.capturing) if (model === id) this.capturing.delete(msgId);
  }
}
