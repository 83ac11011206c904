// Every widget model Parallab speaks, in one place: its model and view names and modules, and
// its synced state with ipywidgets 8's defaults (@jupyter-widgets/controls 2.0.0, base 2.0.0,
// output 1.0.0). The front end builds its model from these names and this state; a test holds
// each against @jupyter-widgets/schema's model specification (jupyterwidgetmodels.latest.json).
import type { Widget } from "./widget.js";
import type { Layout, ButtonStyle, CheckboxStyle, DescriptionStyle, HTMLStyle, LabelStyle, ProgressStyle, SliderStyle, TextStyle, ToggleButtonsStyle } from "./styles.js";

export interface ModuleRef {
  readonly module: string;
  readonly version: string;
}

export const BASE: ModuleRef = { module: "@jupyter-widgets/base", version: "2.0.0" };
export const CONTROLS: ModuleRef = { module: "@jupyter-widgets/controls", version: "2.0.0" };
export const OUTPUT: ModuleRef = { module: "@jupyter-widgets/output", version: "1.0.0" };

export interface ModelSpec<S extends object = object> {
  /** `_model_name`: the JavaScript class the front end instantiates. */
  readonly model: string;
  readonly modelModule: ModuleRef;
  /** `_view_name`; null for a model that is never shown (a link). */
  readonly view: string | null;
  readonly viewModule: ModuleRef;
  /** The synced state and its defaults, without the `_model_*` and `_view_*` keys. */
  readonly defaults: S;
  /** Keys held as whole numbers (ipywidgets' CInt): 3.7 becomes 3, as in Python. */
  readonly integers: readonly string[];
  /** Keys whose default is a widget of its own, made for each widget (its layout, its style): key → model. */
  readonly children: Readonly<Record<string, string>>;
}

const NEW_INSTANCE = Symbol("parallab.widget.newInstance");

/** A default that is a new widget of `model` for each widget ("reference to new instance" in the spec). */
const newInstance = <W extends Widget>(model: string): W => ({ [NEW_INSTANCE]: model }) as unknown as W;

function spec<S extends object>(
  model: string,
  view: string | null,
  defaults: S,
  options: { modelModule?: ModuleRef; viewModule?: ModuleRef; integers?: readonly (keyof S & string)[] } = {},
): ModelSpec<S> {
  const children: Record<string, string> = {};
  for (const [key, value] of Object.entries(defaults)) {
    const child = (value as { [NEW_INSTANCE]?: string } | null)?.[NEW_INSTANCE];
    if (child) children[key] = child;
  }
  return Object.freeze({
    model,
    modelModule: options.modelModule ?? CONTROLS,
    view,
    viewModule: options.viewModule ?? CONTROLS,
    defaults,
    integers: options.integers ?? [],
    children,
  });
}

export type Orientation = "horizontal" | "vertical";
export type SliderBehavior = "drag-tap" | "drag-snap" | "tap" | "drag" | "snap";
export type BarStyle = "success" | "info" | "warning" | "danger" | "";
export type ButtonStyleName = "primary" | "success" | "info" | "warning" | "danger" | "";
export type BoxStyle = "success" | "info" | "warning" | "danger" | "";
/** An output of an Output widget, as nbformat stores it. */
export type OutputRecord = Record<string, unknown> & { output_type: string };

const nullable = <T>(): T | null => null;

/** What every widget with a view has (ipywidgets' DOMWidget). */
const domWidget = () => ({ _dom_classes: [] as string[], layout: newInstance<Layout>("LayoutModel"), tabbable: nullable<boolean>(), tooltip: nullable<string>() });
/** A control with a description to its side (ipywidgets' DescriptionWidget). */
const described = <St extends Widget>(styleModel: string) => ({ ...domWidget(), description: "", description_allow_html: false, style: newInstance<St>(styleModel) });

const slider = <V>(value: V, bounds: { min: number; max: number; step: number }, readout_format: string) => ({
  ...described<SliderStyle>("SliderStyleModel"),
  value,
  ...bounds,
  orientation: "horizontal" as Orientation,
  readout: true,
  readout_format,
  continuous_update: true,
  disabled: false,
  behavior: "drag-tap" as SliderBehavior,
});
const progress = () => ({ ...described<ProgressStyle>("ProgressStyleModel"), value: 0, min: 0, max: 100, bar_style: "" as BarStyle, orientation: "horizontal" as Orientation });
const selection = <St extends Widget>(styleModel: string) => ({ ...described<St>(styleModel), _options_labels: [] as string[], index: nullable<number>(), disabled: false });
const text = () => ({ ...described<TextStyle>("TextStyleModel"), value: "", placeholder: "\u200b", disabled: false, continuous_update: true });
const box = () => ({ ...domWidget(), box_style: "" as BoxStyle, children: [] as Widget[] });
const pages = () => ({ ...box(), selected_index: nullable<number>(), titles: [] as string[] });
const style = (model: string, defaults: Record<string, string | null>) => spec(model, "StyleView", defaults, { viewModule: BASE });
const css = nullable<string>;

/** The models a widget makes for itself: its layout and its style (they hold no widgets). */
export const STYLE_MODELS = {
  Layout: spec(
    "LayoutModel",
    "LayoutView",
    {
      align_content: css(),
      align_items: css(),
      align_self: css(),
      border_bottom: css(),
      border_left: css(),
      border_right: css(),
      border_top: css(),
      bottom: css(),
      display: css(),
      flex: css(),
      flex_flow: css(),
      grid_area: css(),
      grid_auto_columns: css(),
      grid_auto_flow: css(),
      grid_auto_rows: css(),
      grid_column: css(),
      grid_gap: css(),
      grid_row: css(),
      grid_template_areas: css(),
      grid_template_columns: css(),
      grid_template_rows: css(),
      height: css(),
      justify_content: css(),
      justify_items: css(),
      left: css(),
      margin: css(),
      max_height: css(),
      max_width: css(),
      min_height: css(),
      min_width: css(),
      object_fit: css(),
      object_position: css(),
      order: css(),
      overflow: css(),
      padding: css(),
      right: css(),
      top: css(),
      visibility: css(),
      width: css(),
    },
    { modelModule: BASE, viewModule: BASE },
  ),
  DescriptionStyle: style("DescriptionStyleModel", { description_width: "" }),
  SliderStyle: style("SliderStyleModel", { description_width: "", handle_color: null }),
  ProgressStyle: style("ProgressStyleModel", { description_width: "", bar_color: null }),
  CheckboxStyle: style("CheckboxStyleModel", { description_width: "", background: null }),
  ToggleButtonsStyle: style("ToggleButtonsStyleModel", { description_width: "", button_width: "", font_weight: "" }),
  TextStyle: style("TextStyleModel", { description_width: "", background: null, font_size: null, text_color: null }),
  HTMLStyle: style("HTMLStyleModel", { description_width: "", background: null, font_size: null, text_color: null }),
  LabelStyle: style("LabelStyleModel", {
    description_width: "",
    background: null,
    font_family: null,
    font_size: null,
    font_style: null,
    font_variant: null,
    font_weight: null,
    text_color: null,
    text_decoration: null,
  }),
  ButtonStyle: style("ButtonStyleModel", {
    button_color: null,
    font_family: null,
    font_size: null,
    font_style: null,
    font_variant: null,
    font_weight: null,
    text_color: null,
    text_decoration: null,
  }),
} as const;

/** The widgets a notebook makes. */
export const CONTROL_MODELS = {
  IntSlider: spec("IntSliderModel", "IntSliderView", slider(0, { min: 0, max: 100, step: 1 }, "d"), { integers: ["value", "min", "max", "step"] }),
  FloatSlider: spec("FloatSliderModel", "FloatSliderView", slider(0, { min: 0, max: 100, step: 0.1 }, ".2f")),
  IntRangeSlider: spec("IntRangeSliderModel", "IntRangeSliderView", slider([0, 1] as [number, number], { min: 0, max: 100, step: 1 }, "d"), { integers: ["min", "max", "step"] }),
  IntProgress: spec("IntProgressModel", "ProgressView", progress(), { integers: ["value", "min", "max"] }),
  FloatProgress: spec("FloatProgressModel", "ProgressView", progress()),
  Play: spec(
    "PlayModel",
    "PlayView",
    { ...described<DescriptionStyle>("DescriptionStyleModel"), value: 0, min: 0, max: 100, step: 1, interval: 100, playing: false, repeat: false, show_repeat: true, disabled: false },
    { integers: ["value", "min", "max", "step", "interval"] },
  ),
  Checkbox: spec("CheckboxModel", "CheckboxView", { ...described<CheckboxStyle>("CheckboxStyleModel"), value: false, disabled: false, indent: true }),
  Dropdown: spec("DropdownModel", "DropdownView", selection<DescriptionStyle>("DescriptionStyleModel"), { integers: ["index"] }),
  ToggleButtons: spec(
    "ToggleButtonsModel",
    "ToggleButtonsView",
    { ...selection<ToggleButtonsStyle>("ToggleButtonsStyleModel"), button_style: "" as ButtonStyleName, icons: [] as string[], tooltips: [] as string[] },
    { integers: ["index"] },
  ),
  Text: spec("TextModel", "TextView", text()),
  Textarea: spec("TextareaModel", "TextareaView", { ...text(), rows: nullable<number>() }, { integers: ["rows"] }),
  Label: spec("LabelModel", "LabelView", { ...described<LabelStyle>("LabelStyleModel"), value: "", placeholder: "\u200b" }),
  HTML: spec("HTMLModel", "HTMLView", { ...described<HTMLStyle>("HTMLStyleModel"), value: "", placeholder: "\u200b" }),
  Button: spec("ButtonModel", "ButtonView", {
    ...domWidget(),
    description: "",
    disabled: false,
    icon: "",
    button_style: "" as ButtonStyleName,
    style: newInstance<ButtonStyle>("ButtonStyleModel"),
  }),
  Output: spec("OutputModel", "OutputView", { ...domWidget(), msg_id: "", outputs: [] as OutputRecord[] }, { modelModule: OUTPUT, viewModule: OUTPUT }),
  HBox: spec("HBoxModel", "HBoxView", box()),
  VBox: spec("VBoxModel", "VBoxView", box()),
  Tab: spec("TabModel", "TabView", pages(), { integers: ["selected_index"] }),
  Accordion: spec("AccordionModel", "AccordionView", pages(), { integers: ["selected_index"] }),
  Link: spec("LinkModel", null, { source: [] as [Widget, string] | [], target: [] as [Widget, string] | [] }),
} as const;

export const MODELS = { ...STYLE_MODELS, ...CONTROL_MODELS } as const;

export type ModelName = keyof typeof MODELS;
/** The synced state of a model, as the kernel holds it (widgets as themselves, not references). */
export type StateOf<N extends ModelName> = (typeof MODELS)[N]["defaults"];
