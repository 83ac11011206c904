// interact: controls made from abbreviations, as ipywidgets' `interact` makes them, that run a
// function again into an Output each time one changes.
//   [1, 8] or [0, 1, 0.1]   a slider (IntSlider when every number is whole, else FloatSlider)
//   ["sum", "max"]          a Dropdown of those values ([label, value] pairs, or { label: value })
//   5 / 0.5                 a slider around the number; true: a Checkbox; "text": a Text
//   a widget with a value   that widget
import { UsageError } from "../../common/errors.js";
import { VBox } from "./containers.js";
import { Checkbox, Text } from "./controls.js";
import { FloatSlider, IntSlider } from "./numbers.js";
import { Output } from "./output.js";
import { Dropdown } from "./selection.js";
import { Widget, type WidgetRuntime } from "./widget.js";

type Range = readonly [number, number] | readonly [number, number, number];
/** A control with a value: what an abbreviation becomes, or a widget given as it is. */
export type ValueControl = Widget & { value: unknown; description?: string };
export type Abbreviation = Range | readonly unknown[] | Readonly<Record<string, unknown>> | string | number | boolean | ValueControl;

/** The value a control made from abbreviation `A` gives the function. */
export type AbbreviationValue<A> = A extends Widget & { readonly value: infer V }
  ? V
  : A extends Range
    ? number
    : A extends readonly (infer E)[]
      ? E extends readonly [string, infer V]
        ? V
        : E
      : A extends boolean
        ? boolean
        : A extends string
          ? string
          : A extends number
            ? number
            : A extends Readonly<Record<string, infer V>>
              ? V
              : never;

export type InteractValues<A> = { -readonly [K in keyof A]: AbbreviationValue<A[K]> };

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as PromiseLike<unknown> | null)?.then === "function";

/** ipywidgets' _get_min_max_value: the range and start of a slider from its bounds or its value. */
function sliderRange(min: number | null, max: number | null, value: number | null, step?: number): { min: number; max: number; value: number } {
  if (value === null) {
    if (min === null || max === null) throw new UsageError("interact: a slider needs [min, max] or a value");
    const middle = min + (max - min) / 2;
    value = Number.isInteger(min) && Number.isInteger(max) ? min + Math.floor((max - min) / 2) : middle;
  } else {
    const [low, high] = value === 0 ? [0, 1] : value > 0 ? [-value, 3 * value] : [3 * value, -value];
    min ??= low;
    max ??= high;
  }
  if (step !== undefined) value = min + Math.trunc((value - min) / step) * step;
  if (!(min <= value && value <= max)) throw new UsageError(`interact: the value must be between min and max (min ${min}, value ${value}, max ${max})`);
  return { min, max, value };
}

/** The control for one abbreviation, made in `runtime` and described by the value's name (a widget given keeps its own description). */
function controlFor(runtime: WidgetRuntime, name: string, abbreviation: unknown): ValueControl {
  if (abbreviation instanceof Widget) {
    if (!("value" in abbreviation)) throw new UsageError(`interact: ${name}: ${abbreviation.constructor.name} has no value to pass`);
    const control = abbreviation as ValueControl;
    if (Object.hasOwn(control.spec.defaults, "description") && !control.description) control.description = name;
    return control;
  }
  const description = name;
  if (Array.isArray(abbreviation) && (abbreviation.length === 2 || abbreviation.length === 3) && abbreviation.every((n) => typeof n === "number")) {
    const [min, max, step] = abbreviation as number[];
    if (step !== undefined && !(step > 0)) throw new UsageError(`interact: ${name}: the step must be > 0, got ${step}`);
    const range = sliderRange(min!, max!, null, step);
    const whole = abbreviation.every((n) => Number.isInteger(n));
    const options = { ...range, ...(step ? { step } : {}), description };
    return whole ? runtime.construct(IntSlider, options) : runtime.construct(FloatSlider, options);
  }
  if (Array.isArray(abbreviation) || (typeof abbreviation === "object" && abbreviation !== null)) {
    return runtime.construct(Dropdown, { options: abbreviation as readonly unknown[], description }) as ValueControl;
  }
  switch (typeof abbreviation) {
    case "string":
      return runtime.construct(Text, { value: abbreviation, description });
    case "boolean":
      return runtime.construct(Checkbox, { value: abbreviation, description });
    case "number": {
      const options = { ...sliderRange(null, null, abbreviation), description };
      return Number.isInteger(abbreviation) ? runtime.construct(IntSlider, options) : runtime.construct(FloatSlider, options);
    }
  }
  throw new UsageError(`interact: ${name}: cannot make a control from ${String(abbreviation)} (use [min, max], a list of options, a number, a string, a boolean or a widget)`);
}

/** The controls and the output of an interact, in a column; `update()` runs the function again. */
export class Interactive<V extends Record<string, unknown> = Record<string, unknown>> extends VBox {
  /** The values the function got last. */
  kwargs = {} as V;
  /** What the function returned last (it is displayed in the output unless undefined). */
  result: unknown = undefined;

  constructor(
    private readonly fn: (values: V) => unknown,
    /** The controls, by the name of the value each gives. */
    readonly controls: Readonly<Record<keyof V & string, ValueControl>>,
    /** Where the function's output goes. */
    readonly out: Output,
  ) {
    super({ children: [...Object.values<ValueControl>(controls), out], _dom_classes: ["widget-interact"] });
  }

  /** Runs the function with the controls' values, its output replacing the last run's. */
  update(): void | Promise<void> {
    this.kwargs = Object.fromEntries(Object.entries<ValueControl>(this.controls).map(([name, control]) => [name, control.value])) as V;
    return this.out.run(() => {
      this.runtime.clearOutput(true);
      const result = this.fn(this.kwargs);
      if (isThenable(result)) return Promise.resolve(result).then((value) => this.show(value));
      this.show(result);
    });
  }

  private show(value: unknown): void {
    this.result = value;
    if (value !== undefined) this.runtime.display(value);
  }
}

/** `interactive` and `interact`, making their widgets in `runtime`. */
export function interactions(runtime: WidgetRuntime) {
  /** The controls for `abbreviations` and an output that `fn` runs into, now and on every change; not displayed. */
  function interactive<const A extends Readonly<Record<string, Abbreviation>>>(fn: (values: InteractValues<A>) => unknown, abbreviations: A): Interactive<InteractValues<A>> {
    if (typeof fn !== "function") throw new UsageError("interact(fn, { name: abbreviation, … }): fn must be a function ({ name, … }) => …");
    if (typeof abbreviations !== "object" || abbreviations === null)
      throw new UsageError("interact(fn, { name: abbreviation, … }): the second argument names the controls, e.g. { n: [1, 8], op: ['sum', 'max'] }");
    const controls: Record<string, ValueControl> = {};
    for (const [name, abbreviation] of Object.entries(abbreviations)) controls[name] = controlFor(runtime, name, abbreviation);
    const out = runtime.construct(Output);
    const widget = runtime.construct(Interactive<InteractValues<A>>, fn, controls as Record<keyof InteractValues<A> & string, ValueControl>, out);
    for (const control of Object.values(controls)) control.observe("value", () => widget.update());
    const first = widget.update();
    if (first) runtime.track(first);
    return widget;
  }

  /**
   * As `interactive`, and displays it: `interact(({ n, op }) => …, { n: [1, 8], op: ["sum", "max"] })`.
   * It returns nothing, so that a cell ending with it shows the controls once (`interactive`
   * returns the widget, to display where you like).
   */
  function interact<const A extends Readonly<Record<string, Abbreviation>>>(fn: (values: InteractValues<A>) => unknown, abbreviations: A): void {
    runtime.display(interactive(fn, abbreviations));
  }

  return { interactive, interact };
}
