// A widget's layout (CSS of its box) and the style models of the controls: each widget makes
// its own, as ipywidgets does (`slider.layout.width = "50%"`, `slider.style.handle_color = "red"`).
import { STYLE_MODELS as MODELS } from "./models.js";
import { widgetClass } from "./widget.js";

export class Layout extends widgetClass(MODELS.Layout) {}
export class DescriptionStyle extends widgetClass(MODELS.DescriptionStyle) {}
export class SliderStyle extends widgetClass(MODELS.SliderStyle) {}
export class ProgressStyle extends widgetClass(MODELS.ProgressStyle) {}
export class CheckboxStyle extends widgetClass(MODELS.CheckboxStyle) {}
export class ToggleButtonsStyle extends widgetClass(MODELS.ToggleButtonsStyle) {}
export class TextStyle extends widgetClass(MODELS.TextStyle) {}
export class HTMLStyle extends widgetClass(MODELS.HTMLStyle) {}
export class LabelStyle extends widgetClass(MODELS.LabelStyle) {}
export class ButtonStyle extends widgetClass(MODELS.ButtonStyle) {}
