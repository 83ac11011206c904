// A JupyterLab 4 session for browser tests: the built-in front end (lab/build) served by
// `startLab` in a scratch root and Jupyter data dir, headless Chromium on it, and what a test does
// with a notebook (menus, cells, outputs, screenshots). Everything the page logs as an error or
// warning, and every failed request, is collected from the first load in `problems`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { expect } from "vitest";
import { startLab, type RunningLab } from "../../cli/lab.js";
import { ARTIFACTS, launchChromium } from "./chromium.js";

export const code = (source: string) => ({ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source });

export const PARALLAB_METADATA = {
  kernelspec: { name: "parallab", display_name: "TypeScript (Parallab)", language: "typescript" },
  language_info: { name: "typescript", file_extension: ".ts" },
};

export const notebookOf = (cells: object[], metadata: object = PARALLAB_METADATA) => ({ nbformat: 4, nbformat_minor: 5, metadata, cells });

/** Retries until the page shows it: generous, the kernel and the browser share 2 cores. */
export const poll = <T>(read: () => Promise<T>, timeout = 30_000) => expect.poll(read, { timeout, interval: 200 });
export const textOf = (locator: Locator) => locator.allInnerTexts().then((t) => t.join("\n"));
export const outputOf = (cell: Locator) => cell.locator(".jp-OutputArea-output");
/** A cell's editor text (CodeMirror 6). */
export const editorText = (cell: Locator) => cell.locator(".cm-content").innerText();

export interface LabSessionOptions {
  /** Screenshots go to test-results/NAME/. */
  name: string;
  /** Files put in the server's root before it starts: name → notebook JSON. */
  notebooks: Record<string, object>;
  /** Extra kernelspecs in the scratch data dir: name → kernel.json. */
  kernels?: Record<string, object>;
  /** The notebook the page opens first. */
  open: string;
}

export class LabSession {
  /** What went wrong in the page, from its first load: console errors and warnings, uncaught errors, failed requests. */
  readonly problems: string[] = [];
  /** The websockets the page opened (URL without query). */
  readonly sockets: string[] = [];
  readonly serverLog: string[] = [];
  readonly root: string;
  lab!: RunningLab;
  page!: Page;
  private browser?: Browser;
  private readonly dataDir: string;
  private readonly shots: string;
  private readonly savedEnv = { JUPYTER_DATA_DIR: process.env.JUPYTER_DATA_DIR, JUPYTER_CONFIG_DIR: process.env.JUPYTER_CONFIG_DIR };

  private constructor(private readonly options: LabSessionOptions) {
    this.shots = path.join(ARTIFACTS, options.name);
    this.root = mkdtempSync(path.join(os.tmpdir(), "parallab-lab-root-"));
    this.dataDir = mkdtempSync(path.join(os.tmpdir(), "parallab-lab-data-"));
  }

  /** Starts the server and the browser, and opens `options.open` with its kernel. */
  static async start(options: LabSessionOptions): Promise<LabSession> {
    const session = new LabSession(options);
    await session.startAll();
    return session;
  }

  private async startAll(): Promise<void> {
    mkdirSync(this.shots, { recursive: true });
    // The kernelspec, the server's state and the kernels' history in a data dir of our own.
    process.env.JUPYTER_DATA_DIR = this.dataDir;
    process.env.JUPYTER_CONFIG_DIR = path.join(this.dataDir, "config");
    for (const [name, notebook] of Object.entries(this.options.notebooks)) writeFileSync(path.join(this.root, name), JSON.stringify(notebook, null, 1));
    for (const [name, spec] of Object.entries(this.options.kernels ?? {})) {
      mkdirSync(path.join(this.dataDir, "kernels", name), { recursive: true });
      writeFileSync(path.join(this.dataDir, "kernels", name, "kernel.json"), JSON.stringify(spec));
    }
    // Builds lab/ first when pretest didn't (npm ci + rspack: under a minute).
    this.lab = await startLab({ dir: this.root, frontend: "builtin", log: (line) => this.serverLog.push(line) });
    this.browser = await launchChromium();
    const page = await this.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    this.page = page;
    page.setDefaultTimeout(60_000);
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") this.problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => this.problems.push(`page error: ${e.message}`));
    page.on("requestfailed", (r) => this.problems.push(`request failed: ${r.method()} ${r.url()} (${r.failure()?.errorText})`));
    page.on("response", (r) => {
      if (r.status() >= 400) this.problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
    });
    page.on("websocket", (ws) => this.sockets.push(ws.url().replace(/\?.*/, "")));
    await page.goto(`${this.lab.baseUrl}lab/tree/${this.options.open}?token=${this.lab.token}`);
    await page.waitForSelector("body[data-parallab-lab=ready]", { state: "attached" });
    await this.waitForKernel("TypeScript (Parallab)");
  }

  async stop(): Promise<void> {
    await this.browser?.close();
    await this.lab?.stop();
    for (const [name, value] of Object.entries(this.savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(this.root, { recursive: true, force: true });
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** The notebook in front. */
  get notebook(): Locator {
    return this.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)");
  }

  cells(): Locator {
    return this.notebook.locator(".jp-Notebook .jp-Cell");
  }

  codeCell(n: number): Locator {
    return this.notebook.locator(".jp-Notebook .jp-CodeCell").nth(n);
  }

  shot(name: string): Promise<Buffer> {
    return this.page.screenshot({ path: path.join(this.shots, `${name}.png`), fullPage: true });
  }

  /** Waits until the notebook in front has `kernel` and it is idle. */
  async waitForKernel(kernel: string): Promise<void> {
    await this.notebook.locator(".jp-Toolbar-kernelName", { hasText: kernel }).first().waitFor();
    await this.notebook.locator(".jp-Notebook-ExecutionIndicator[data-status=idle]").waitFor();
    // The session connected and the kernel answered kernel_info: a cell run sooner can be lost.
    await this.page.waitForFunction(() => (window as unknown as { jupyterapp: { shell: { currentWidget: { sessionContext?: object } | null } } }).jupyterapp.shell.currentWidget?.sessionContext);
    await this.page.evaluate(async () => {
      type Panel = { sessionContext: { ready: Promise<void>; session: { kernel: { info: Promise<unknown> } | null } | null } };
      const panel = (window as unknown as { jupyterapp: { shell: { currentWidget: Panel } } }).jupyterapp.shell.currentWidget;
      await panel.sessionContext.ready;
      await panel.sessionContext.session?.kernel?.info;
    });
  }

  /** Runs one of JupyterLab's commands, e.g. "docmanager:open". */
  command(id: string, args: object = {}): Promise<unknown> {
    return this.page.evaluate(([id, args]) => (window as unknown as { jupyterapp: { commands: { execute(id: string, args: object): Promise<unknown> } } }).jupyterapp.commands.execute(id, args), [
      id,
      args,
    ] as const);
  }

  /** Ends every session and its kernel through the REST API, as closing with "Shut Down Kernel" does. */
  async shutDownKernels(): Promise<void> {
    const auth = { headers: { Authorization: `token ${this.lab.token}` } };
    const sessions = (await (await fetch(`${this.lab.baseUrl}api/sessions`, auth)).json()) as { id: string }[];
    for (const { id } of sessions) {
      const response = await fetch(`${this.lab.baseUrl}api/sessions/${id}`, { ...auth, method: "DELETE" });
      if (response.status !== 204) throw new Error(`DELETE api/sessions/${id}: HTTP ${response.status}`);
    }
  }

  /** Clicks a main-menu entry, e.g. menu("Run", "Run All Cells"). */
  async menu(top: string, item: string): Promise<void> {
    await this.page.locator(".lm-MenuBar-item", { hasText: new RegExp(`^${top}$`) }).click();
    await this.page
      .locator(".lm-Menu:visible .lm-Menu-item", { has: this.page.locator(".lm-Menu-itemLabel", { hasText: new RegExp(`^${item}$`) }) })
      .first()
      .click();
  }

  /** Adds a code cell below the last one, types `source` into it and leaves the cursor there. */
  async typeNewCell(source: string): Promise<Locator> {
    const count = await this.notebook.locator(".jp-Notebook .jp-CodeCell").count();
    await this.cells().last().locator(".jp-InputArea-editor").click();
    await this.page.keyboard.press("Escape"); // command mode
    await this.page.keyboard.press("b"); // insert below, selected
    await this.page.keyboard.press("Enter"); // edit mode
    await this.page.keyboard.type(source);
    const cell = this.codeCell(count);
    await poll(() => editorText(cell)).toContain(source.split("\n")[0]);
    return cell;
  }

  /** Adds a code cell with `source` below the last one (set in the model: no auto-indent), selected. */
  async addCell(source: string): Promise<Locator> {
    const count = await this.notebook.locator(".jp-Notebook .jp-CodeCell").count();
    await this.cells().last().locator(".jp-InputArea-editor").click();
    await this.page.keyboard.press("Escape"); // command mode
    await this.page.keyboard.press("b"); // insert below, selected
    await this.page.evaluate((text) => {
      type Cell = { model: { sharedModel: { setSource(s: string): void } } };
      const app = (window as unknown as { jupyterapp: { shell: { currentWidget: { content: { activeCell: Cell } } } } }).jupyterapp;
      app.shell.currentWidget.content.activeCell.model.sharedModel.setSource(text);
    }, source);
    const cell = this.codeCell(count);
    await poll(() => editorText(cell)).toContain(source.split("\n")[0]);
    return cell;
  }

  /** Adds a cell with `source`, runs it and waits for its execution count. */
  async runNewCell(source: string): Promise<Locator> {
    const cell = await this.addCell(source);
    await this.page.keyboard.press("Control+Enter");
    await poll(() => cell.locator(".jp-InputPrompt").innerText(), 60_000).toMatch(/\[\d+\]/);
    return cell;
  }
}
