// Parallab's own outputs become widgets only where the front end has a widget manager: the
// parallel.map progress bar and %workers stay text until a front end asks for the widget comms
// (as JupyterLab's widget manager does when it connects), and `parallab run` (like nbconvert and
// nbclient) keeps them text while it saves the notebook's own widgets in its metadata.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../kernel/protocol/messages.js";
import { runCli } from "./helpers/cli.js";
import { ofType, startKernel, stdout, type TestKernel } from "./helpers/kernel.js";

const VIEW = "application/vnd.jupyter.widget-view+json";
const STATE = "application/vnd.jupyter.widget-state+json";
type State = Record<string, unknown>;

const models = (outputs: Message[]) => ofType(outputs, "comm_open").map((m) => (m.content as { data: { state: State } }).data.state._model_name);
const displays = (outputs: Message[]) => [...ofType(outputs, "display_data"), ...ofType(outputs, "update_display_data")].map((m) => (m.content as { data: State }).data);

let k: TestKernel;
beforeAll(async () => {
  k = await startKernel();
  await k.client.execute('import { parallel } from "parallab";');
});
afterAll(async () => {
  await k?.stop();
});

describe("with no widget manager in the front end", () => {
  it("%workers prints its three lines and parallel.map's progress bar is text, with no comm opened", async () => {
    const workers = await k.client.execute("%workers");
    expect(stdout(workers.outputs)).toMatch(/^Worker pool: \d+ threads .*\ntasks: .*utilization .*\nrun time p50 .*\n$/);
    const mapped = await k.client.execute("(await parallel.map(5000, (i) => i + 1)).length");
    expect(models(mapped.outputs)).toEqual([]);
    const bars = displays(mapped.outputs);
    expect(bars.length).toBeGreaterThan(0);
    expect(String(bars.at(-1)!["text/plain"])).toMatch(/^parallel\.map 100% \|█+\| 5000\/5000 items/);
    for (const bar of bars) expect(bar).not.toHaveProperty(VIEW);
  });
});

describe("once a front end with a widget manager is connected", () => {
  beforeAll(async () => {
    // What @jupyter-widgets/jupyterlab-manager does when it connects to a kernel.
    const { reply } = await k.client.request("shell", "comm_info_request", { target_name: "jupyter.widget" });
    expect(reply.content).toMatchObject({ status: "ok" });
  });

  it("parallel.map's progress bar is an IntProgress and a Label, green at the end, its text kept as the display's fallback", async () => {
    const mapped = await k.client.execute("(await parallel.map(5000, (i) => i + 1)).length");
    expect(models(mapped.outputs)).toEqual(expect.arrayContaining(["IntProgressModel", "LabelModel", "HBoxModel"]));
    const opened = ofType(mapped.outputs, "comm_open").map((m) => m.content as { comm_id: string; data: { state: State } });
    const bar = opened.find((o) => o.data.state._model_name === "IntProgressModel")!;
    const box = opened.find((o) => o.data.state._model_name === "HBoxModel")!;
    expect(bar.data.state).toMatchObject({ description: "parallel.map" });
    const barUpdates = ofType(mapped.outputs, "comm_msg")
      .filter((m) => m.content.comm_id === bar.comm_id)
      .map((m) => (m.content as { data: { state: State } }).data.state);
    expect(Object.assign({}, ...barUpdates)).toMatchObject({ value: 5000, max: 5000, bar_style: "success" });
    const shown = displays(mapped.outputs);
    expect(shown[0]![VIEW]).toEqual({ version_major: 2, version_minor: 0, model_id: box.comm_id });
    expect(String(shown.at(-1)!["text/plain"])).toMatch(/^parallel\.map 100% \|█+\| 5000\/5000 items/);
  });

  it("%workers is a panel of widgets with the same lines as its text, and Refresh reads the pool again", async () => {
    const workers = await k.client.execute("%workers");
    expect(stdout(workers.outputs)).toBe("");
    expect(models(workers.outputs)).toEqual(expect.arrayContaining(["IntProgressModel", "FloatProgressModel", "HTMLModel", "ButtonModel", "VBoxModel"]));
    const [shown] = displays(workers.outputs);
    expect(shown![VIEW]).toMatchObject({ version_major: 2 });
    expect(String(shown!["text/plain"])).toMatch(/^Worker pool: \d+ threads .*\ntasks: \d+ completed, 0 failed; utilization .*\nrun time p50 .*$/);
    const opened = ofType(workers.outputs, "comm_open").map((m) => m.content as { comm_id: string; data: { state: State } });
    const button = opened.find((o) => o.data.state._model_name === "ButtonModel")!;
    const table = opened.find((o) => o.data.state._model_name === "HTMLModel")!;
    expect(String(table.data.state.value)).toMatch(/<table>.*completed.*<\/table>/);
    await k.client.execute("await parallel.map(100, (i) => i)");
    const clicked = await k.client.sendComm("comm_msg", { comm_id: button.comm_id, data: { method: "custom", content: { event: "click" } } });
    const refreshed = ofType(clicked.outputs, "comm_msg").find((m) => m.content.comm_id === table.comm_id);
    expect(refreshed, "the table is read again").toBeDefined();
  });
});

describe("parallab run of a notebook with widgets", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "parallab-widgets-run-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("saves metadata.widgets (each open model's state, the Output's captured outputs) and keeps the progress bar text", async () => {
    const cells = [
      'import { widgets, interact, parallel } from "parallab";\nconst slider = new widgets.IntSlider({ value: 3, max: 9, description: "n" });\nslider',
      'interact(({ n }) => { console.log("n is", n); return n * 2; }, { n: [1, 8] });',
      "const gone = new widgets.Button(); gone.close();\n(await parallel.map(2000, (i) => i * 2)).length",
    ];
    const notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { widgets: { [STATE]: { version_major: 2, version_minor: 0, state: { stale: {} } } } },
      cells: cells.map((source, i) => ({ cell_type: "code", id: `c${i}`, metadata: {}, outputs: [], execution_count: null, source })),
    };
    const file = path.join(dir, "widgets.ipynb");
    writeFileSync(file, JSON.stringify(notebook));
    const run = await runCli(["run", file, "--out", path.join(dir, "out")]);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const saved = JSON.parse(readFileSync(path.join(dir, "out", "widgets.ipynb"), "utf8")) as typeof notebook & { cells: { outputs: State[] }[] };

    const widgetState = saved.metadata.widgets[STATE] as {
      version_major: number;
      version_minor: number;
      state: Record<string, { model_name: string; model_module: string; model_module_version: string; state: State }>;
    };
    expect(widgetState).toMatchObject({ version_major: 2, version_minor: 0 });
    const byName = (name: string) => Object.entries(widgetState.state).filter(([, s]) => s.model_name === name);
    expect(widgetState.state).not.toHaveProperty("stale");
    expect(byName("ButtonModel")).toEqual([]);
    const [[sliderId, slider]] = byName("IntSliderModel").filter(([, s]) => s.state.description === "n") as [[string, { state: State; model_module: string; model_module_version: string }]];
    expect(slider).toMatchObject({ model_module: "@jupyter-widgets/controls", model_module_version: "2.0.0", state: { _model_name: "IntSliderModel", value: 3, max: 9 } });
    expect(saved.cells[0]!.outputs[0]).toMatchObject({ output_type: "execute_result", data: { [VIEW]: { version_major: 2, version_minor: 0, model_id: sliderId } } });
    for (const [, s] of Object.entries(widgetState.state)) expect(Object.keys(s).sort()).toEqual(["model_module", "model_module_version", "model_name", "state"]);

    // What the interact printed and returned is the Output's (as nbclient saves it), not the cell's.
    const [[, output]] = byName("OutputModel") as [[string, { state: { outputs: State[] } }]];
    expect(output.state.outputs).toEqual([
      { output_type: "stream", name: "stdout", text: "n is 4\n" },
      { output_type: "display_data", data: { "text/plain": "8" }, metadata: {} },
    ]);
    expect(saved.cells[1]!.outputs.map((o) => o.output_type)).toEqual(["display_data"]);

    // The progress bar: text and HTML, no widget.
    const bar = saved.cells[2]!.outputs.find((o) => o.output_type === "display_data")!;
    expect(Object.keys(bar.data as State).sort()).toEqual(["text/html", "text/plain"]);
    expect(String((bar.data as State)["text/plain"])).toMatch(/^parallel\.map 100% \|█+\| 2000\/2000 items/);
    expect(byName("IntProgressModel")).toEqual([]);
  });
});
