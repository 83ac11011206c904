// jslink: two widgets' keys kept equal by the front end itself (no round trip to the kernel),
// as a LinkModel that holds [widget, key] pairs.
import { UsageError } from "../../common/errors.js";
import { CONTROL_MODELS as MODELS, type StateOf } from "./models.js";
import { WIDGET_RUNTIME, Widget, widgetClass, type WidgetOptions } from "./widget.js";

export type WidgetKey = [Widget, string];

function checkPair(owner: string, name: string, value: unknown): WidgetKey {
  if (!Array.isArray(value) || value.length !== 2 || !(value[0] instanceof Widget) || typeof value[1] !== "string")
    throw new UsageError(`${owner}.${name} must be [widget, "key"], got ${Array.isArray(value) ? `a list of ${value.length}` : String(value)}`);
  const [widget, key] = value as WidgetKey;
  if (!Object.hasOwn(widget.spec.defaults, key)) throw new UsageError(`${owner}.${name}: ${widget.constructor.name} has no synced key ${JSON.stringify(key)}`);
  return [widget, key];
}

export class Link extends widgetClass(MODELS.Link) {
  constructor(options: WidgetOptions<StateOf<"Link">> = {}) {
    super(options);
  }

  protected override validate(name: string, value: unknown): unknown {
    return name === "source" || name === "target" ? checkPair(this.constructor.name, name, value) : value;
  }

  /** Ends the link (closes its model). */
  unlink(): void {
    this.close();
  }
}

/**
 * Keeps `target`'s key equal to `source`'s in the front end, both ways:
 * `jslink([play, "value"], [slider, "value"])`. Returns the link (`unlink()` ends it).
 */
export function jslink(source: WidgetKey, target: WidgetKey): Link {
  const [widget] = checkPair("jslink", "source", source);
  checkPair("jslink", "target", target);
  // The link lives where its widgets live (a kernel session).
  return widget[WIDGET_RUNTIME].create(MODELS.Link.model, { source, target }) as Link;
}
