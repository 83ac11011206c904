// Every widget class by name, and by the model it speaks: what a widget's layout and style are
// made from, and what a model the front end opens becomes in the kernel.
import { Accordion, HBox, Tab, VBox } from "./containers.js";
import { Button, Checkbox, HTML, Label, Text, Textarea } from "./controls.js";
import { Link } from "./link.js";
import { FloatProgress, FloatSlider, IntProgress, IntRangeSlider, IntSlider, Play } from "./numbers.js";
import { Output } from "./output.js";
import { Dropdown, ToggleButtons } from "./selection.js";
import { ButtonStyle, CheckboxStyle, DescriptionStyle, HTMLStyle, LabelStyle, Layout, ProgressStyle, SliderStyle, TextStyle, ToggleButtonsStyle } from "./styles.js";
import type { Widget } from "./widget.js";

/** The model a class speaks (its static `spec`, which the classes' constructor type does not show). */
export const modelOf = (cls: unknown): string => (cls as typeof Widget).spec.model;

export const WIDGET_CLASSES = {
  Layout,
  DescriptionStyle,
  SliderStyle,
  ProgressStyle,
  CheckboxStyle,
  ToggleButtonsStyle,
  TextStyle,
  HTMLStyle,
  LabelStyle,
  ButtonStyle,
  IntSlider,
  FloatSlider,
  IntRangeSlider,
  IntProgress,
  FloatProgress,
  Play,
  Checkbox,
  Dropdown,
  ToggleButtons,
  Text,
  Textarea,
  Label,
  HTML,
  Button,
  Output,
  HBox,
  VBox,
  Tab,
  Accordion,
  Link,
} as const;

export type WidgetClassName = keyof typeof WIDGET_CLASSES;
type AnyWidgetClass = new (options: Record<string, unknown>) => Widget;

const BY_MODEL = new Map<string, AnyWidgetClass>(Object.values(WIDGET_CLASSES).map((cls) => [modelOf(cls), cls as unknown as AnyWidgetClass]));

/** The class of a `_model_name`, if Parallab speaks it. */
export const classForModel = (model: string): AnyWidgetClass | undefined => BY_MODEL.get(model);
