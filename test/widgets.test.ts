// Widgets through a real kernel, with our ZMQ client driving them as JupyterLab's widget manager
// (@jupyter-widgets/jupyterlab-manager, ipywidgets 8) would: the comm_open of each model, the
// widget-view display, updates both ways with echo_update, custom messages (a button's click),
// the Output widget's msg_id capture, interact, jslink, the control comm, and bad messages.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Header, Message } from "../kernel/protocol/messages.js";
import { errorOf, ofType, resultText, startKernel, stdout, type TestKernel } from "./helpers/kernel.js";

const VIEW = "application/vnd.jupyter.widget-view+json";
type State = Record<string, unknown>;

let k: TestKernel;
beforeAll(async () => {
  k = await startKernel();
  const { reply } = await k.client.execute('import { widgets, interact, display } from "parallab";');
  expect(reply.content).toMatchObject({ status: "ok" });
});
afterAll(async () => {
  await k?.stop();
});

const parentOf = (m: Message) => (m.parent_header as Header).msg_id;
/** The models a cell opened, in order: id, model name, state, the comm_open's metadata. */
const opened = (outputs: Message[]) =>
  ofType(outputs, "comm_open").map((m) => {
    const content = m.content as { comm_id: string; target_name: string; data: { state: State; buffer_paths: unknown[] } };
    expect(content.target_name).toBe("jupyter.widget");
    return { id: content.comm_id, model: content.data.state._model_name as string, state: content.data.state, data: content.data, metadata: m.metadata, parent: parentOf(m) };
  });
const commMsgs = (outputs: Message[], id?: string) =>
  ofType(outputs, "comm_msg")
    .filter((m) => id === undefined || m.content.comm_id === id)
    .map((m) => ({ ...(m.content as { comm_id: string; data: { method: string; state?: State; content?: unknown } }), parent: parentOf(m) }));
const update = (id: string, state: State) => k.client.sendComm("comm_msg", { comm_id: id, data: { method: "update", state, buffer_paths: [] } });
const click = (id: string) => k.client.sendComm("comm_msg", { comm_id: id, data: { method: "custom", content: { event: "click" } } });
async function logged(pattern: RegExp): Promise<string> {
  for (let i = 0; i < 100 && !pattern.test(k.kernel.log()); i++) await new Promise((r) => setTimeout(r, 50));
  return k.kernel.log();
}

describe("an IntSlider's life", () => {
  let slider: string;
  let layout: string;
  let style: string;

  it("opens its layout, its style and itself on jupyter.widget with protocol 2.1.0 and ipywidgets 8's model names and versions", async () => {
    const { reply, outputs } = await k.client.execute(`
      const slider = new widgets.IntSlider({ value: 5, max: 10, description: "n" });
      const seen: number[] = [];
      slider.observe("value", (change) => { seen.push(change.new); console.log("value", change.old, "->", change.new); });
      slider`);
    expect(reply.content).toMatchObject({ status: "ok" });
    const models = opened(outputs);
    expect(models.map((m) => m.model)).toEqual(["LayoutModel", "SliderStyleModel", "IntSliderModel"]);
    for (const m of models) {
      expect(m.metadata).toEqual({ version: "2.1.0" });
      expect(m.data.buffer_paths).toEqual([]);
      expect(m.parent).toBe((reply.parent_header as Header).msg_id);
    }
    [layout, style, slider] = models.map((m) => m.id) as [string, string, string];
    expect(models[0]!.state).toMatchObject({ _model_module: "@jupyter-widgets/base", _model_module_version: "2.0.0", _view_name: "LayoutView", width: null });
    expect(models[1]!.state).toMatchObject({ _model_module: "@jupyter-widgets/controls", _view_module: "@jupyter-widgets/base", _view_name: "StyleView", description_width: "" });
    expect(models[2]!.state).toMatchObject({
      _model_module: "@jupyter-widgets/controls",
      _model_module_version: "2.0.0",
      _view_module: "@jupyter-widgets/controls",
      _view_module_version: "2.0.0",
      _view_name: "IntSliderView",
      value: 5,
      min: 0,
      max: 10,
      step: 1,
      description: "n",
      readout_format: "d",
      layout: `IPY_MODEL_${layout}`,
      style: `IPY_MODEL_${style}`,
      _dom_classes: [],
      tabbable: null,
      tooltip: null,
    });
    const shown = ofType(outputs, "execute_result")[0]!.content as { data: Record<string, unknown> };
    expect(shown.data[VIEW]).toEqual({ version_major: 2, version_minor: 0, model_id: slider });
    expect(shown.data["text/plain"]).toBe("IntSlider(description='n', max=10, value=5)");
  });

  it("takes a value from the front end: echo_update to every front end, then the observer, its output under the update", async () => {
    const sent = await update(slider, { value: 7 });
    const messages = commMsgs(sent.outputs, slider);
    expect(messages.map((m) => m.data)).toEqual([{ method: "echo_update", state: { value: 7 }, buffer_paths: [] }]);
    expect(messages[0]!.parent).toBe(sent.reply.header.msg_id);
    expect(stdout(sent.outputs)).toBe("value 5 -> 7\n");
    for (const m of ofType(sent.outputs, "stream")) expect(parentOf(m)).toBe(sent.reply.header.msg_id);
    const { outputs } = await k.client.execute("[slider.value, seen]");
    expect(resultText(outputs)).toBe("[ 7, [ 7 ] ]");
  });

  it("sends a value set in the kernel as an update (the observer runs too)", async () => {
    const { reply, outputs } = await k.client.execute("slider.value = 3;");
    expect(commMsgs(outputs, slider).map((m) => m.data)).toEqual([{ method: "update", state: { value: 3 }, buffer_paths: [] }]);
    expect(commMsgs(outputs, slider)[0]!.parent).toBe((reply.parent_header as Header).msg_id);
    expect(stdout(outputs)).toBe("value 7 -> 3\n");
  });

  it("clamps a front end's value past max, echoing what it sent and updating to what it kept", async () => {
    const sent = await update(slider, { value: 500 });
    expect(commMsgs(sent.outputs, slider).map((m) => m.data)).toEqual([
      { method: "echo_update", state: { value: 500 }, buffer_paths: [] },
      { method: "update", state: { value: 10 }, buffer_paths: [] },
    ]);
    const { outputs } = await k.client.execute("slider.value");
    expect(resultText(outputs)).toBe("10");
  });

  it("answers request_state with its whole state", async () => {
    const sent = await k.client.sendComm("comm_msg", { comm_id: slider, data: { method: "request_state" } });
    const [answer] = commMsgs(sent.outputs, slider);
    expect(answer!.data.method).toBe("update");
    expect(answer!.data.state).toMatchObject({ _model_name: "IntSliderModel", value: 10, max: 10, layout: `IPY_MODEL_${layout}` });
  });

  it("syncs its layout as a model of its own", async () => {
    const { outputs } = await k.client.execute('slider.layout.width = "50%";');
    expect(commMsgs(outputs, layout).map((m) => m.data)).toEqual([{ method: "update", state: { width: "50%" }, buffer_paths: [] }]);
  });

  it("closes: comm_close, and comm_info no longer lists it", async () => {
    const before = await k.client.request("shell", "comm_info_request", { target_name: "jupyter.widget" });
    expect((before.reply.content as { comms: State }).comms).toHaveProperty(slider, { target_name: "jupyter.widget" });
    const { outputs } = await k.client.execute("slider.close(); slider.isClosed");
    expect(ofType(outputs, "comm_close").map((m) => m.content)).toEqual([{ comm_id: slider, data: {} }]);
    expect(resultText(outputs)).toBe("true");
    const after = await k.client.request("shell", "comm_info_request", { target_name: "jupyter.widget" });
    expect((after.reply.content as { comms: State }).comms).not.toHaveProperty(slider);
  });
});

describe("a Button and an Output", () => {
  it("runs onClick on the front end's click (a custom message), and the Output takes what the handler prints", async () => {
    const { outputs } = await k.client.execute(`
      const out = new widgets.Output();
      const button = new widgets.Button({ description: "go", button_style: "success" });
      let clicks = 0;
      button.onClick(out.capture(() => { clicks++; console.log("clicked", clicks); }));
      display(new widgets.VBox([button, out]));`);
    const models = opened(outputs);
    const out = models.find((m) => m.model === "OutputModel")!;
    const button = models.find((m) => m.model === "ButtonModel")!;
    expect(out.state).toMatchObject({ _model_module: "@jupyter-widgets/output", _model_module_version: "1.0.0", _view_name: "OutputView", msg_id: "", outputs: [] });
    expect(button.state).toMatchObject({ description: "go", button_style: "success", _view_name: "ButtonView" });
    expect(models.find((m) => m.model === "VBoxModel")!.state.children).toEqual([`IPY_MODEL_${button.id}`, `IPY_MODEL_${out.id}`]);
    expect((ofType(outputs, "display_data")[0]!.content as { data: State }).data[VIEW]).toMatchObject({ version_major: 2, model_id: models.at(-1)!.id });

    const clicked = await click(button.id);
    const id = clicked.reply.header.msg_id;
    // The Output's msg_id is the click's while the handler runs: the front end moves that output into the widget.
    const sequence = clicked.outputs
      .filter((m) => m.header.msg_type === "stream" || m.content.comm_id === out.id)
      .map((m) => (m.header.msg_type === "stream" ? `stream ${(m.content as { text: string }).text.trim()}` : `msg_id ${JSON.stringify((m.content as { data: { state: State } }).data.state.msg_id)}`));
    expect(sequence).toEqual([`msg_id "${id}"`, "stream clicked 1", 'msg_id ""']);
    for (const m of ofType(clicked.outputs, "stream")) expect(parentOf(m)).toBe(id);
    const { outputs: after } = await k.client.execute("[clicks, out.msg_id]");
    expect(resultText(after)).toBe("[ 1, '' ]");
  });

  it("shows a handler's error under the click and in the log, and the next click still works", async () => {
    const { outputs } = await k.client.execute(`
      const failing = new widgets.Button({ description: "fail" });
      failing.onClick(() => { throw new Error("click failed on purpose"); });
      failing.modelId`);
    const id = resultText(outputs)!.slice(1, -1);
    const clicked = await click(id);
    expect(errorOf(clicked.outputs)?.evalue).toBe("click failed on purpose");
    expect(parentOf(ofType(clicked.outputs, "error")[0]!)).toBe(clicked.reply.header.msg_id);
    expect(await logged(/click failed on purpose/)).toMatch(/a handler of comm_msg .* failed: Error: click failed on purpose/);
    const again = await click(id);
    expect(errorOf(again.outputs)?.evalue).toBe("click failed on purpose");
  });

  it("sends custom messages with binary buffers both ways", async () => {
    const { outputs } = await k.client.execute(`
      const b = new widgets.Button();
      b.onMsg((content, buffers) => { console.log(JSON.stringify(content), buffers.map((x) => Array.from(x).join(","))); b.send({ got: buffers.length }, [new Uint8Array([42, 43])]); });
      b.modelId`);
    const id = resultText(outputs)!.slice(1, -1);
    const sent = await k.client.sendComm("comm_msg", { comm_id: id, data: { method: "custom", content: { hi: 1 } } }, { buffers: [new Uint8Array([1, 2])] });
    expect(stdout(sent.outputs)).toBe("{\"hi\":1} [ '1,2' ]\n");
    const answer = ofType(sent.outputs, "comm_msg").find((m) => (m.content as { data: { method: string } }).data.method === "custom")!;
    expect(answer.content).toEqual({ comm_id: id, data: { method: "custom", content: { got: 1 } } });
    expect(answer.buffers.map((b) => [...b])).toEqual([[42, 43]]);
  });
});

describe("interact", () => {
  it("builds an IntSlider and a Dropdown from the abbreviations, runs fn into its Output, and runs it again on a change", async () => {
    const { reply, outputs } = await k.client.execute(`
      interact(({ n, op }) => { console.log(op, n); return op === "sum" ? n * (n + 1) / 2 : n; }, { n: [1, 8], op: ["sum", "max"] });`);
    expect(reply.content).toMatchObject({ status: "ok" });
    const models = opened(outputs);
    const slider = models.find((m) => m.model === "IntSliderModel")!;
    const dropdown = models.find((m) => m.model === "DropdownModel")!;
    const out = models.find((m) => m.model === "OutputModel")!;
    const box = models.find((m) => m.model === "VBoxModel")!;
    expect(slider.state).toMatchObject({ min: 1, max: 8, value: 4, step: 1, description: "n" });
    expect(dropdown.state).toMatchObject({ _options_labels: ["sum", "max"], index: 0, description: "op" });
    expect(box.state).toMatchObject({ _dom_classes: ["widget-interact"], children: [`IPY_MODEL_${slider.id}`, `IPY_MODEL_${dropdown.id}`, `IPY_MODEL_${out.id}`] });
    // The first run: its output goes into the Output (msg_id is the cell's), cleared first.
    const cell = (reply.parent_header as Header).msg_id;
    expect(commMsgs(outputs, out.id).map((m) => m.data.state?.msg_id)).toEqual([cell, ""]);
    expect(ofType(outputs, "clear_output").map((m) => m.content)).toEqual([{ wait: true }]);
    expect(stdout(outputs)).toBe("sum 4\n");
    expect(ofType(outputs, "display_data").map((m) => (m.content as { data: State }).data["text/plain"])).toContain("10");

    const changed = await update(dropdown.id, { index: 1 });
    expect(commMsgs(changed.outputs, out.id).map((m) => m.data.state?.msg_id)).toEqual([changed.reply.header.msg_id, ""]);
    expect(stdout(changed.outputs)).toBe("max 4\n");
    expect(ofType(changed.outputs, "display_data").map((m) => (m.content as { data: State }).data["text/plain"])).toEqual(["4"]);
    const slid = await update(slider.id, { value: 6 });
    expect(stdout(slid.outputs)).toBe("max 6\n");
  });

  it("shows the controls once, and widgets.interactive returns them with the values and result of the last run", async () => {
    const { outputs } = await k.client.execute(`
      const panel = widgets.interactive(({ x, on }) => (on ? x * 10 : 0), { x: 0.5, on: true });
      [panel.kwargs, panel.result, panel.controls.x.constructor.name, panel.controls.on.constructor.name]`);
    expect(resultText(outputs)).toBe("[ { x: 0.5, on: true }, 5, 'FloatSlider', 'Checkbox' ]");
    expect(ofType(outputs, "display_data").filter((m) => (m.content as { data: State }).data[VIEW])).toEqual([]);
    const slider = opened(outputs).find((m) => m.model === "FloatSliderModel")!;
    expect(slider.state).toMatchObject({ min: -0.5, max: 1.5, value: 0.5, description: "x" });
    const { outputs: once } = await k.client.execute('interact(({ s }) => s.toUpperCase(), { s: "abc" })');
    expect(ofType(once, "execute_result")).toEqual([]);
    expect(ofType(once, "display_data").filter((m) => (m.content as { data: State }).data[VIEW])).toHaveLength(1);
    expect(opened(once).find((m) => m.model === "TextModel")!.state).toMatchObject({ value: "abc", description: "s" });
  });
});

describe("jslink and Play", () => {
  it("makes a LinkModel whose source and target name the widgets and keys", async () => {
    const { outputs } = await k.client.execute(`
      const play = new widgets.Play({ max: 20, interval: 200 });
      const follower = new widgets.IntSlider({ max: 20 });
      const link = widgets.jslink([play, "value"], [follower, "value"]);
      [play.modelId, follower.modelId]`);
    const models = opened(outputs);
    const play = models.find((m) => m.model === "PlayModel")!;
    const follower = models.find((m) => m.model === "IntSliderModel")!;
    const link = models.find((m) => m.model === "LinkModel")!;
    expect(play.state).toMatchObject({ max: 20, interval: 200, _view_name: "PlayView" });
    expect(link.state).toEqual({
      _model_module: "@jupyter-widgets/controls",
      _model_module_version: "2.0.0",
      _model_name: "LinkModel",
      _view_module: "@jupyter-widgets/controls",
      _view_module_version: "2.0.0",
      _view_name: null,
      source: [`IPY_MODEL_${play.id}`, "value"],
      target: [`IPY_MODEL_${follower.id}`, "value"],
    });
    const { outputs: unlinked } = await k.client.execute("link.unlink();");
    expect(ofType(unlinked, "comm_close").map((m) => m.content.comm_id)).toEqual([link.id]);
    const { outputs: wrong } = await k.client.execute('widgets.jslink([play, "vlaue"], [follower, "value"])');
    expect(errorOf(wrong)?.evalue).toBe('jslink.source: Play has no synced key "vlaue"');
  });
});

describe("the other widgets", () => {
  it("speak ipywidgets 8's models, and selections follow their index from either side", async () => {
    const { reply, outputs } = await k.client.execute(`
      const pick = new widgets.ToggleButtons({ options: [["slow", 1], ["fast", 10]], value: 10 });
      const range = new widgets.IntRangeSlider({ min: 0, max: 40 });
      const tabs = new widgets.Tab([new widgets.Text({ value: "a" }), new widgets.Textarea({ rows: 3 })], { titles: ["text"] });
      const all = [
        new widgets.FloatSlider({ value: 0.5, max: 1 }), new widgets.Checkbox({ value: true }),
        new widgets.Label({ value: "label" }), new widgets.HTML({ value: "<b>x</b>" }), new widgets.HBox([]),
        new widgets.Accordion([new widgets.IntProgress({ value: 3, max: 5 }), new widgets.FloatProgress({ value: 0.25, max: 1 })]), pick, tabs,
      ];
      pick.observe("value", (c) => console.log("picked", c.new));
      [pick.label, range.value]`);
    expect(reply.content).toMatchObject({ status: "ok" });
    expect(resultText(outputs)).toBe("[ 'fast', [ 10, 30 ] ]");
    const byModel = new Map(opened(outputs).map((m) => [m.model, m]));
    for (const model of ["FloatSliderModel", "IntRangeSliderModel", "CheckboxModel", "LabelModel", "HTMLModel", "HBoxModel", "AccordionModel", "IntProgressModel", "FloatProgressModel"]) {
      expect(byModel.has(model), model).toBe(true);
    }
    expect(byModel.get("IntProgressModel")!.state).toMatchObject({ _view_name: "ProgressView", value: 3, max: 5 });
    expect(byModel.get("ToggleButtonsModel")!.state).toMatchObject({ _options_labels: ["slow", "fast"], index: 1 });
    expect(byModel.get("TabModel")!.state).toMatchObject({ titles: ["text", ""], selected_index: 0 });
    expect(byModel.get("AccordionModel")!.state).toMatchObject({ titles: ["", ""], selected_index: null });
    expect(byModel.get("TextareaModel")!.state).toMatchObject({ rows: 3, placeholder: "\u200b" });

    const pick = byModel.get("ToggleButtonsModel")!.id;
    const chosen = await update(pick, { index: 0 });
    expect(stdout(chosen.outputs)).toBe("picked 1\n");
    const { outputs: set } = await k.client.execute('pick.label = "fast"; pick.value');
    expect(commMsgs(set, pick).map((m) => m.data.state)).toEqual([{ index: 1 }]);
    expect(resultText(set)).toBe("10");
    const { outputs: wrong } = await k.client.execute("pick.value = 3");
    expect(errorOf(wrong)?.evalue).toBe("Invalid selection: value 3 is not one of the options");
  });
});

describe("the control comm a widget manager opens when it connects", () => {
  it("answers request_states with every live model's state", async () => {
    const open = await k.client.sendComm("comm_open", { comm_id: "control-1", target_name: "jupyter.widget.control", data: {} }, { metadata: { version: "1.0.0" } });
    expect(ofType(open.outputs, "comm_close")).toEqual([]);
    const asked = await k.client.sendComm("comm_msg", { comm_id: "control-1", data: { method: "request_states" } });
    const [answer] = commMsgs(asked.outputs, "control-1");
    const { states, buffer_paths } = answer!.data as unknown as {
      states: Record<string, { model_name: string; model_module: string; model_module_version: string; state: State }>;
      buffer_paths: unknown[];
    };
    expect(buffer_paths).toEqual([]);
    const names = Object.values(states).map((s) => s.model_name);
    expect(names).toEqual(expect.arrayContaining(["IntSliderModel", "DropdownModel", "OutputModel", "ButtonModel", "TabModel"]));
    const info = await k.client.request("shell", "comm_info_request", { target_name: "jupyter.widget" });
    expect(Object.keys(states).sort()).toEqual(Object.keys((info.reply.content as { comms: State }).comms).sort());
    const one = Object.values(states).find((s) => s.model_name === "ToggleButtonsModel")!;
    expect(one).toMatchObject({ model_module: "@jupyter-widgets/controls", model_module_version: "2.0.0", state: { _options_labels: ["slow", "fast"], index: 1 } });
    await k.client.sendComm("comm_close", { comm_id: "control-1", data: {} });
  });

  it("is refused (closed, with a log line) for another major version", async () => {
    const open = await k.client.sendComm("comm_open", { comm_id: "control-2", target_name: "jupyter.widget.control", data: {} }, { metadata: { version: "9.0.0" } });
    expect(ofType(open.outputs, "comm_close").map((m) => m.content.comm_id)).toEqual(["control-2"]);
    expect(await logged(/control-2|control protocol version/)).toMatch(/control protocol version the string "9\.0\.0", but the kernel speaks 1\.0\.0; closed it/);
  });
});

describe("a model the front end creates", () => {
  it("becomes a widget on the front end's comm, which answers request_state", async () => {
    const state = { _model_name: "IntSliderModel", _model_module: "@jupyter-widgets/controls", _model_module_version: "2.0.0", value: 12, max: 50 };
    const open = await k.client.sendComm("comm_open", { comm_id: "from-front", target_name: "jupyter.widget", data: { state, buffer_paths: [] } }, { metadata: { version: "2.1.0" } });
    expect(ofType(open.outputs, "comm_close")).toEqual([]);
    // Its layout and style are the kernel's: they open as usual.
    expect(opened(open.outputs).map((m) => m.model)).toEqual(["LayoutModel", "SliderStyleModel"]);
    const asked = await k.client.sendComm("comm_msg", { comm_id: "from-front", data: { method: "request_state" } });
    expect(commMsgs(asked.outputs, "from-front")[0]!.data.state).toMatchObject({ _model_name: "IntSliderModel", value: 12, max: 50 });
  });

  it("of a model the kernel does not speak is closed with a log line", async () => {
    const state = { _model_name: "ColorPickerModel", _model_module: "@jupyter-widgets/controls", _model_module_version: "2.0.0" };
    const open = await k.client.sendComm("comm_open", { comm_id: "unknown-model", target_name: "jupyter.widget", data: { state, buffer_paths: [] } }, { metadata: { version: "2.1.0" } });
    expect(ofType(open.outputs, "comm_close").map((m) => m.content.comm_id)).toEqual(["unknown-model"]);
    expect(await logged(/unknown-model/)).toMatch(/comm_open to jupyter\.widget \(comm unknown-model\): no widget class speaks the model the string "ColorPickerModel"; closed it/);
  });
});

describe("bad widget messages", () => {
  let id: string;
  beforeAll(async () => {
    const { outputs } = await k.client.execute("const target = new widgets.IntSlider({ value: 1 }); target.modelId");
    id = resultText(outputs)!.slice(1, -1);
  });

  it("a state that is no object, a value of the wrong kind, an unknown key and an unknown method are each ignored with a log line", async () => {
    const notObject = await k.client.sendComm("comm_msg", { comm_id: id, data: { method: "update", state: "value=3" } });
    expect(commMsgs(notObject.outputs)).toEqual([]);
    const wrongKind = await update(id, { value: "three", nonsense: 1 });
    expect(commMsgs(wrongKind.outputs)).toEqual([]);
    await k.client.sendComm("comm_msg", { comm_id: id, data: { method: "backbone", sync_data: { value: 2 } } });
    await k.client.sendComm("comm_msg", { comm_id: id, data: { method: "update", state: { value: 4 }, buffer_paths: [["value"]] } });
    const log = await logged(/unknown method/);
    expect(log).toMatch(new RegExp(`widget IntSliderModel ${id}: ignored a message: an update's state must be an object, got the string "value=3"`));
    expect(log).toMatch(new RegExp(`widget IntSliderModel ${id}: ignored "value" of an update: expected a number, got the string "three"`));
    expect(log).toMatch(new RegExp(`widget IntSliderModel ${id}: ignored "nonsense" of an update: IntSliderModel has no such key`));
    expect(log).toMatch(/ignored a message: unknown method the string "backbone" \(expected "update", "request_state" or "custom"\)/);
    expect(log).toMatch(/ignored a message: 1 buffer path\(s\) for 0 buffer\(s\)/);
    const { outputs } = await k.client.execute("target.value");
    expect(resultText(outputs)).toBe("1");
  });

  it("a value the widget refuses (min above max) shows the error under the update", async () => {
    const sent = await update(id, { min: 500 });
    expect(errorOf(sent.outputs)?.evalue).toBe("IntSlider: setting min > max (min 500, max 100)");
    const { outputs } = await k.client.execute("[target.min, target.value]");
    expect(resultText(outputs)).toBe("[ 0, 1 ]");
  });
});
