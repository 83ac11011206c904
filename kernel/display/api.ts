// What notebooks import: `import { display, html, markdown, image, plot } from "parallab"`.
import { randomUUID } from "node:crypto";
import type { MimeBundle } from "../protocol/messages.js";
import { imageBundle } from "./image.js";
import { toMimeBundle } from "./mime.js";
import { plotBundle, type PlotOptions, type PlotTrace } from "../../common/plot.js";
import { currentSink } from "./sink.js";

export interface DisplayOptions {
  /** Names the output so that later displays with the same id replace it in place (`true`: a new id). */
  displayId?: string | true;
  /** Replace the output with this displayId instead of adding a new one. */
  update?: boolean;
  metadata?: Record<string, unknown>;
}

/** A shown output that can be replaced in place (update_display_data). */
export class DisplayHandle {
  constructor(readonly displayId: string) {}
  update(value: unknown, metadata: Record<string, unknown> = {}): void {
    currentSink().display(toMimeBundle(value), metadata, this.displayId, true);
  }
}

type Named = DisplayOptions & { displayId: string | true };

/**
 * Shows a value (or a mime bundle such as `{ "text/html": "<b>hi</b>" }`) in the cell's output.
 * Like IPython's display() it returns nothing, unless given a `displayId`: then it returns a
 * handle whose `update()` replaces the output in place.
 */
export function display(value: unknown, options: Named): DisplayHandle;
export function display(value: unknown, options?: DisplayOptions): void;
export function display(value: unknown, options: DisplayOptions = {}): DisplayHandle | undefined {
  return show(toMimeBundle(value), options);
}

function show(bundle: MimeBundle, options: DisplayOptions = {}): DisplayHandle | undefined {
  const named = options.displayId !== undefined;
  const displayId = options.displayId === true || options.displayId === undefined ? randomUUID() : options.displayId;
  currentSink().display(bundle, options.metadata ?? {}, named ? displayId : undefined, options.update ?? false);
  return named ? new DisplayHandle(displayId) : undefined;
}

export function html(source: string, options: Named): DisplayHandle;
export function html(source: string, options?: DisplayOptions): void;
export function html(source: string, options?: DisplayOptions): DisplayHandle | undefined {
  return show({ "text/html": source, "text/plain": source.replace(/<[^>]*>/g, "").trim() || "<HTML>" }, options);
}

export function markdown(source: string, options: Named): DisplayHandle;
export function markdown(source: string, options?: DisplayOptions): void;
export function markdown(source: string, options?: DisplayOptions): DisplayHandle | undefined {
  return show({ "text/markdown": source, "text/plain": source }, options);
}

export function image(bytes: Uint8Array | string, options: Named & { alt?: string }): DisplayHandle;
export function image(bytes: Uint8Array | string, options?: DisplayOptions & { alt?: string }): void;
export function image(bytes: Uint8Array | string, options?: DisplayOptions & { alt?: string }): DisplayHandle | undefined {
  return show(imageBundle(bytes, options?.alt), options);
}

/** A plotly.js chart: `plot([{ x: [1, 2, 3], y: [2, 4, 8], type: "bar" }], { title: "…" })`. */
export function plot(data: PlotTrace[], layout: Record<string, unknown>, options: PlotOptions & Named): DisplayHandle;
export function plot(data: PlotTrace[], layout?: Record<string, unknown>, options?: PlotOptions & DisplayOptions): void;
export function plot(data: PlotTrace[], layout: Record<string, unknown> = {}, options: PlotOptions & DisplayOptions = {}): DisplayHandle | undefined {
  return show(plotBundle(data, layout, options), options);
}

/** Clears the cell's output; with `wait`, only when the next output arrives (no flicker). */
export function clearOutput(options: { wait?: boolean } = {}): void {
  currentSink().clearOutput(options.wait ?? false);
}

/** Asks the user for a line of text through the front end (the stdin channel). */
export function input(prompt = "", options: { password?: boolean } = {}): Promise<string> {
  return currentSink().input(prompt, options.password ?? false);
}

export { MIME_BUNDLE, type Displayable } from "./mime.js";
export type { PlotTrace, PlotOptions } from "../../common/plot.js";
