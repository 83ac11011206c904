// Where widgets live. A kernel session binds the widget classes to its WidgetManager
// (./manager.ts): a bound class's widgets open their comm once built. Outside a kernel (a Node
// program that imports "parallab"), widgets live in the standalone runtime: no front end, so
// no comm, and a display prints the widget's text.
import { newCommId } from "../comms/manager.js";
import { toMimeBundle } from "../display/mime.js";
import { stdoutSink } from "../display/sink.js";
import { UsageError } from "../../common/errors.js";
import { classForModel } from "./registry.js";
import { type Widget, WIDGET_RUNTIME, type WidgetRuntime } from "./widget.js";

type Constructor<W extends Widget = Widget> = new (...args: never[]) => W;

/** A subclass of `cls` whose widgets live in `runtime` and open their comm once built (its name stays `cls`'s). */
export function bindClass<C extends Constructor>(cls: C, runtime: WidgetRuntime): C {
  const Base = cls as unknown as new (...args: unknown[]) => Widget;
  class Bound extends Base {
    constructor(...args: unknown[]) {
      super(...args);
      this.open();
    }
  }
  Object.defineProperty(Bound, "name", { value: cls.name });
  Object.defineProperty(Bound.prototype, WIDGET_RUNTIME, { value: runtime });
  return Bound as unknown as C;
}

/** The class of a model name, or a UsageError that names it. */
export function requireClass(model: string): new (options: Record<string, unknown>) => Widget {
  const cls = classForModel(model);
  if (!cls) throw new UsageError(`no widget class speaks the model ${JSON.stringify(model)}`);
  return cls;
}

export const standaloneRuntime: WidgetRuntime = {
  newModelId: newCommId,
  openComm: () => null,
  create: (model, options) => new (requireClass(model))(options),
  construct: (cls, ...args) => new cls(...args),
  lookup: () => undefined,
  forget: () => {},
  frontEndSeen: () => {},
  currentMessageId: () => "",
  display: (value) => stdoutSink.display(toMimeBundle(value), {}, undefined, false),
  clearOutput: () => {},
  track: (work) => void work.catch((err: unknown) => console.error(err)),
  showError: (thrown) => console.error(thrown),
  log: (text) => void process.stderr.write(`[parallab] ${text}\n`),
};
