// Numbers between bounds: sliders, progress bars, Play. As ipywidgets' validators: a value
// outside [min, max] is clamped to it; a bound that crosses the other is refused, and one that
// passes the value moves it.
import { UsageError } from "../../common/errors.js";
import { CONTROL_MODELS as MODELS } from "./models.js";
import { widgetClass, type WidgetOptions } from "./widget.js";
import type { StateOf } from "./models.js";

const isNumber = (v: unknown): v is number => typeof v === "number" && !Number.isNaN(v);

function number(owner: string, name: string, value: unknown): number {
  if (!isNumber(value)) throw new UsageError(`${owner}.${name} must be a number, got ${typeof value === "string" ? JSON.stringify(value) : String(value)}`);
  return value;
}

/** The validator of a single value between `min` and `max`; `moveValue` sets the value when a bound passes it. */
function validateBounded(owner: string, state: Record<string, unknown>, name: string, value: unknown, moveValue: (v: number) => void): unknown {
  const min = state.min as number;
  const max = state.max as number;
  switch (name) {
    case "value":
      return Math.min(Math.max(number(owner, name, value), min), max);
    case "min": {
      const v = number(owner, name, value);
      if (v > max) throw new UsageError(`${owner}: setting min > max (min ${v}, max ${max})`);
      if (v > (state.value as number)) moveValue(v);
      return v;
    }
    case "max": {
      const v = number(owner, name, value);
      if (v < min) throw new UsageError(`${owner}: setting max < min (max ${v}, min ${min})`);
      if (v < (state.value as number)) moveValue(v);
      return v;
    }
    case "step":
      return number(owner, name, value);
  }
  return value;
}

export class IntSlider extends widgetClass(MODELS.IntSlider) {
  protected override validate(name: string, value: unknown): unknown {
    return validateBounded(this.constructor.name, this.state, name, value, (v) => this.set("value", v));
  }
}

export class FloatSlider extends widgetClass(MODELS.FloatSlider) {
  protected override validate(name: string, value: unknown): unknown {
    return validateBounded(this.constructor.name, this.state, name, value, (v) => this.set("value", v));
  }
}

export class IntProgress extends widgetClass(MODELS.IntProgress) {
  protected override validate(name: string, value: unknown): unknown {
    return validateBounded(this.constructor.name, this.state, name, value, (v) => this.set("value", v));
  }
}

export class FloatProgress extends widgetClass(MODELS.FloatProgress) {
  protected override validate(name: string, value: unknown): unknown {
    return validateBounded(this.constructor.name, this.state, name, value, (v) => this.set("value", v));
  }
}

/** Play and pause buttons that step `value` from min to max every `interval` ms (link it to a slider with jslink). */
export class Play extends widgetClass(MODELS.Play) {
  protected override validate(name: string, value: unknown): unknown {
    return validateBounded(this.constructor.name, this.state, name, value, (v) => this.set("value", v));
  }
}

type Range = [number, number];

/** A slider with two handles: `value` is `[lower, upper]`. Without a value it starts at the middle half of [min, max]. */
export class IntRangeSlider extends widgetClass(MODELS.IntRangeSlider) {
  constructor(options: WidgetOptions<StateOf<"IntRangeSlider">> = {}) {
    const min = options.min ?? 0;
    const max = options.max ?? 100;
    super({ ...options, value: options.value ?? [Math.trunc(0.75 * min + 0.25 * max), Math.trunc(0.25 * min + 0.75 * max)] });
  }

  get lower(): number {
    return this.value[0];
  }
  set lower(lower: number) {
    this.value = [lower, this.value[1]];
  }
  get upper(): number {
    return this.value[1];
  }
  set upper(upper: number) {
    this.value = [this.value[0], upper];
  }

  protected override validate(name: string, value: unknown): unknown {
    const owner = this.constructor.name;
    const min = this.state.min as number;
    const max = this.state.max as number;
    const [lower, upper] = this.state.value as Range;
    switch (name) {
      case "value": {
        if (!Array.isArray(value) || value.length !== 2) throw new UsageError(`${owner}.value must be [lower, upper], got ${JSON.stringify(value)}`);
        const [lo, hi] = [number(owner, "value[0]", value[0]), number(owner, "value[1]", value[1])].map((v) => Math.trunc(v)) as Range;
        if (lo > hi) throw new UsageError(`${owner}: setting lower > upper (${lo} > ${hi})`);
        const clamp = (v: number) => Math.min(Math.max(v, min), max);
        return [clamp(lo), clamp(hi)];
      }
      case "min": {
        const v = number(owner, name, value);
        if (v > max) throw new UsageError(`${owner}: setting min > max (min ${v}, max ${max})`);
        if (v > lower) this.set("value", [Math.max(v, lower), Math.max(v, upper)]);
        return v;
      }
      case "max": {
        const v = number(owner, name, value);
        if (v < min) throw new UsageError(`${owner}: setting max < min (max ${v}, min ${min})`);
        if (v < upper) this.set("value", [Math.min(v, lower), Math.min(v, upper)]);
        return v;
      }
    }
    return value;
  }
}
