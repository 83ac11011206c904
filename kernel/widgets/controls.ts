// Controls with one plain value (a checkbox, text) or none (a label, a button).
import { CONTROL_MODELS as MODELS, type StateOf } from "./models.js";
import { widgetClass, type WidgetOptions } from "./widget.js";

export class Checkbox extends widgetClass(MODELS.Checkbox) {}
export class Text extends widgetClass(MODELS.Text) {}
export class Textarea extends widgetClass(MODELS.Textarea) {}
/** Text shown as it is (no HTML), e.g. a caption beside a control. */
export class Label extends widgetClass(MODELS.Label) {}
/** HTML shown as it is: `new HTML({ value: "<b>done</b>" })`. */
export class HTML extends widgetClass(MODELS.HTML) {}

/** A button: `button.onClick(() => …)` runs in the kernel when it is clicked in the front end. */
export class Button extends widgetClass(MODELS.Button) {
  private readonly clickHandlers = new Set<(button: Button) => unknown>();

  constructor(options: WidgetOptions<StateOf<"Button">> = {}) {
    super(options);
    // A click arrives as a custom message, as ipywidgets' front end sends it.
    this.onMsg((content) => ((content as { event?: unknown } | null)?.event === "click" ? this.click() : undefined));
  }

  /** Calls `handler(button)` on each click; returns a function that stops it. */
  onClick(handler: (button: Button) => unknown): () => void {
    this.clickHandlers.add(handler);
    return () => this.clickHandlers.delete(handler);
  }

  /** Clicks it from the kernel: the handlers run as for a click in the front end. */
  click(): Promise<void> {
    return Promise.all([...this.clickHandlers].map((handler) => handler(this))).then(() => undefined);
  }
}
