// JupyterLab end to end: the built-in JupyterLab 4 front end (lab/build, built by pretest),
// served by Debian's jupyterlab_server (jupyter_server 1.x) through `startLab`, the real parallab
// kernel, and headless Debian Chromium driven by playwright-core (test/helpers/lab-page.ts). It
// checks what a user sees, and what the page asks of the server: every console error and failed
// request is collected from the first load and checked last against an explained allow-list.
// Screenshots go to test-results/jupyterlab/. The widgets a user drives are in jupyterlab-widgets.test.ts.
import os from "node:os";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { code, editorText, LabSession, notebookOf, outputOf, poll, textOf } from "./helpers/lab-page.js";

const NOTEBOOK = "parallab-in-lab.ipynb";

/** A small course notebook: a parallel map with its progress bar, a %%profile chart, an error. */
const notebook = notebookOf([
  { cell_type: "markdown", metadata: {}, source: "# Parallab in JupyterLab\nA parallel map, a profile and an error." },
  code(
    [
      "%workers 2",
      'import { parallel } from "parallab";',
      "// Over 300 items: the progress bar shows at once and ends at 100%.",
      "const sums = await parallel.map(3000, (i: number) => { let s = 0; for (let k = 0; k < 20000; k++) s += Math.sqrt(i + k); return s; });",
      "sums.length",
    ].join("\n"),
  ),
  code(["%%profile", "function slowSum(n: number): number {", "  let s = 0;", "  for (let i = 0; i < n; i++) s += Math.sqrt(i) * Math.sin(i);", "  return s;", "}", "slowSum(3e6);"].join("\n")),
  code(["function checkRows(rows: number): number {", "  if (rows < 0) throw new RangeError(`rows must be positive, got ${rows}`);", "  return rows;", "}", "checkRows(-1)"].join("\n")),
]);

/**
 * What the page may log or fail to load without anything being wrong, each with its reason. The
 * two endpoints jupyter_server 1.x lacks (/api/me, /api/events/subscribe) are not here: lab/serve.py
 * answers them, and a 404 for either fails this test.
 */
const EXPECTED_PROBLEMS: { pattern: RegExp; why: string }[] = [];

/**
 * A widget from a kernel that speaks the widget protocol (2.1) without ipywidgets, which Debian 12
 * has only as 6.0: ipykernel opens the comm of an IntSlider model and displays its view. It checks
 * the front end's side (the manager, @jupyter-widgets/controls' models, views and CSS) whatever
 * the parallab kernel's own comms do.
 */
const WIDGET_NOTEBOOK = "widget-smoke.ipynb";
const WIDGET_KERNEL = { name: "python-widget-check", display_name: "Python (widget check)" };
const widgetNotebook = notebookOf(
  [
    code(
      [
        "from ipykernel.comm import Comm",
        "from IPython.display import display",
        'm = {"_model_module": "@jupyter-widgets/controls", "_model_module_version": "2.0.0", "_view_module": "@jupyter-widgets/controls", "_view_module_version": "2.0.0"}',
        'state = {**m, "_model_name": "IntSliderModel", "_view_name": "IntSliderView", "value": 7, "min": 0, "max": 10, "description": "workers"}',
        'comm = Comm(target_name="jupyter.widget", data={"state": state, "buffer_paths": []}, metadata={"version": "2.1.0"})',
        'display({"application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0, "model_id": comm.comm_id}, "text/plain": "IntSlider(value=7)"}, raw=True)',
      ].join("\n"),
    ),
  ],
  { kernelspec: { ...WIDGET_KERNEL, language: "python" } },
);

let ui: LabSession;

beforeAll(async () => {
  ui = await LabSession.start({
    name: "jupyterlab",
    notebooks: { [NOTEBOOK]: notebook, [WIDGET_NOTEBOOK]: widgetNotebook },
    // Debian's ipykernel under /usr/bin/python3 (the python3 first on PATH may lack it).
    kernels: { [WIDGET_KERNEL.name]: { argv: ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"], display_name: WIDGET_KERNEL.display_name, language: "python" } },
    open: NOTEBOOK,
  });
}, 600_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === "fail" && ui?.page) await ui.shot(`failed-${ctx.task.name.replace(/\W+/g, "-").slice(0, 60)}`);
});

afterAll(() => ui?.stop(), 60_000);

describe("JupyterLab with the parallab kernel", { timeout: 180_000 }, () => {
  it("serves on 127.0.0.1 with a token, and refuses requests without it", async () => {
    expect(ui.lab.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/lab\?token=[0-9a-f]{48}$/);
    expect((await fetch(`${ui.lab.baseUrl}api/kernelspecs`)).status).toBe(403);
    const specs = (await (await fetch(`${ui.lab.baseUrl}api/kernelspecs`, { headers: { Authorization: `token ${ui.lab.token}` } })).json()) as {
      kernelspecs: Record<string, { spec: { display_name: string } }>;
    };
    expect(specs.kernelspecs.parallab?.spec.display_name).toBe("TypeScript (Parallab)");
  });

  it("answers what JupyterLab 4 asks of jupyter_server 2: /api/me and the events socket", async () => {
    const auth = { headers: { Authorization: `token ${ui.lab.token}` } };
    expect((await fetch(`${ui.lab.baseUrl}api/me`)).status).toBe(403);
    const me = (await (await fetch(`${ui.lab.baseUrl}api/me?permissions=${encodeURIComponent('{"contents":["read","write"]}')}`, auth)).json()) as {
      identity: { username: string; name: string; display_name: string; initials: string };
      permissions: Record<string, string[]>;
    };
    expect(me.identity.username).toBe(os.userInfo().username);
    expect(me.identity.initials).toBe(me.identity.name.slice(0, 1).toUpperCase());
    expect(me.permissions).toEqual({ contents: ["read", "write"] });
    expect((await fetch(`${ui.lab.baseUrl}api/me?permissions=[1]`, auth)).status).toBe(400);
    // The page subscribed to the event bus (and, checked last, got no 404 for it).
    expect(ui.sockets).toContain(`${ui.lab.baseUrl.replace(/^http/, "ws")}api/events/subscribe`);
  });

  it("loads the ipywidgets manager: its plugins are active and the notebook renders widget views", async () => {
    const state = await ui.page.evaluate(() => {
      type App = { isPluginActivated(id: string): boolean; shell: { currentWidget: { content?: { rendermime?: { mimeTypes: string[] } } } | null } };
      const app = (window as unknown as { jupyterapp: App }).jupyterapp;
      const ids = ["plugin", "base-2.0.0", "controls-2.0.0", "output-1.0.0"].map((p) => `@jupyter-widgets/jupyterlab-manager:${p}`);
      return {
        active: ids.filter((id) => app.isPluginActivated(id)),
        mimeTypes: app.shell.currentWidget?.content?.rendermime?.mimeTypes ?? [],
      };
    });
    expect(state.active).toHaveLength(4);
    expect(state.mimeTypes).toContain("application/vnd.jupyter.widget-view+json");
  });

  it("runs all cells: the map's progress bar at 100%, the %%profile chart drawn by plotly, the error with its line", async () => {
    await ui.menu("Run", "Run All Cells");
    const [map, profile, error] = [ui.codeCell(0), ui.codeCell(1), ui.codeCell(2)];
    // The error is the last cell: once it shows, every cell has run.
    await poll(() => textOf(outputOf(error)), 120_000).toContain("RangeError");
    await ui.shot("run-all");

    expect(await map.locator(".jp-InputPrompt").innerText()).toMatch(/\[\d+\]/);
    await poll(() => textOf(outputOf(map))).toMatch(/\b3000\b/);
    // The front end has a widget manager, so the bar is an IntProgress widget with its label.
    const bar = outputOf(map).locator(".widget-hprogress .progress-bar");
    await poll(() => bar.count()).toBe(1);
    await poll(() => bar.evaluate((el) => (el as HTMLElement).style.width)).toBe("100%");
    expect(await bar.getAttribute("class")).toContain("progress-bar-success");
    expect(await textOf(outputOf(map))).toMatch(/100% · 3000\/3000 items/);

    // text/html from the kernel runs its scripts only in a trusted notebook: cells run in this
    // session are. Plotly draws into SVG elements of class main-svg.
    await poll(() => profile.locator(".jp-OutputArea-output .main-svg").count()).toBeGreaterThan(0);
    expect(await profile.locator(".jp-OutputArea-output .main-svg").first().isVisible()).toBe(true);
    expect(await outputOf(profile).first().innerText()).toContain("slowSum");
    await profile.locator(".main-svg").first().scrollIntoViewIfNeeded();
    await ui.shot("profile-chart");

    const shown = await textOf(outputOf(error));
    expect(shown).toContain("RangeError: rows must be positive, got -1");
    expect(shown).toMatch(/line 2\b/);
    expect(shown).toContain("throw new RangeError");
  });

  it("completes with Tab: `parallel.` lists the pool's members", async () => {
    const cell = await ui.typeNewCell("parallel.");
    await ui.page.keyboard.press("Tab");
    const completer = ui.page.locator(".jp-Completer");
    await completer.waitFor({ state: "visible" });
    await poll(() => completer.locator(".jp-Completer-item").allInnerTexts()).toEqual(expect.arrayContaining([expect.stringMatching(/^map\b/)]));
    await ui.shot("completer");
    await ui.page.keyboard.press("Escape");
    await completer.waitFor({ state: "hidden" });
    expect(await editorText(cell)).toContain("parallel.");
  });

  it("interrupts a busy cell from the toolbar's stop button; the next cell then runs", async () => {
    const busy = await ui.typeNewCell("for (;;) {}");
    await ui.page.keyboard.press("Shift+Enter"); // runs it, and adds a cell below
    await poll(() => busy.locator(".jp-InputPrompt").innerText()).toContain("[*]");
    await ui.page.keyboard.type("6 * 7");
    await ui.page.waitForTimeout(1000); // really spinning
    expect(await busy.locator(".jp-InputPrompt").innerText()).toContain("[*]");
    await ui.shot("busy");

    await ui.page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-NotebookPanel-toolbar [data-command="notebook:interrupt-kernel"]').click();
    await poll(() => textOf(outputOf(busy))).toContain("KeyboardInterrupt");
    expect(await busy.locator(".jp-InputPrompt").innerText()).toMatch(/\[\d+\]/);

    const next = ui.codeCell((await ui.notebook.locator(".jp-Notebook .jp-CodeCell").count()) - 1);
    await ui.page.keyboard.press("Shift+Enter");
    await poll(() => textOf(outputOf(next))).toContain("42");
    await ui.shot("after-interrupt");
  });

  it("renders a widget view from a kernel's comm: an IntSlider of @jupyter-widgets/controls", async () => {
    await ui.command("docmanager:open", { path: WIDGET_NOTEBOOK });
    await ui.waitForKernel(WIDGET_KERNEL.display_name);
    await ui.menu("Run", "Run All Cells");
    const slider = outputOf(ui.codeCell(0)).locator(".widget-slider");
    await slider.waitFor({ state: "visible" });
    expect(await slider.locator(".widget-readout").innerText()).toBe("7");
    expect(await slider.locator(".widget-label").innerText()).toBe("workers");
    await ui.shot("widget");
  });

  it("has logged no console error and made no failed request through all of the above, beyond the explained ones", () => {
    const unexpected = ui.problems.filter((p) => !EXPECTED_PROBLEMS.some(({ pattern }) => pattern.test(p)));
    expect(unexpected).toEqual([]);
  });
});
