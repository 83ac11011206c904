#!/usr/bin/env node
// bench/widgets: the round trip of one slider update as a user makes it, browser → kernel
// callback → view. In the built-in JupyterLab 4 (lab/serve.py on Debian's jupyter_server 1.x with
// lab/nodelay_config.py) in headless Chromium, a key press moves an IntSlider by one; the
// kernel's observer sets a Label to the new value; the time is taken in the page, from the
// keydown to the Label's text changing (so neither playwright nor the test's polling counts).
//
// The same on ipykernel, in the same server and browser, rounds alternating so that a noisy
// machine affects both alike. Debian 12 has ipywidgets only as 6.0, which speaks widget protocol
// 1 with the `jupyter-js-widgets` module that JupyterLab 4's manager cannot load; so the Python
// side here is what ipywidgets 8 does per update, on ipykernel's own Comm: take the update, echo
// it (`echo_update`), run the callback, send the Label's update.
// Last line: {"slider_roundtrip_p50_ms": …, "vs_ipykernel": …, …}.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { startLab } from "../../dist/cli/lab.js";

const USAGE = "usage: node bench/run.js widgets   (BENCH_UPDATES=200 and BENCH_ROUNDS=4 in the environment change the run)";
if (process.argv.length > 2) {
  console.error(process.argv.slice(2).some((a) => a === "--help" || a === "-h") ? USAGE : `bench/widgets takes no arguments, got ${process.argv.slice(2).join(" ")}\n${USAGE}`);
  process.exit(process.argv.slice(2).some((a) => a === "--help" || a === "-h") ? 0 : 2);
}
const UPDATES = Number(process.env.BENCH_UPDATES ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
for (const [name, value] of [
  ["BENCH_UPDATES", UPDATES],
  ["BENCH_ROUNDS", ROUNDS],
])
  if (!Number.isInteger(value) || value < 1) {
    console.error(`bench/widgets: ${name} must be a whole number of at least 1, got ${process.env[name]}\n${USAGE}`);
    process.exit(2);
  }
const WARMUP = 10;

const code = (source) => ({ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source });
const notebook = (metadata, source) => ({ nbformat: 4, nbformat_minor: 5, metadata, cells: [code(source)] });

const PARALLAB = notebook(
  { kernelspec: { name: "parallab", display_name: "TypeScript (Parallab)", language: "typescript" } },
  [
    'import { widgets } from "parallab";',
    'const slider = new widgets.IntSlider({ value: 0, min: 0, max: 100000, description: "x" });',
    'const seen = new widgets.Label({ value: "0" });',
    'slider.observe("value", ({ new: v }) => { seen.value = String(v); });',
    "new widgets.VBox([slider, seen])",
  ].join("\n"),
);

const IPYKERNEL_SPEC = { name: "python-bench", display_name: "Python (bench)" };
const IPYKERNEL = notebook(
  { kernelspec: { ...IPYKERNEL_SPEC, language: "python" } },
  [
    "from ipykernel.comm import Comm",
    "from IPython.display import display",
    "def model(name, view, **state):",
    '    v = "2.0.0"',
    '    return {"_model_module": "@jupyter-widgets/controls", "_model_module_version": v, "_view_module": "@jupyter-widgets/controls",',
    '            "_view_module_version": v, "_model_name": name, "_view_name": view, **state}',
    "def widget(state):",
    '    return Comm(target_name="jupyter.widget", data={"state": state, "buffer_paths": []}, metadata={"version": "2.1.0"})',
    'slider = widget(model("IntSliderModel", "IntSliderView", value=0, min=0, max=100000, description="x"))',
    'seen = widget(model("LabelModel", "LabelView", value="0"))',
    'box = widget(model("VBoxModel", "VBoxView", children=["IPY_MODEL_" + slider.comm_id, "IPY_MODEL_" + seen.comm_id]))',
    "def on_msg(msg):",
    '    data = msg["content"]["data"]',
    '    if data.get("method") == "update" and "value" in data.get("state", {}):',
    '        value = data["state"]["value"]',
    '        slider.send({"method": "echo_update", "state": {"value": value}, "buffer_paths": []})',
    '        seen.send({"method": "update", "state": {"value": str(value)}, "buffer_paths": []})',
    "slider.on_msg(on_msg)",
    'display({"application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0, "model_id": box.comm_id}, "text/plain": "VBox"}, raw=True)',
  ].join("\n"),
);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

/** Opens `file` in its own page, runs its cell, and readies the timing hooks on its slider and label. */
async function open(browser, lab, file) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  page.setDefaultTimeout(120_000);
  // A workspace per page: otherwise each page restores the other's notebook too.
  await page.goto(`${lab.baseUrl}lab/workspaces/${path.basename(file, ".ipynb")}/tree/${file}?token=${lab.token}`);
  await page.waitForSelector("body[data-parallab-lab=ready]", { state: "attached" });
  // The kernel's session connected and its kernel_info answered: a cell run sooner can be lost.
  await page.waitForFunction(() => window.jupyterapp.shell.currentWidget?.sessionContext);
  await page.evaluate(async () => {
    const panel = window.jupyterapp.shell.currentWidget;
    await panel.sessionContext.ready;
    await panel.sessionContext.session.kernel.info;
    await window.jupyterapp.commands.execute("notebook:run-all-cells");
  });
  const view = page.locator(".jp-OutputArea-output .widget-vbox");
  await view
    .locator(".widget-slider .noUi-handle")
    .waitFor()
    .catch(async (err) => {
      const shot = path.resolve("test-results", `bench-widgets-${path.basename(file, ".ipynb")}.png`);
      mkdirSync(path.dirname(shot), { recursive: true });
      await page.screenshot({ path: shot });
      throw new Error(`${file}: the widget never showed (screenshot: ${shot}): ${err.message}`);
    });
  await view.locator(":scope > .widget-label").waitFor();
  await page.evaluate(() => {
    const box = document.querySelector(".jp-OutputArea-output .widget-vbox");
    const label = box.querySelector(":scope > .widget-label");
    const timing = { start: 0, expect: "", times: [], resolve: null, done: null };
    window.__timing = timing;
    document.addEventListener(
      "keydown",
      (e) => {
        if (e.key === "ArrowRight") timing.start = performance.now();
      },
      true,
    );
    new MutationObserver(() => {
      if (timing.resolve && label.textContent.trim() === timing.expect) {
        timing.times.push(performance.now() - timing.start);
        timing.resolve();
        timing.resolve = null;
      }
    }).observe(label, { subtree: true, childList: true, characterData: true });
  });
  await view.locator(".noUi-handle").focus();
  return { page, next: 1 };
}

/** `n` updates of one step each; returns each round trip in ms. */
async function updates(side, n) {
  const { page } = side;
  await page.bringToFront();
  await page.locator(".jp-OutputArea-output .widget-vbox .noUi-handle").focus();
  const before = await page.evaluate(() => window.__timing.times.length);
  for (let i = 0; i < n; i++) {
    const expected = String(side.next++);
    await page.evaluate((value) => {
      const t = window.__timing;
      t.expect = value;
      t.done = new Promise((resolve) => {
        t.resolve = resolve;
      });
    }, expected);
    await page.keyboard.press("ArrowRight");
    await page.evaluate((value) => Promise.race([window.__timing.done, new Promise((_, reject) => setTimeout(() => reject(new Error(`the label never showed ${value}`)), 30_000))]), expected);
  }
  return page.evaluate((from) => window.__timing.times.slice(from), before);
}

const root = mkdtempSync(path.join(os.tmpdir(), "parallab-bench-widgets-"));
const dataDir = path.join(root, ".data");
process.env.JUPYTER_DATA_DIR = dataDir;
process.env.JUPYTER_CONFIG_DIR = path.join(dataDir, "config");
writeFileSync(path.join(root, "parallab.ipynb"), JSON.stringify(PARALLAB));
writeFileSync(path.join(root, "ipykernel.ipynb"), JSON.stringify(IPYKERNEL));
mkdirSync(path.join(dataDir, "kernels", IPYKERNEL_SPEC.name), { recursive: true });
writeFileSync(
  path.join(dataDir, "kernels", IPYKERNEL_SPEC.name, "kernel.json"),
  JSON.stringify({ argv: ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"], display_name: IPYKERNEL_SPEC.display_name, language: "python" }),
);

let lab;
let browser;
try {
  lab = await startLab({ dir: root, frontend: "builtin", log: () => undefined });
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows"],
  });
  const sides = { parallab: await open(browser, lab, "parallab.ipynb"), ipykernel: await open(browser, lab, "ipykernel.ipynb") };
  for (const side of Object.values(sides)) await updates(side, WARMUP);
  const times = { parallab: [], ipykernel: [] };
  const perRound = Math.ceil(UPDATES / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first, so that neither always follows the other's garbage.
    const order = round % 2 ? ["ipykernel", "parallab"] : ["parallab", "ipykernel"];
    for (const name of order) times[name].push(...(await updates(sides[name], perRound)));
  }
  const row = (name) => {
    const t = times[name];
    return `${name.padEnd(10)} p50 ${median(t).toFixed(2)} ms  p90 ${quantile(t, 0.9).toFixed(2)} ms  min ${Math.min(...t).toFixed(2)} ms  (${t.length} updates)`;
  };
  console.log("slider update round trip (key press → kernel observer → Label shows the value), JupyterLab 4 + jupyter_server 1.x with nodelay:");
  console.log(row("parallab"));
  console.log(row("ipykernel"));
  const p50 = median(times.parallab);
  const ipykernelP50 = median(times.ipykernel);
  console.log(
    JSON.stringify({
      slider_roundtrip_p50_ms: Number(p50.toFixed(2)),
      vs_ipykernel: Number((p50 / ipykernelP50).toFixed(3)),
      ipykernel_p50_ms: Number(ipykernelP50.toFixed(2)),
      slider_roundtrip_p90_ms: Number(quantile(times.parallab, 0.9).toFixed(2)),
      updates: times.parallab.length,
    }),
  );
} finally {
  await browser?.close();
  await lab?.stop();
  rmSync(root, { recursive: true, force: true });
}
