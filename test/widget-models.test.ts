// Each widget model Parallab speaks (kernel/widgets/models.ts) against ipywidgets 8's model
// specification from @jupyter-widgets/schema (test/fixtures/jupyter-widgets-schema): its
// names, modules and versions, its state keys, their defaults and which are whole numbers.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MODELS } from "../kernel/widgets/models.js";

interface Attribute {
  name: string;
  type: string;
  default: unknown;
  allow_none?: boolean;
  widget?: string;
}
interface ModelEntry {
  model: { module: string; name: string; version: string };
  view: { module: string; name: string | null; version: string };
  attributes: Attribute[];
}

const SPEC: ModelEntry[] = JSON.parse(readFileSync(path.join(import.meta.dirname, "fixtures", "jupyter-widgets-schema", "jupyterwidgetmodels.latest.json"), "utf8"));
const NAMES = /^_(model|view)_/;

describe("the widget models against @jupyter-widgets/schema's jupyterwidgetmodels.latest.json", () => {
  it("covers every widget the issue names, with its style models and Layout", () => {
    expect(Object.values(MODELS).map((m) => m.model)).toEqual(
      expect.arrayContaining(["IntSliderModel", "FloatSliderModel", "IntRangeSliderModel", "DropdownModel", "CheckboxModel", "ToggleButtonsModel", "TextModel", "TextareaModel"]),
    );
    expect(Object.values(MODELS).map((m) => m.model)).toEqual(
      expect.arrayContaining(["ButtonModel", "OutputModel", "LabelModel", "HTMLModel", "HBoxModel", "VBoxModel", "TabModel", "AccordionModel", "PlayModel", "LinkModel", "IntProgressModel"]),
    );
    expect(Object.values(MODELS).map((m) => m.model)).toEqual(expect.arrayContaining(["FloatProgressModel", "LayoutModel", "SliderStyleModel", "ButtonStyleModel"]));
  });

  for (const [name, model] of Object.entries(MODELS)) {
    it(`${name}: ${model.model} has the specification's modules, view, keys and defaults`, () => {
      const entry = SPEC.find((e) => e.model.name === model.model);
      expect(entry, `${model.model} is in the specification`).toBeDefined();
      const spec = entry!;
      expect({ module: model.modelModule.module, version: model.modelModule.version }).toEqual({ module: spec.model.module, version: spec.model.version });
      expect({ name: model.view, module: model.viewModule.module, version: model.viewModule.version }).toEqual(spec.view);

      const attributes = spec.attributes.filter((a) => !NAMES.test(a.name));
      expect(Object.keys(model.defaults).sort()).toEqual(attributes.map((a) => a.name).sort());
      const defaults = model.defaults as Record<string, unknown>;
      for (const attribute of attributes) {
        if (attribute.type === "reference") {
          // "reference to new instance": each widget makes its own (its layout, its style).
          expect(model.children[attribute.name], attribute.name).toBe(`${attribute.widget}Model`);
        } else {
          expect(defaults[attribute.name], attribute.name).toEqual(attribute.default);
        }
      }
      const integers = attributes.filter((a) => a.type === "int").map((a) => a.name);
      expect([...model.integers].sort()).toEqual(integers.sort());
    });
  }
});
