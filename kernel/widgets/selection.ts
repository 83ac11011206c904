// Choosing one of several options: Dropdown and ToggleButtons. As in ipywidgets, only the
// labels and the selected index travel; `options`, `value` and `label` live in the kernel
// (observable like synced keys) and follow the index whichever side changes it.
import { inspect, isDeepStrictEqual } from "node:util";
import { UsageError } from "../../common/errors.js";
import { CONTROL_MODELS as MODELS, type StateOf } from "./models.js";
import { type Change, type Widget, type WidgetClass, widgetClass, type WidgetOptions } from "./widget.js";

/** Options as ipywidgets takes them: values (labelled by their text), [label, value] pairs, or { label: value }. */
export type SelectionOptions<V> = readonly V[] | readonly (readonly [string, V])[] | Readonly<Record<string, V>>;

export interface SelectionExtras<V> {
  options?: SelectionOptions<V>;
  value?: V | null;
  label?: string | null;
}

const labelOf = (value: unknown) => (typeof value === "string" ? value : typeof value === "object" && value !== null ? inspect(value) : String(value));

function optionPairs<V>(options: SelectionOptions<V> | undefined): [string, V][] {
  if (options === undefined) return [];
  if (Array.isArray(options)) {
    const list = options as readonly unknown[];
    if (list.length > 0 && list.every((o) => Array.isArray(o) && o.length === 2)) return list.map((o) => [labelOf((o as [unknown, V])[0]), (o as [unknown, V])[1]]);
    return list.map((o) => [labelOf(o), o as V]);
  }
  if (typeof options === "object" && options !== null) return Object.entries(options as Record<string, V>);
  throw new UsageError(`options must be a list of values, a list of [label, value] pairs or an object { label: value }, got ${String(options)}`);
}

type SelectionState = StateOf<"Dropdown"> | StateOf<"ToggleButtons">;

/** What a selection adds to its synced keys. */
export interface Selection<V> {
  /** The options as [label, value] pairs; new options select the first one (or none, if none was selected). */
  get options(): [string, V][];
  set options(options: SelectionOptions<V>);
  /** The selected option's value (null when none is selected). */
  value: V | null;
  /** The selected option's label. */
  label: string | null;
}

type SelectionClass<S extends SelectionState> = abstract new <V = unknown>(options?: WidgetOptions<S> & SelectionExtras<V>) => Widget<S> & S & Selection<V>;

/**
 * What Dropdown and ToggleButtons share; `Base` is the class their model spec makes (typed here
 * by the keys both have: ToggleButtons adds its buttons' style, icons and tooltips).
 */
function selectable<S extends SelectionState>(Base: WidgetClass<S>): SelectionClass<S> {
  const Common = Base as unknown as WidgetClass<StateOf<"Dropdown">>;
  abstract class Selection<V> extends Common {
    private pairs: [string, V][] = [];

    constructor(options: WidgetOptions<StateOf<"Dropdown">> & SelectionExtras<V> = {}) {
      const { options: choices, value, label, ...rest } = options;
      const pairs = optionPairs(choices);
      const labels = pairs.map(([l]) => l);
      let index = (rest as { index?: number | null }).index;
      if (index === undefined) {
        // The first option is selected unless a value or label says which.
        if (value !== undefined && value !== null) index = findIndex(pairs, value);
        else if (label !== undefined && label !== null) index = labels.indexOf(label);
        else index = pairs.length > 0 ? 0 : null;
        if (index === -1) throw new UsageError(`Invalid selection: ${value !== undefined ? `value ${labelOf(value)}` : `label ${JSON.stringify(label)}`} is not one of the options`);
      }
      super({ ...rest, _options_labels: labels, index });
      this.pairs = pairs;
    }

    /** The options as [label, value] pairs. */
    get options(): [string, V][] {
      return this.pairs.map(([l, v]) => [l, v]);
    }
    /** New options select the first one (or none, if none was selected). */
    set options(options: SelectionOptions<V>) {
      const old = this.options;
      const before = { value: this.value, label: this.label };
      const pairs = optionPairs(options);
      this.pairs = pairs;
      const index = this.index === null || pairs.length === 0 ? null : 0;
      this.holdSync(() => {
        this.assign(
          "_options_labels",
          pairs.map(([l]) => l),
        );
        this.assign("index", index);
      });
      this.notify("options", old, this.options);
      this.follow(before);
    }

    /** The selected option's value (null when none is selected). */
    get value(): V | null {
      const index = this.index;
      return index === null ? null : (this.pairs[index]?.[1] ?? null);
    }
    set value(value: V | null) {
      this.index = value === null ? null : this.indexOf(value, findIndex(this.pairs, value), "value");
    }

    /** The selected option's label. */
    get label(): string | null {
      const index = this.index;
      return index === null ? null : (this.pairs[index]?.[0] ?? null);
    }
    set label(label: string | null) {
      this.index =
        label === null
          ? null
          : this.indexOf(
              label,
              this.pairs.findIndex(([l]) => l === label),
              "label",
            );
    }

    protected override validate(name: string, value: unknown): unknown {
      if (name !== "index" || value === null) return value;
      const labels = this._options_labels;
      if (!Number.isInteger(value) || (value as number) < 0 || (value as number) >= labels.length)
        throw new UsageError(`Invalid selection: index ${String(value)} is out of bounds (${labels.length} option${labels.length === 1 ? "" : "s"})`);
      return value;
    }

    /** A new index (from either side) moves value and label: their observers run before the index's. */
    protected override changed(change: Change): void {
      if (change.name !== "index") return;
      const at = (i: unknown) => (typeof i === "number" ? this.pairs[i] : undefined);
      this.follow({ value: at(change.old)?.[1] ?? null, label: at(change.old)?.[0] ?? null });
    }

    protected override reprEntries(): [string, unknown][] {
      const entries = super.reprEntries().filter(([k]) => k !== "_options_labels" && !(k === "index" && this.index === 0));
      return [...entries, ["options", this.pairs.map(([l, v]) => (l === labelOf(v) ? v : [l, v]))] as [string, unknown], ["value", this.value] as [string, unknown]].sort(([a], [b]) =>
        a.localeCompare(b),
      );
    }

    private follow(before: { value: V | null; label: string | null }): void {
      if (before.label !== this.label) this.notify("label", before.label, this.label);
      if (!isDeepStrictEqual(before.value, this.value)) this.notify("value", before.value, this.value);
    }

    private indexOf(wanted: unknown, index: number, what: string): number {
      if (index === -1) throw new UsageError(`Invalid selection: ${what} ${labelOf(wanted)} is not one of the options`);
      return index;
    }
  }
  return Selection as unknown as SelectionClass<S>;
}

function findIndex<V>(pairs: [string, V][], value: unknown): number {
  return pairs.findIndex(([, v]) => v === value || isDeepStrictEqual(v, value));
}

const DropdownBase = selectable(widgetClass(MODELS.Dropdown));
const ToggleButtonsBase = selectable(widgetClass(MODELS.ToggleButtons));

/** A drop-down list: `new Dropdown({ options: ["sum", "max"], value: "max" })`. */
export class Dropdown<V = unknown> extends DropdownBase<V> {}

/** A row of buttons of which one is pressed: `new ToggleButtons({ options: ["slow", "fast"] })`. */
export class ToggleButtons<V = unknown> extends ToggleButtonsBase<V> {}
