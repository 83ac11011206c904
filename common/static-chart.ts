// A static SVG picture of a plotly chart, drawn without a browser: what a front end shows where
// the chart's script cannot run (an untrusted notebook, a sanitizing viewer). It draws bars,
// lines and markers of x/y traces on linear or log axes; other chart types get a caption with
// their largest values. The interactive chart replaces it wherever scripts run.
import { escapeHtml } from "./html.js";
import type { PlotTrace } from "./plot.js";

const WIDTH = 640;
const PAD = { left: 56, right: 16, top: 36, bottom: 40 };
const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

const numbers = (v: unknown): number[] => (Array.isArray(v) || ArrayBuffer.isView(v) ? Array.from(v as ArrayLike<unknown>, Number) : []);

interface Axis {
  log: boolean;
  min: number;
  max: number;
}

function axis(values: number[], log: boolean, fromZero: boolean): Axis {
  const usable = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  const t = usable.map((v) => (log ? Math.log10(v) : v));
  let min = t.length ? Math.min(...t) : 0;
  let max = t.length ? Math.max(...t) : 1;
  if (fromZero && !log) min = Math.min(0, min);
  if (max === min) max = min + 1;
  return { log, min, max };
}

const at = (a: Axis, v: number, from: number, to: number) => from + (((a.log ? Math.log10(v) : v) - a.min) / (a.max - a.min)) * (to - from);
const tickText = (a: Axis, t: number) => {
  const v = a.log ? 10 ** t : t;
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(0) : String(Number(v.toPrecision(3)));
};

function titleOf(layout: Record<string, unknown>): string {
  const t = layout.title;
  return typeof t === "string" ? t : typeof (t as { text?: unknown })?.text === "string" ? (t as { text: string }).text : "";
}

/** x/y traces (bar, scatter) as an SVG; null for chart types it does not draw. */
function xyChart(data: PlotTrace[], layout: Record<string, unknown>, height: number): string | null {
  if (data.length === 0 || !data.every((t) => (t.type ?? "scatter") === "scatter" || t.type === "bar")) return null;
  const categorical = data.some((t) => (t.x as unknown[] | undefined)?.some?.((v) => typeof v === "string"));
  const xs = data.map((t, i) => (categorical ? (t.x as unknown[]).map((_, j) => j) : t.x ? numbers(t.x) : numbers(t.y).map((_, j) => j + (i ? 0 : 0))));
  const ys = data.map((t) => numbers(t.y));
  const logOf = (name: string) => (layout[name] as { type?: string } | undefined)?.type === "log";
  const hasBars = data.some((t) => t.type === "bar");
  const x = axis(xs.flat(), logOf("xaxis"), false);
  const y = axis(ys.flat(), logOf("yaxis"), hasBars);
  const left = PAD.left,
    right = WIDTH - PAD.right,
    top = PAD.top,
    bottom = height - PAD.bottom;
  const span = categorical ? { ...x, min: x.min - 0.5, max: x.max + 0.5 } : x;
  const px = (v: number) => at(span, v, left, right);
  const py = (v: number) => at(y, v, bottom, top);
  const parts: string[] = [];
  for (let k = 0; k <= 4; k++) {
    const t = y.min + ((y.max - y.min) * k) / 4;
    const yy = bottom - ((bottom - top) * k) / 4;
    parts.push(`<line x1="${left}" x2="${right}" y1="${yy}" y2="${yy}" stroke="#e5e5e5"/><text x="${left - 6}" y="${yy + 4}" text-anchor="end">${escapeHtml(tickText(y, t))}</text>`);
  }
  if (categorical) {
    for (const [j, label] of (data[0]!.x as unknown[]).entries()) parts.push(`<text x="${px(j)}" y="${bottom + 16}" text-anchor="middle">${escapeHtml(String(label))}</text>`);
  } else {
    for (let k = 0; k <= 4; k++)
      parts.push(`<text x="${left + ((right - left) * k) / 4}" y="${bottom + 16}" text-anchor="middle">${escapeHtml(tickText(x, x.min + ((x.max - x.min) * k) / 4))}</text>`);
  }
  const bars = data.filter((t) => t.type === "bar").length;
  let barIndex = 0;
  data.forEach((trace, i) => {
    const color = COLORS[i % COLORS.length]!;
    const points = xs[i]!.map((xv, j) => [xv, ys[i]![j]!] as const).filter(([xv, yv]) => Number.isFinite(xv) && Number.isFinite(yv) && (!x.log || xv > 0) && (!y.log || yv > 0));
    if (trace.type === "bar") {
      const slot = ((right - left) / Math.max(1, xs[i]!.length)) * 0.8;
      const w = slot / bars;
      for (const [xv, yv] of points) {
        const base = py(y.log ? 10 ** y.min : Math.max(0, y.min));
        const h = py(yv);
        parts.push(`<rect x="${px(xv) - slot / 2 + barIndex * w}" y="${Math.min(base, h)}" width="${w}" height="${Math.abs(base - h)}" fill="${color}"/>`);
      }
      barIndex++;
      return;
    }
    const mode = String(trace.mode ?? "lines");
    if (mode.includes("lines")) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map(([a, b]) => `${px(a).toFixed(1)},${py(b).toFixed(1)}`).join(" ")}"/>`);
    if (mode.includes("markers")) for (const [a, b] of points) parts.push(`<circle cx="${px(a).toFixed(1)}" cy="${py(b).toFixed(1)}" r="3" fill="${color}"/>`);
  });
  const names = data.map((t, i) => (t.name ? `<tspan fill="${COLORS[i % COLORS.length]}">■ ${escapeHtml(String(t.name))}</tspan>` : "")).filter(Boolean);
  if (names.length) parts.push(`<text x="${right}" y="${top - 8}" text-anchor="end">${names.join(" ")}</text>`);
  parts.push(`<line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" stroke="#444"/><line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" stroke="#444"/>`);
  return parts.join("");
}

/** Other chart types: the largest labelled values, as a caption. */
function caption(data: PlotTrace[], height: number): string {
  const rows = data.flatMap((t) => {
    const labels = (t.labels ?? t.x ?? []) as unknown[];
    const values = numbers(t.values ?? t.y);
    return labels.map((l, i) => [String(l), values[i] ?? NaN] as const).filter(([, v]) => Number.isFinite(v));
  });
  rows.sort((a, b) => b[1] - a[1]);
  const lines = rows.slice(0, Math.max(0, Math.floor((height - PAD.top - 30) / 18)));
  return lines.map(([label, v], i) => `<text x="${PAD.left}" y="${PAD.top + 24 + i * 18}">${escapeHtml(label.slice(0, 70))}: ${escapeHtml(String(Number(v.toPrecision(4))))}</text>`).join("");
}

export function staticChartSvg(data: PlotTrace[], layout: Record<string, unknown> = {}, summary = ""): string {
  const height = Math.max(200, Math.min(900, Number(layout.height ?? 420)));
  const body = xyChart(data, layout, height) ?? caption(data, height);
  const title = titleOf(layout);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11" fill="#333">` +
    `<rect width="100%" height="100%" fill="#fff"/>` +
    (title ? `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14">${escapeHtml(title)}</text>` : "") +
    body +
    `<text x="${WIDTH - 4}" y="${height - 4}" text-anchor="end" fill="#999" font-size="10">${escapeHtml(summary ? `${summary} · ` : "")}static preview: trust the notebook for the interactive chart</text>` +
    `</svg>`
  );
}
