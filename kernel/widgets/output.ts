// The Output widget: shows what code run through it prints and displays. The kernel sets its
// `msg_id` to the message being handled (a cell, or a front end's comm message); the front end
// then takes every output with that parent into the widget (and nbclient does the same when it
// runs a notebook). Back to "" afterwards, and the outputs go to the cell again.
import { toMimeBundle } from "../display/mime.js";
import { CONTROL_MODELS as MODELS } from "./models.js";
import { widgetClass } from "./widget.js";

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as PromiseLike<unknown> | null)?.then === "function";

export class Output extends widgetClass(MODELS.Output) {
  /** How many runs are inside (they may nest, or overlap while async): the last one out clears msg_id. */
  private depth = 0;

  /**
   * Runs `fn` with its output (and its async work's, until it settles) in this widget, as
   * ipywidgets' `with out:`. An error is shown in the widget, and run returns undefined.
   */
  run<R>(fn: () => Promise<R>): Promise<R | undefined>;
  run<R>(fn: () => R): R | undefined;
  run(fn: () => unknown): unknown {
    this.enter();
    let result: unknown;
    try {
      result = fn();
    } catch (err) {
      this.runtime.showError(err);
      this.exit();
      return undefined;
    }
    if (!isThenable(result)) {
      this.exit();
      return result;
    }
    return Promise.resolve(result).then(
      (value) => {
        this.exit();
        return value;
      },
      (err: unknown) => {
        this.runtime.showError(err);
        this.exit();
        return undefined;
      },
    );
  }

  /** `fn` wrapped to run in this widget, as ipywidgets' `@out.capture()`: for handlers (`button.onClick(out.capture(…))`). */
  capture<A extends unknown[], R>(fn: (...args: A) => R, options: { clearOutput?: boolean; wait?: boolean } = {}): (...args: A) => R | undefined {
    return (...args: A) => {
      if (options.clearOutput) this.clearOutput({ wait: options.wait });
      return this.run(() => fn(...args)) as R | undefined;
    };
  }

  /** Clears the widget; with `wait`, only when the next output arrives (no flicker). */
  clearOutput(options: { wait?: boolean } = {}): void {
    this.run(() => this.runtime.clearOutput(options.wait ?? false));
  }

  appendStdout(text: string): void {
    this.outputs = [...this.outputs, { output_type: "stream", name: "stdout", text }];
  }

  appendStderr(text: string): void {
    this.outputs = [...this.outputs, { output_type: "stream", name: "stderr", text }];
  }

  /** Adds a value (or mime bundle) as a display_data output. */
  appendDisplayData(value: unknown): void {
    this.outputs = [...this.outputs, { output_type: "display_data", data: toMimeBundle(value), metadata: {} }];
  }

  private enter(): void {
    this.depth++;
    this.msg_id = this.runtime.currentMessageId();
  }

  private exit(): void {
    this.depth--;
    if (this.depth === 0) this.msg_id = "";
  }
}
