// plotly charts as mime bundles, shared by the kernel's plot() and the tracker's HTML reports (one
// session state: the first chart of a session carries the plotly.js bundle).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { randomUUID } from "node:crypto";
import { escapeHtml } from "./html.js";
import { staticChartSvg } from "./static-chart.js";

const require = createRequire(import.meta.url);

/** A display bundle: mime type → data (the kernel's MimeBundle). */
export type MimeBundle = Record<string, unknown>;

/** Where the plotly.js bundle that charts carry is: the plotly.js-dist-min package's file. */
export const plotlyBundleFile = (): string => require.resolve("plotly.js-dist-min");

export interface PlotTrace {
  type?: string;
  name?: string;
  [key: string]: unknown;
}
export interface PlotOptions {
  /** Put the plotly.js bundle into this output (the first plot of a session always does). */
  includePlotlyJs?: boolean;
  config?: Record<string, unknown>;
}

let bundleSent = false;
let bundleCache: string | null = null;

function plotlyBundle(): string {
  bundleCache ??= readFileSync(plotlyBundleFile(), "utf8");
  return bundleCache;
}

/**
 * A plotly chart as a bundle that renders in JupyterLab, classic Notebook and nbconvert HTML:
 * the HTML part carries the plotly.js bundle once per session (front ends cannot fetch it here)
 * and later charts wait for `window.Plotly`; the JSON part is for plotly-aware front ends.
 */
export function plotBundle(data: PlotTrace[], layout: Record<string, unknown> = {}, options: PlotOptions = {}): MimeBundle {
  if (!Array.isArray(data)) throw new TypeError("plot(data, layout): data must be an array of traces, e.g. [{ x: [1, 2], y: [3, 4] }]");
  const config = { responsive: true, ...options.config };
  const id = `parallab-plot-${randomUUID()}`;
  const include = options.includePlotlyJs ?? !bundleSent;
  bundleSent ||= include;
  const spec = JSON.stringify({ data, layout, config }).replace(/</g, "\\u003c");
  const loader = include ? `<script type="text/javascript">if (!window.Plotly) {${plotlyBundle().replace(/<\/script/gi, "<\\/script")}\n}</script>` : "";
  const text = summary(data, layout);
  // Where scripts do not run (an untrusted notebook), the front end sanitizes this HTML and
  // shows the static picture in the div; the script replaces it with the interactive chart.
  const fallback = `<img class="parallab-plot-static" alt="${escapeHtml(text)}" style="max-width:100%" src="data:image/svg+xml;base64,${Buffer.from(staticChartSvg(data, layout, text)).toString("base64")}">`;
  const html =
    `${loader}<div id="${id}" class="parallab-plot" style="width:100%;min-height:${Number(layout.height ?? 420)}px">${fallback}</div>` +
    `<script type="text/javascript">(function () {` +
    `var spec = ${spec}, tries = 0;` +
    `function draw() { var el = document.getElementById(${JSON.stringify(id)}); if (!el) return;` +
    ` if (window.Plotly) { el.textContent = ""; window.Plotly.newPlot(el, spec.data, spec.layout, spec.config); }` +
    ` else if (tries++ < 200) { setTimeout(draw, 50); }` +
    ` else { el.textContent = "plotly.js is not loaded on this page: run the first plot cell of the notebook again."; } }` +
    `draw(); })();</script>`;
  return {
    "text/html": html,
    "application/vnd.plotly.v1+json": { data, layout, config },
    "text/plain": text,
  };
}

function summary(data: PlotTrace[], layout: Record<string, unknown>): string {
  const kinds = [...new Set(data.map((t) => t.type ?? "scatter"))].join(", ");
  const title = layout.title;
  const titleText = typeof title === "string" ? title : typeof (title as { text?: unknown })?.text === "string" ? (title as { text: string }).text : "";
  return `<Plot: ${data.length} trace${data.length === 1 ? "" : "s"} (${kinds})${titleText ? ` "${titleText}"` : ""}>`;
}
