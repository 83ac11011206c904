// `widgets` of the parallab module: ipywidgets 8's controls on the Jupyter widget protocol.
// These are the classes as a Node program gets them (no front end: a widget displays as text);
// a kernel session's cells get the same names bound to the session (./session-widgets.ts).
import { interactions } from "./interact.js";
import { standaloneRuntime } from "./runtime.js";
import { WIDGET_RUNTIME, Widget } from "./widget.js";

// Widgets made outside a kernel session live in the standalone runtime; a session's bound
// classes put their own runtime on their prototypes.
Object.defineProperty(Widget.prototype, WIDGET_RUNTIME, { value: standaloneRuntime });

export { Widget, type Change, type Observer, type WidgetOptions } from "./widget.js";
export { ButtonStyle, CheckboxStyle, DescriptionStyle, HTMLStyle, LabelStyle, Layout, ProgressStyle, SliderStyle, TextStyle, ToggleButtonsStyle } from "./styles.js";
export { FloatProgress, FloatSlider, IntProgress, IntRangeSlider, IntSlider, Play } from "./numbers.js";
export { Dropdown, ToggleButtons, type Selection, type SelectionOptions } from "./selection.js";
export { Button, Checkbox, HTML, Label, Text, Textarea } from "./controls.js";
export { Accordion, HBox, Tab, VBox } from "./containers.js";
export { Output } from "./output.js";
export { jslink, Link, type WidgetKey } from "./link.js";
export { Interactive, type Abbreviation, type AbbreviationValue, type InteractValues, type ValueControl } from "./interact.js";
export type { BarStyle, BoxStyle, ButtonStyleName, Orientation, OutputRecord, SliderBehavior } from "./models.js";

export const { interactive, interact } = interactions(standaloneRuntime);
