// Charts as users see them outside JupyterLab, in a real browser (Debian's Chromium): classic
// Notebook 6.4 and nbconvert's HTML export draw the interactive plotly chart of a notebook the
// kernel executed, and an untrusted notebook shows the chart's static picture, not a blank area.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installKernelspec } from "../cli/kernelspec.js";
import { startJupyterServer, type LocalJupyterServer } from "../cli/runner/local-server.js";
import { ARTIFACTS, launchChromium } from "./helpers/chromium.js";

const PYTHON = "/usr/bin/python3";
const NOTEBOOK = "00-welcome.ipynb";
const tmp = mkdtempSync(path.join(os.tmpdir(), "parallab-classic-"));
const root = path.join(tmp, "root");
const env = {
  HOME: tmp,
  PYTHONNOUSERSITE: "1",
  JUPYTER_PATH: path.join(tmp, "share", "jupyter"),
  JUPYTER_DATA_DIR: path.join(tmp, "data"),
  JUPYTER_CONFIG_DIR: path.join(tmp, "config"),
  JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"),
  PARALLAB_DB: path.join(tmp, "tracker.db"),
};
let server: LocalJupyterServer;
let browser: Browser;

function runCourseNotebook(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["dist/cli/parallab.js", "run", "--out", path.join(tmp, "executed"), path.join("notebooks", NOTEBOOK)], {
      env: { ...process.env, PARALLAB_DB: env.PARALLAB_DB },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`parallab run failed (${code}): ${stderr}`))));
  });
}

beforeAll(async () => {
  mkdirSync(root, { recursive: true });
  installKernelspec({ prefix: tmp });
  await runCourseNotebook();
  copyFileSync(path.join(tmp, "executed", NOTEBOOK), path.join(root, "trusted.ipynb"));
  // The same outputs in a notebook of other content: its signature is not in the database.
  const executed = JSON.parse(readFileSync(path.join(tmp, "executed", NOTEBOOK), "utf8"));
  writeFileSync(path.join(root, "untrusted.ipynb"), JSON.stringify({ ...executed, metadata: { ...executed.metadata, title: "an untrusted copy" } }));
  // `jupyter trust`: signs the notebook with this data dir's secret, which the server reads.
  execFileSync(PYTHON, ["-m", "nbformat.sign", path.join(root, "trusted.ipynb")], { env: { ...process.env, ...env }, stdio: "pipe" });
  execFileSync(PYTHON, ["-m", "nbconvert", "--to", "html", "--output-dir", path.join(tmp, "html"), path.join(root, "trusted.ipynb")], { env: { ...process.env, ...env }, stdio: "pipe" });
  [server, browser] = await Promise.all([startJupyterServer({ app: "notebook", rootDir: root, env }), launchChromium()]);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1800 } });
  await page.goto(url, { waitUntil: "load" });
  return page;
}

const screenshot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });

describe("charts outside JupyterLab", () => {
  it("nbconvert's HTML export draws the interactive chart", async () => {
    const page = await open(`file://${path.join(tmp, "html", "trusted.html")}`);
    await page.locator(".parallab-plot .main-svg").first().waitFor({ timeout: 60_000 });
    expect(await page.locator(".parallab-plot .main-svg .bars path").count()).toBe(5);
    expect(await page.locator(".parallab-plot img.parallab-plot-static").count()).toBe(0);
    await screenshot(page, "nbconvert-html.png");
    await page.close();
  }, 120_000);

  it("classic Notebook 6.4 draws the chart of a trusted notebook", async () => {
    const page = await open(`${server.baseUrl}notebooks/trusted.ipynb?token=${server.token}`);
    await page.locator(".output_area .parallab-plot .main-svg").first().waitFor({ timeout: 60_000 });
    expect(await page.locator(".parallab-plot .main-svg .bars path").count()).toBe(5);
    await screenshot(page, "classic-trusted.png");
    await page.close();
  }, 120_000);

  it("classic Notebook 6.4 shows the static picture in an untrusted notebook, not a blank area", async () => {
    const page = await open(`${server.baseUrl}notebooks/untrusted.ipynb?token=${server.token}`);
    const picture = page.locator(".output_area .parallab-plot img.parallab-plot-static").first();
    await picture.waitFor({ timeout: 60_000 });
    // Decoded and laid out: a real picture, not a broken image.
    await expect.poll(() => picture.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 100 && img.getBoundingClientRect().height > 100), { timeout: 20_000 }).toBe(true);
    expect(await page.locator(".parallab-plot .main-svg").count()).toBe(0);
    await expect.poll(() => page.locator("#notification_trusted").textContent()).toMatch(/Not Trusted/);
    await screenshot(page, "classic-untrusted.png");
    await page.close();
  }, 120_000);
});
