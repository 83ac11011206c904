// The display API of the "parallab" module, through the real kernel.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ofType, resultText, startKernel, type TestKernel } from "./helpers/kernel.js";
import type { Message } from "../kernel/protocol/messages.js";

let k: TestKernel;
beforeAll(async () => {
  k = await startKernel();
  await k.client.execute('import { display, html, markdown, image, plot, clearOutput } from "parallab";');
});
afterAll(async () => {
  await k?.stop();
});

const data = (m: Message) => (m.content as { data: Record<string, unknown> }).data;

describe("display", () => {
  it("sends a full bundle with a text/plain fallback and no cell result", async () => {
    const { outputs } = await k.client.execute('display({ "text/html": "<i>x</i>", "text/markdown": "*x*" })');
    const shown = ofType(outputs, "display_data");
    expect(shown).toHaveLength(1);
    expect(data(shown[0]!)).toEqual({ "text/html": "<i>x</i>", "text/markdown": "*x*", "text/plain": "*x*" });
    expect(resultText(outputs)).toBeUndefined();
  });

  it("shows plain values as util.inspect does", async () => {
    const { outputs } = await k.client.execute("display(new Map([['a', 1]]))");
    expect(data(ofType(outputs, "display_data")[0]!)["text/plain"]).toBe("Map(1) { 'a' => 1 }");
  });

  it("html, markdown and image display at once with text fallbacks", async () => {
    const png = "Uint8Array.from(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'))";
    const { outputs } = await k.client.execute(`html("<b>bold</b> text");\nmarkdown("# Title");\nimage(${png});`);
    const shown = ofType(outputs, "display_data").map(data);
    expect(shown[0]).toEqual({ "text/html": "<b>bold</b> text", "text/plain": "bold text" });
    expect(shown[1]).toEqual({ "text/markdown": "# Title", "text/plain": "# Title" });
    expect(shown[2]!["image/png"]).toMatch(/^iVBORw0KGgo/);
    expect(shown[2]!["text/plain"]).toBe("<image/png 1×1, 70 bytes>");
  });

  it("reports a value whose own display code throws as the cell's error", async () => {
    const { reply, outputs } = await k.client.execute('({ [Symbol.for("nodejs.util.inspect.custom")]() { throw new Error("cannot show myself"); } })');
    expect(reply.content).toMatchObject({ status: "error", evalue: "cannot show myself" });
    expect((ofType(outputs, "error")[0]!.content as { evalue: string }).evalue).toBe("cannot show myself");
    const after = await k.client.execute("'still here'");
    expect(resultText(after.outputs)).toBe("'still here'");
  });

  it("rejects bytes that are not an image with a clear error", async () => {
    const { outputs } = await k.client.execute("image(new Uint8Array([1, 2, 3]))");
    expect((ofType(outputs, "error")[0]!.content as { evalue: string }).evalue).toMatch(/unknown image format/);
  });

  it("updates a named display in place with update_display_data", async () => {
    const { outputs } = await k.client.execute('const h = display("step 1", { displayId: "progress" });\nh.update("step 2");\ndisplay("step 3", { displayId: "progress", update: true });');
    const first = ofType(outputs, "display_data")[0]!;
    expect((first.content as { transient: { display_id: string } }).transient.display_id).toBe("progress");
    const updates = ofType(outputs, "update_display_data");
    expect(updates.map((u) => data(u)["text/plain"])).toEqual(["'step 2'", "'step 3'"]);
    expect(updates.every((u) => (u.content as { transient: { display_id: string } }).transient.display_id === "progress")).toBe(true);
  });

  it("clears the output, with wait", async () => {
    const { outputs } = await k.client.execute("console.log('before'); clearOutput({ wait: true }); console.log('after')");
    const clear = ofType(outputs, "clear_output");
    expect(clear).toHaveLength(1);
    expect(clear[0]!.content).toEqual({ wait: true });
  });

  it("plot() sends the plotly JSON, an HTML part carrying plotly.js once, and a text summary", async () => {
    const first = await k.client.execute('plot([{ x: [1, 2, 3], y: [2, 4, 8], type: "bar", name: "b" }], { title: "Growth" })');
    const bundle = data(ofType(first.outputs, "display_data")[0]!);
    expect(bundle["application/vnd.plotly.v1+json"]).toMatchObject({ data: [{ type: "bar", y: [2, 4, 8] }], layout: { title: "Growth" } });
    expect(bundle["text/plain"]).toBe('<Plot: 1 trace (bar) "Growth">');
    const htmlPart = String(bundle["text/html"]);
    expect(htmlPart).toContain("if (!window.Plotly)");
    expect(htmlPart.length).toBeGreaterThan(1_000_000);
    const second = await k.client.execute("plot([{ y: [1, 3] }])");
    const html2 = String(data(ofType(second.outputs, "display_data")[0]!)["text/html"]);
    expect(html2.length).toBeLessThan(10_000);
    expect(html2).toContain("window.Plotly.newPlot");
  });

  it("keeps tslab's display API working", async () => {
    const { outputs } = await k.client.execute('import * as tslab from "tslab";\ntslab.display.html("<u>from tslab</u>");');
    expect(data(ofType(outputs, "display_data")[0]!)).toMatchObject({ "text/html": "<u>from tslab</u>" });
    expect(data(ofType(outputs, "display_data")[0]!)["text/plain"]).toBeDefined();
  });
});
