// Widgets as a user drives them in JupyterLab 4: the built-in front end with
// @jupyter-widgets/jupyterlab-manager, the real parallab kernel, headless Chromium. A slider dragged
// with the mouse, interact's controls, a Button writing into an Output, and the widget state a
// saved notebook keeps and shows again after it is closed and reopened with its kernel shut down.
// Screenshots go to test-results/jupyterlab-widgets/.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Locator } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { code, LabSession, notebookOf, outputOf, poll, textOf } from "./helpers/lab-page.js";

const NOTEBOOK = "widgets-in-lab.ipynb";
const notebook = notebookOf([code('import { widgets, interact } from "parallab";')]);

let ui: LabSession;

beforeAll(async () => {
  ui = await LabSession.start({ name: "jupyterlab-widgets", notebooks: { [NOTEBOOK]: notebook }, open: NOTEBOOK });
  await ui.menu("Run", "Run All Cells");
  await ui
    .codeCell(0)
    .locator(".jp-InputPrompt", { hasText: /\[\d+\]/ })
    .waitFor();
}, 600_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === "fail" && ui?.page) await ui.shot(`failed-${ctx.task.name.replace(/\W+/g, "-").slice(0, 60)}`);
});

afterAll(() => ui?.stop(), 60_000);

/** Drags a noUiSlider's handle to `fraction` of its track with the mouse, in small steps as a hand does. */
async function drag(slider: Locator, fraction: number): Promise<void> {
  const handle = slider.locator(".noUi-handle");
  const track = slider.locator(".noUi-target");
  await handle.scrollIntoViewIfNeeded();
  const [from, box] = await Promise.all([handle.boundingBox(), track.boundingBox()]);
  if (!from || !box) throw new Error("the slider is not laid out");
  const y = from.y + from.height / 2;
  await ui.page.mouse.move(from.x + from.width / 2, y);
  await ui.page.mouse.down();
  await ui.page.mouse.move(box.x + box.width * fraction, y, { steps: 12 });
  await ui.page.mouse.up();
}

/** The text of a cell's `text/plain` result. */
const resultOf = (cell: Locator) => textOf(cell.locator(".jp-OutputArea-executeResult .jp-OutputArea-output")).then((t) => t.trim());
/** What an Output widget shows, without the newline that ends its last stream. */
const shownIn = (output: Locator) => textOf(output.locator(".widget-output")).then((t) => t.trim());

describe("widgets in JupyterLab 4 with the parallab kernel", { timeout: 180_000 }, () => {
  it("a slider dragged with the mouse changes the value the next cell reads in the kernel", async () => {
    const cell = await ui.runNewCell('const slider = new widgets.IntSlider({ value: 2, min: 1, max: 8, description: "workers" });\nslider');
    const view = outputOf(cell).locator(".widget-slider");
    await view.waitFor({ state: "visible" });
    expect(await view.locator(".widget-label").innerText()).toBe("workers");
    expect(await view.locator(".widget-readout").innerText()).toBe("2");

    await drag(view, 0.8);
    const shown = await view.locator(".widget-readout").innerText();
    expect(Number(shown)).toBeGreaterThan(4);
    await ui.shot("slider-dragged");

    const next = await ui.runNewCell("slider.value");
    await poll(() => resultOf(next)).toBe(shown);
  });

  it("interact builds a slider and a dropdown from the abbreviations and re-runs the function on each change", async () => {
    const cell = await ui.runNewCell(
      [
        "interact(({ n, op }) => {",
        "  const xs = Array.from({ length: n }, (_, i) => i + 1);",
        '  console.log(`${op} of 1..${n} = ${op === "sum" ? xs.reduce((a, b) => a + b, 0) : Math.max(...xs)}`);',
        '}, { n: [1, 8], op: ["sum", "max"] })',
      ].join("\n"),
    );
    // ipywidgets' rule: a (min, max) pair starts in the middle, a list at its first entry.
    await poll(() => shownIn(outputOf(cell))).toBe("sum of 1..4 = 10");
    expect(await outputOf(cell).locator(".widget-readout").innerText()).toBe("4");

    await outputOf(cell).locator(".widget-dropdown select").selectOption("max");
    await poll(() => shownIn(outputOf(cell))).toBe("max of 1..4 = 4");

    // The keyboard on the slider's handle: End takes it to its maximum.
    await outputOf(cell).locator(".noUi-handle").focus();
    await ui.page.keyboard.press("End");
    await poll(() => shownIn(outputOf(cell))).toBe("max of 1..8 = 8");
    await ui.shot("interact");
  });

  it("a Button's handler prints into an Output widget, and the kernel counts the clicks", async () => {
    const cell = await ui.runNewCell(
      [
        "const log = new widgets.Output();",
        'const button = new widgets.Button({ description: "Count", button_style: "info" });',
        "let clicks = 0;",
        "button.onClick(log.capture(() => console.log(`clicked ${++clicks} times`)));",
        "new widgets.VBox([button, log])",
      ].join("\n"),
    );
    const button = outputOf(cell).locator("button.widget-button", { hasText: "Count" });
    await button.click();
    await poll(() => shownIn(outputOf(cell))).toBe("clicked 1 times");
    await button.click();
    await poll(() => shownIn(outputOf(cell))).toBe("clicked 1 times\nclicked 2 times");
    await ui.shot("button-output");

    const next = await ui.runNewCell("clicks");
    await poll(() => resultOf(next)).toBe("2");
  });

  it("a saved notebook keeps the widget state, and shows it again when reopened with its kernel shut down", async () => {
    const slider = await outputOf(ui.codeCell(1)).locator(".widget-readout").innerText();
    await ui.command("docmanager:save");
    await poll(() => ui.notebook.locator(".jp-mod-dirty").count()).toBe(0);

    const saved = JSON.parse(readFileSync(path.join(ui.root, NOTEBOOK), "utf8")) as {
      metadata: { widgets?: Record<string, { version_major: number; state: Record<string, { model_name: string; state: Record<string, unknown> }> }> };
    };
    const widgetState = saved.metadata.widgets?.["application/vnd.jupyter.widget-state+json"];
    expect(widgetState?.version_major).toBe(2);
    const models = Object.values(widgetState?.state ?? {});
    expect(models.find((m) => m.model_name === "IntSliderModel" && m.state.description === "workers")?.state.value).toBe(Number(slider));
    expect(models.find((m) => m.model_name === "OutputModel" && JSON.stringify(m.state.outputs).includes("clicked 2 times"))).toBeDefined();

    await ui.command("application:close-all");
    await ui.shutDownKernels();
    await ui.command("docmanager:open", { path: NOTEBOOK, kernel: { name: "parallab" } });
    await ui.waitForKernel("TypeScript (Parallab)");

    // Nothing has run in the new kernel: the views come from the notebook's saved state.
    expect(await ui.codeCell(1).locator(".jp-InputPrompt").innerText()).toMatch(/\[\d+\]/);
    await poll(() => outputOf(ui.codeCell(1)).locator(".widget-slider .widget-readout").innerText()).toBe(slider);
    await poll(() => shownIn(outputOf(ui.codeCell(4)))).toBe("clicked 1 times\nclicked 2 times");
    await ui.shot("reopened");
  });

  it("has logged no console error and made no failed request", () => {
    expect(ui.problems).toEqual([]);
  });
});
