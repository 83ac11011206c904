// What %%capture keeps of a cell's output, as IPython's CapturedIO: the text of stdout and
// stderr, the rich outputs (displays and the cell's value), and show() to replay them.
import type { MimeBundle } from "../protocol/messages.js";
import { MIME_BUNDLE, type Displayable } from "./mime.js";
import type { DisplaySink } from "./sink.js";

/** One captured display (IPython's RichOutput): shown again by display(), or as a cell's value. */
export class RichOutput implements Displayable {
  readonly #sink: DisplaySink;

  constructor(
    readonly data: MimeBundle,
    readonly metadata: Record<string, unknown>,
    readonly transient: Record<string, unknown>,
    /** It replaced an earlier display in place (update_display_data). */
    readonly update: boolean,
    sink: DisplaySink,
  ) {
    this.#sink = sink;
  }

  /** Publishes it again, into the cell that runs this. */
  display(): void {
    const id = this.transient.display_id;
    this.#sink.display(this.data, this.metadata, typeof id === "string" ? id : undefined, this.update);
  }

  [MIME_BUNDLE](): MimeBundle {
    return this.data;
  }
}

export class CapturedIO {
  /** Everything the cell wrote to stdout. */
  stdout = "";
  /** Everything the cell wrote to stderr. */
  stderr = "";
  /** Its displays and its value, in order. */
  readonly outputs: RichOutput[] = [];
  readonly #sink: DisplaySink;

  constructor(sink: DisplaySink) {
    this.#sink = sink;
  }

  /** Adds a display_data (or update_display_data) content. */
  addDisplay(content: { data?: MimeBundle; metadata?: Record<string, unknown>; transient?: Record<string, unknown> }, update: boolean): void {
    this.outputs.push(new RichOutput(content.data ?? {}, content.metadata ?? {}, content.transient ?? {}, update, this.#sink));
  }

  /** Writes the text to this cell's stdout and stderr, then shows the outputs again (IPython's order). */
  show(): void {
    process.stdout.write(this.stdout);
    process.stderr.write(this.stderr);
    for (const output of this.outputs) output.display();
  }

  /** The captured stdout, as IPython's str(). */
  toString(): string {
    return this.stdout;
  }
}
