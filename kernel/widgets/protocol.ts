// The Jupyter widget message protocol 2.1.0 (ipywidgets 8, @jupyter-widgets/jupyterlab-manager):
// its names and versions, binary buffers in a state, and the checks of what a front end sends.
// The spec: packages/schema/messages.md in jupyter-widgets/ipywidgets.

export const WIDGET_PROTOCOL_VERSION = "2.1.0";
export const CONTROL_PROTOCOL_VERSION = "1.0.0";
/** The comm target of widget models (one comm per model; the model id is the comm id). */
export const WIDGET_TARGET = "jupyter.widget";
/** The comm target a front end's widget manager opens to fetch every model's state at once. */
export const CONTROL_TARGET = "jupyter.widget.control";
export const VIEW_MIME = "application/vnd.jupyter.widget-view+json";
export const STATE_MIME = "application/vnd.jupyter.widget-state+json";
/** The view and saved-state formats' version (@jupyter-widgets/schema v2). */
export const FORMAT_VERSION = { version_major: 2, version_minor: 0 } as const;
/** A reference to another model in a state: "IPY_MODEL_" + its id. */
export const MODEL_REFERENCE = "IPY_MODEL_";

export type BufferPath = (string | number)[];
export type JsonState = Record<string, unknown>;

const isBinary = (v: unknown): v is ArrayBuffer | ArrayBufferView => v instanceof ArrayBuffer || ArrayBuffer.isView(v);
const asBytes = (v: ArrayBuffer | ArrayBufferView): Uint8Array => (ArrayBuffer.isView(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : new Uint8Array(v));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && !isBinary(v);

/**
 * Takes the binary values out of a state: they travel as the message's buffers, each with its
 * path in the state (a list item becomes null, an object key goes). The state is not changed.
 */
export function removeBuffers(state: JsonState): { state: JsonState; bufferPaths: BufferPath[]; buffers: Uint8Array[] } {
  const bufferPaths: BufferPath[] = [];
  const buffers: Uint8Array[] = [];
  const walk = (value: unknown, path: BufferPath): unknown => {
    if (Array.isArray(value)) {
      return value.map((item, i) => {
        if (!isBinary(item)) return walk(item, [...path, i]);
        bufferPaths.push([...path, i]);
        buffers.push(asBytes(item));
        return null;
      });
    }
    if (!isObject(value)) return value;
    const out: JsonState = {};
    for (const [key, item] of Object.entries(value)) {
      if (isBinary(item)) {
        bufferPaths.push([...path, key]);
        buffers.push(asBytes(item));
      } else out[key] = walk(item, [...path, key]);
    }
    return out;
  };
  return { state: walk(state, []) as JsonState, bufferPaths, buffers };
}

/** A front end's widget message that the kernel cannot use, with what is wrong for the log. */
export class WidgetMessageProblem extends Error {
  override name = "WidgetMessageProblem";
}

/** Puts each buffer back where its path says (the inverse of removeBuffers); the state is changed in place. */
export function putBuffers(state: JsonState, bufferPaths: unknown, buffers: Uint8Array[]): void {
  if (bufferPaths === undefined || bufferPaths === null) {
    if (buffers.length > 0) throw new WidgetMessageProblem(`${buffers.length} buffer(s) came without buffer_paths`);
    return;
  }
  if (!Array.isArray(bufferPaths)) throw new WidgetMessageProblem(`buffer_paths must be a list of paths, got ${describe(bufferPaths)}`);
  if (bufferPaths.length !== buffers.length) throw new WidgetMessageProblem(`${bufferPaths.length} buffer path(s) for ${buffers.length} buffer(s)`);
  bufferPaths.forEach((path, i) => {
    if (!Array.isArray(path) || path.length === 0 || !path.every((k) => typeof k === "string" || Number.isInteger(k)))
      throw new WidgetMessageProblem(`buffer path ${JSON.stringify(path)} is not a non-empty list of keys and indices`);
    let at: unknown = state;
    for (const key of path.slice(0, -1)) {
      at = typeof at === "object" && at !== null ? (at as Record<string | number, unknown>)[key] : undefined;
      if (typeof at !== "object" || at === null) throw new WidgetMessageProblem(`buffer path ${JSON.stringify(path)} does not lead into the state`);
    }
    (at as Record<string | number, unknown>)[path.at(-1) as string | number] = buffers[i];
  });
}

/** What a front end sends on a widget's comm. */
export type WidgetRequest = { method: "update"; state: JsonState } | { method: "request_state" } | { method: "custom"; content: unknown };

/** Checks a comm_msg's data for the widget protocol; buffers are put into an update's state. */
export function parseWidgetRequest(data: JsonState, buffers: Uint8Array[]): WidgetRequest {
  switch (data.method) {
    case "update": {
      if (!isObject(data.state)) throw new WidgetMessageProblem(`an update's state must be an object, got ${describe(data.state)}`);
      const state = { ...data.state };
      putBuffers(state, data.buffer_paths, buffers);
      return { method: "update", state };
    }
    case "request_state":
      return { method: "request_state" };
    case "custom":
      return { method: "custom", content: data.content };
    default:
      throw new WidgetMessageProblem(`unknown method ${describe(data.method)} (expected "update", "request_state" or "custom")`);
  }
}

/** What a value was, for a log line: 'the string "x"', "an array", "nothing". */
export function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (isBinary(v)) return "binary data";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `the ${typeof v} ${String(v)}`;
}
