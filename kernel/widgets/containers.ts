// Widgets that hold widgets: boxes in a row or a column, tabs and an accordion of pages.
import { UsageError } from "../../common/errors.js";
import { CONTROL_MODELS as MODELS, type StateOf } from "./models.js";
import { type Change, Widget, widgetClass, type WidgetOptions } from "./widget.js";

type BoxOptions = WidgetOptions<StateOf<"HBox">>;
type PagesOptions = WidgetOptions<StateOf<"Tab">>;

function checkChildren(owner: string, value: unknown): Widget[] {
  if (!Array.isArray(value) || !value.every((w) => w instanceof Widget)) throw new UsageError(`${owner}.children must be a list of widgets`);
  return value;
}

/** `new HBox([a, b])` or `new HBox({ children: [a, b], box_style: "info" })`. */
abstract class Box extends widgetClass(MODELS.HBox) {
  constructor(children: Widget[] | BoxOptions = {}, options: BoxOptions = {}) {
    super(Array.isArray(children) ? { ...options, children } : children);
  }

  protected override validate(name: string, value: unknown): unknown {
    return name === "children" ? checkChildren(this.constructor.name, value) : value;
  }
}

/** Its children side by side. */
export class HBox extends Box {}

/** Its children one under the other. */
export class VBox extends Box {
  static readonly spec = MODELS.VBox;
}

/** Pages of widgets, one shown at a time; `titles` name them (`setTitle(i, title)`). */
abstract class Pages extends widgetClass(MODELS.Tab) {
  constructor(children: Widget[] | PagesOptions = {}, options: PagesOptions = {}) {
    super(Array.isArray(children) ? { ...options, children } : children);
    if (this.titles.length !== this.children.length) this.assign("titles", pad(this.titles, this.children.length));
  }

  setTitle(index: number, title: string | null): void {
    const titles = [...this.titles];
    titles[index] = title ?? "";
    this.titles = titles;
  }

  getTitle(index: number): string | undefined {
    return this.titles[index];
  }

  protected override validate(name: string, value: unknown): unknown {
    const owner = this.constructor.name;
    switch (name) {
      case "children":
        return checkChildren(owner, value);
      case "titles":
        if (!Array.isArray(value) || !value.every((t) => typeof t === "string")) throw new UsageError(`${owner}.titles must be a list of strings`);
        return pad(value, (this.state.children as Widget[]).length);
      case "selected_index":
        if (value !== null && (!Number.isInteger(value) || (value as number) < 0 || (value as number) >= (this.state.children as Widget[]).length))
          throw new UsageError(`Invalid selection: ${owner}.selected_index ${String(value)} is out of bounds (${(this.state.children as Widget[]).length} pages)`);
        return value;
    }
    return value;
  }

  /** New children keep the titles in step and the selection in range. */
  protected override changed(change: Change): void {
    if (change.name !== "children") return;
    this.holdSync(() => {
      this.assign("titles", pad(this.titles, this.children.length));
      this.assign("selected_index", this.reselect(this.children.length));
    });
  }

  /** The selected page once there are `count` pages. */
  protected reselect(count: number): number | null {
    const selected = this.selected_index;
    return selected !== null && selected >= count ? null : selected;
  }
}

const pad = (titles: readonly string[], length: number) => Array.from({ length }, (_, i) => titles[i] ?? "");

/** Tabs: the first page is selected as soon as there is one. */
export class Tab extends Pages {
  constructor(children: Widget[] | PagesOptions = {}, options: PagesOptions = {}) {
    const given = Array.isArray(children) ? { ...options, children } : children;
    super({ ...given, selected_index: given.selected_index !== undefined ? given.selected_index : (given.children?.length ?? 0) > 0 ? 0 : null });
  }

  protected override reselect(count: number): number | null {
    if (count === 0) return null;
    const selected = this.selected_index;
    return selected === null ? 0 : Math.min(selected, count - 1);
  }
}

/** Pages that fold open one at a time (none at first). */
export class Accordion extends Pages {
  static readonly spec = MODELS.Accordion;
}
