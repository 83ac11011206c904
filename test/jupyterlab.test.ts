// JupyterLab end to end: the built-in JupyterLab 4 front end (lab/build, built by pretest),
// served by Debian's jupyterlab_server (jupyter_server 1.x) through `startLab`, the real parallab
// kernel, and headless Debian Chromium driven by playwright-core. It checks what a user sees, and
// what the page asks of the server: every console error and failed request is collected from the
// first load and checked last against an explained allow-list. Screenshots go to
// test-results/jupyterlab/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startLab, type RunningLab } from "../cli/lab.js";
import { ARTIFACTS, launchChromium } from "./helpers/chromium.js";

const SHOTS = path.join(ARTIFACTS, "jupyterlab");
const NOTEBOOK = "parallab-in-lab.ipynb";

const code = (source: string) => ({ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source });
/** A small course notebook: a parallel map with its progress bar, a %%profile chart, an error. */
const notebook = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {
    kernelspec: { name: "parallab", display_name: "TypeScript (Parallab)", language: "typescript" },
    language_info: { name: "typescript", file_extension: ".ts" },
  },
  cells: [
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
  ],
};

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
const widgetNotebook = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { ...WIDGET_KERNEL, language: "python" } },
  cells: [
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
};

let lab: RunningLab;
let browser: Browser;
let page: Page;
let root: string;
let dataDir: string;
const savedEnv = { JUPYTER_DATA_DIR: process.env.JUPYTER_DATA_DIR, JUPYTER_CONFIG_DIR: process.env.JUPYTER_CONFIG_DIR };
const serverLog: string[] = [];
/** What went wrong in the page, from its first load: console errors and warnings, uncaught errors, failed requests. */
const problems: string[] = [];
/** The websockets the page opened (URL without query). */
const sockets: string[] = [];

const cells = () => page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell");
const codeCell = (n: number) => page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell").nth(n);
const outputOf = (cell: Locator) => cell.locator(".jp-OutputArea-output");
const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

/** Retries until the page shows it: generous, the kernel and the browser share 2 cores. */
const poll = <T>(read: () => Promise<T>, timeout = 30_000) => expect.poll(read, { timeout, interval: 200 });
const textOf = (locator: Locator) => locator.allInnerTexts().then((t) => t.join("\n"));

/** Clicks a main-menu entry, e.g. menu("Run", "Run All Cells"). */
async function menu(top: string, item: string): Promise<void> {
  await page.locator(".lm-MenuBar-item", { hasText: new RegExp(`^${top}$`) }).click();
  await page
    .locator(".lm-Menu:visible .lm-Menu-item", { has: page.locator(".lm-Menu-itemLabel", { hasText: new RegExp(`^${item}$`) }) })
    .first()
    .click();
}

/** A cell's editor text (CodeMirror 6). */
const editorText = (cell: Locator) => cell.locator(".cm-content").innerText();

/** Adds a code cell below the last one, types `source` into it and leaves the cursor there. */
async function typeNewCell(source: string): Promise<Locator> {
  const count = await page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell").count();
  await cells().last().locator(".jp-InputArea-editor").click();
  await page.keyboard.press("Escape"); // command mode
  await page.keyboard.press("b"); // insert below, selected
  await page.keyboard.press("Enter"); // edit mode
  await page.keyboard.type(source);
  const cell = codeCell(count);
  await poll(() => editorText(cell)).toContain(source.split("\n")[0]);
  return cell;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  root = mkdtempSync(path.join(os.tmpdir(), "parallab-lab-root-"));
  dataDir = mkdtempSync(path.join(os.tmpdir(), "parallab-lab-data-"));
  // The kernelspec, the server's state and the kernels' history in a data dir of our own.
  process.env.JUPYTER_DATA_DIR = dataDir;
  process.env.JUPYTER_CONFIG_DIR = path.join(dataDir, "config");
  writeFileSync(path.join(root, NOTEBOOK), JSON.stringify(notebook, null, 1));
  writeFileSync(path.join(root, WIDGET_NOTEBOOK), JSON.stringify(widgetNotebook, null, 1));
  // Debian's ipykernel under /usr/bin/python3 (the python3 first on PATH may lack it).
  const spec = path.join(dataDir, "kernels", WIDGET_KERNEL.name);
  mkdirSync(spec, { recursive: true });
  writeFileSync(
    path.join(spec, "kernel.json"),
    JSON.stringify({ argv: ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"], display_name: WIDGET_KERNEL.display_name, language: "python" }),
  );
  // Builds lab/ first when pretest didn't (npm ci + webpack: a few minutes on 2 cores).
  lab = await startLab({ dir: root, frontend: "builtin", log: (line) => serverLog.push(line) });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(60_000);
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.method()} ${r.url()} (${r.failure()?.errorText})`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  page.on("websocket", (ws) => sockets.push(ws.url().replace(/\?.*/, "")));
  await page.goto(`${lab.baseUrl}lab/tree/${NOTEBOOK}?token=${lab.token}`);
  await page.waitForSelector("body[data-parallab-lab=ready]", { state: "attached" });
  await page.locator(".jp-NotebookPanel .jp-Toolbar-kernelName", { hasText: "TypeScript (Parallab)" }).first().waitFor();
}, 600_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === "fail" && page) await shot(`failed-${ctx.task.name.replace(/\W+/g, "-").slice(0, 60)}`);
});

afterAll(async () => {
  await browser?.close();
  await lab?.stop();
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  if (root) rmSync(root, { recursive: true, force: true });
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe("JupyterLab with the parallab kernel", { timeout: 180_000 }, () => {
  it("serves on 127.0.0.1 with a token, and refuses requests without it", async () => {
    expect(lab.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/lab\?token=[0-9a-f]{48}$/);
    expect((await fetch(`${lab.baseUrl}api/kernelspecs`)).status).toBe(403);
    const specs = (await (await fetch(`${lab.baseUrl}api/kernelspecs`, { headers: { Authorization: `token ${lab.token}` } })).json()) as {
      kernelspecs: Record<string, { spec: { display_name: string } }>;
    };
    expect(specs.kernelspecs.parallab?.spec.display_name).toBe("TypeScript (Parallab)");
  });

  it("answers what JupyterLab 4 asks of jupyter_server 2: /api/me and the events socket", async () => {
    const auth = { headers: { Authorization: `token ${lab.token}` } };
    expect((await fetch(`${lab.baseUrl}api/me`)).status).toBe(403);
    const me = (await (await fetch(`${lab.baseUrl}api/me?permissions=${encodeURIComponent('{"contents":["read","write"]}')}`, auth)).json()) as {
      identity: { username: string; name: string; display_name: string; initials: string };
      permissions: Record<string, string[]>;
    };
    expect(me.identity.username).toBe(os.userInfo().username);
    expect(me.identity.initials).toBe(me.identity.name.slice(0, 1).toUpperCase());
    expect(me.permissions).toEqual({ contents: ["read", "write"] });
    expect((await fetch(`${lab.baseUrl}api/me?permissions=[1]`, auth)).status).toBe(400);
    // The page subscribed to the event bus (and, checked last, got no 404 for it).
    expect(sockets).toContain(`${lab.baseUrl.replace(/^http/, "ws")}api/events/subscribe`);
  });

  it("loads the ipywidgets manager: its plugins are active and the notebook renders widget views", async () => {
    const state = await page.evaluate(() => {
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
    await menu("Run", "Run All Cells");
    const [map, profile, error] = [codeCell(0), codeCell(1), codeCell(2)];
    // The error is the last cell: once it shows, every cell has run.
    await poll(() => textOf(outputOf(error)), 120_000).toContain("RangeError");
    await shot("run-all");

    expect(await map.locator(".jp-InputPrompt").innerText()).toMatch(/\[\d+\]/);
    await poll(() => textOf(outputOf(map))).toMatch(/\b3000\b/);
    const bar = map.locator(".jp-OutputArea-output progress");
    await poll(() => bar.count()).toBe(1);
    expect(await bar.getAttribute("value")).toBe("3000");
    expect(await bar.getAttribute("max")).toBe("3000");
    expect(await textOf(outputOf(map))).toContain("100%");

    // text/html from the kernel runs its scripts only in a trusted notebook: cells run in this
    // session are. Plotly draws into SVG elements of class main-svg.
    await poll(() => profile.locator(".jp-OutputArea-output .main-svg").count()).toBeGreaterThan(0);
    expect(await profile.locator(".jp-OutputArea-output .main-svg").first().isVisible()).toBe(true);
    expect(await outputOf(profile).first().innerText()).toContain("slowSum");
    await profile.locator(".main-svg").first().scrollIntoViewIfNeeded();
    await shot("profile-chart");

    const shown = await textOf(outputOf(error));
    expect(shown).toContain("RangeError: rows must be positive, got -1");
    expect(shown).toMatch(/line 2\b/);
    expect(shown).toContain("throw new RangeError");
  });

  it("completes with Tab: `parallel.` lists the pool's members", async () => {
    const cell = await typeNewCell("parallel.");
    await page.keyboard.press("Tab");
    const completer = page.locator(".jp-Completer");
    await completer.waitFor({ state: "visible" });
    await poll(() => completer.locator(".jp-Completer-item").allInnerTexts()).toEqual(expect.arrayContaining([expect.stringMatching(/^map\b/)]));
    await shot("completer");
    await page.keyboard.press("Escape");
    await completer.waitFor({ state: "hidden" });
    expect(await editorText(cell)).toContain("parallel.");
  });

  it("interrupts a busy cell from the toolbar's stop button; the next cell then runs", async () => {
    const busy = await typeNewCell("for (;;) {}");
    await page.keyboard.press("Shift+Enter"); // runs it, and adds a cell below
    await poll(() => busy.locator(".jp-InputPrompt").innerText()).toContain("[*]");
    await page.keyboard.type("6 * 7");
    await page.waitForTimeout(1000); // really spinning
    expect(await busy.locator(".jp-InputPrompt").innerText()).toContain("[*]");
    await shot("busy");

    await page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-NotebookPanel-toolbar [data-command="notebook:interrupt-kernel"]').click();
    await poll(() => textOf(outputOf(busy))).toContain("KeyboardInterrupt");
    expect(await busy.locator(".jp-InputPrompt").innerText()).toMatch(/\[\d+\]/);

    const next = codeCell((await page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell").count()) - 1);
    await page.keyboard.press("Shift+Enter");
    await poll(() => textOf(outputOf(next))).toContain("42");
    await shot("after-interrupt");
  });

  it("renders a widget view from a kernel's comm: an IntSlider of @jupyter-widgets/controls", async () => {
    await page.evaluate(
      (p) => (window as unknown as { jupyterapp: { commands: { execute(id: string, args: object): Promise<unknown> } } }).jupyterapp.commands.execute("docmanager:open", { path: p }),
      WIDGET_NOTEBOOK,
    );
    await page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar-kernelName", { hasText: WIDGET_KERNEL.display_name }).waitFor();
    await page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status=idle]").waitFor();
    await menu("Run", "Run All Cells");
    const slider = outputOf(codeCell(0)).locator(".widget-slider");
    await slider.waitFor({ state: "visible" });
    expect(await slider.locator(".widget-readout").innerText()).toBe("7");
    expect(await slider.locator(".widget-label").innerText()).toBe("workers");
    await shot("widget");
  });

  it("has logged no console error and made no failed request through all of the above, beyond the explained ones", () => {
    const unexpected = problems.filter((p) => !EXPECTED_PROBLEMS.some(({ pattern }) => pattern.test(p)));
    expect(unexpected).toEqual([]);
  });
});
