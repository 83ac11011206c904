// What notebooks import: `import { display, html, markdown, image, plot } from "parallab"`.
import { randomUUID } from "node:crypto";
import type { MimeBundle } from "../protocol/messages.js";
import { imageBundle } from "./image.js";
import { toMimeBundle } from "./mime.js";
import { plotBundle, type PlotOptions, type PlotTrace } from "../../common/plot.js";
import type { DisplaySink } from "./sink.js";

export interface DisplayOptions {
  /** Names the output so that later displays with the same id replace it in place (`true`: a new id). */
  displayId?: string | true;
  /** Replace the output with this displayId instead of adding a new one. */
  update?: boolean;
  metadata?: Record<string, unknown>;
}

/** A shown output that can be replaced in place (update_display_data). */
export class DisplayHandle {
  constructor(
    readonly displayId: string,
    private readonly sink: DisplaySink,
  ) {}
  update(value: unknown, metadata: Record<string, unknown> = {}): void {
    this.sink.display(toMimeBundle(value), metadata, this.displayId, true);
  }
}

type Named = DisplayOptions & { displayId: string | true };

/** The display functions of the `parallab` module, bound to where they show things. */
export interface DisplayApi {
  /**
   * Shows a value (or a mime bundle such as `{ "text/html": "<b>hi</b>" }`) in the cell's output.
   * Like IPython's display() it returns nothing, unless given a `displayId`: then it returns a
   * handle whose `update()` replaces the output in place.
   */
  display(value: unknown, options: Named): DisplayHandle;
  display(value: unknown, options?: DisplayOptions): void;
  html(source: string, options: Named): DisplayHandle;
  html(source: string, options?: DisplayOptions): void;
  markdown(source: string, options: Named): DisplayHandle;
  markdown(source: string, options?: DisplayOptions): void;
  image(bytes: Uint8Array | string, options: Named & { alt?: string }): DisplayHandle;
  image(bytes: Uint8Array | string, options?: DisplayOptions & { alt?: string }): void;
  /** A plotly.js chart: `plot([{ x: [1, 2, 3], y: [2, 4, 8], type: "bar" }], { title: "…" })`. */
  plot(data: PlotTrace[], layout: Record<string, unknown>, options: PlotOptions & Named): DisplayHandle;
  plot(data: PlotTrace[], layout?: Record<string, unknown>, options?: PlotOptions & DisplayOptions): void;
  /** Clears the cell's output; with `wait`, only when the next output arrives (no flicker). */
  clearOutput(options?: { wait?: boolean }): void;
  /** Asks the user for a line of text through the front end (the stdin channel). */
  input(prompt?: string, options?: { password?: boolean }): Promise<string>;
}

export function createDisplayApi(sink: DisplaySink): DisplayApi {
  const show = (bundle: MimeBundle, options: DisplayOptions = {}): DisplayHandle | undefined => {
    const named = options.displayId !== undefined;
    const displayId = options.displayId === true || options.displayId === undefined ? randomUUID() : options.displayId;
    sink.display(bundle, options.metadata ?? {}, named ? displayId : undefined, options.update ?? false);
    return named ? new DisplayHandle(displayId, sink) : undefined;
  };
  // The overloads are the interface's; one body serves both.
  const api = {
    display: (value: unknown, options?: DisplayOptions) => show(toMimeBundle(value), options),
    html: (source: string, options?: DisplayOptions) => show({ "text/html": source, "text/plain": source.replace(/<[^>]*>/g, "").trim() || "<HTML>" }, options),
    markdown: (source: string, options?: DisplayOptions) => show({ "text/markdown": source, "text/plain": source }, options),
    image: (bytes: Uint8Array | string, options?: DisplayOptions & { alt?: string }) => show(imageBundle(bytes, options?.alt), options),
    plot: (data: PlotTrace[], layout: Record<string, unknown> = {}, options: PlotOptions & DisplayOptions = {}) => show(plotBundle(data, layout, options), options),
    clearOutput: (options: { wait?: boolean } = {}) => sink.clearOutput(options.wait ?? false),
    input: (prompt = "", options: { password?: boolean } = {}) => sink.input(prompt, options.password ?? false),
  };
  return api as DisplayApi;
}

export { MIME_BUNDLE, type Displayable } from "./mime.js";
export type { PlotTrace, PlotOptions } from "../../common/plot.js";
