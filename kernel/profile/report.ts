// The profile as one rich output: text for any front end, HTML tables with a flame chart (a
// plotly icicle) for JupyterLab and Notebook.
import { formatTime } from "../magics/format-time.js";
import { escapeHtml } from "../../common/html.js";
import { plotBundle } from "../../common/plot.js";
import { PACKAGE_ROOT } from "../../common/paths.js";
import type { MimeBundle } from "../protocol/messages.js";
import { type FunctionStat, isCellTopLevel, isCellWrapper, type ProfileAnalysis } from "./analysis.js";
import type { ProfileRecord } from "./session.js";
import type { Verdict } from "./verdict.js";
import type { WorkerSummary } from "./workers.js";

export interface ProfileReport {
  record: ProfileRecord;
  main: ProfileAnalysis;
  workers: WorkerSummary | null;
  verdict: Verdict;
}

const ms = (v: number) => formatTime(v / 1000);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

function summaryLine(r: ProfileRecord): string {
  const s = r.stats;
  return (
    `wall ${ms(s.wallMs)} · CPU user ${ms(s.cpuUserMs)}, sys ${ms(s.cpuSystemMs)} · event loop busy ${pct(s.eventLoopUtilization)} · ` +
    `GC ${ms(s.gc.ms)} in ${s.gc.count} collection${s.gc.count === 1 ? "" : "s"} · heap ${mb(s.heap.beforeBytes)} → ${mb(s.heap.afterBytes)} (peak ≤ ${mb(s.heap.peakBytes)})`
  );
}

/** Where the kernel's own scripts are: analyseProfile marks their frames as the kernel's. */
export const KERNEL_DIRS = [`${PACKAGE_ROOT}/dist/`];

/**
 * The kernel's own frames (the executor, tslab, the event loop) sit above every cell: they are
 * not what the user profiles, so the tables leave them out unless they did work themselves.
 */
function isKernelFrame(f: FunctionStat): boolean {
  return isCellWrapper(f) || (f.kernel && f.selfMs < 0.01 * f.totalMs);
}

function displayName(f: FunctionStat): string {
  return isCellTopLevel(f) ? "(cell top level)" : f.name;
}

function functionRows(list: FunctionStat[], top: number): string[][] {
  return list
    .filter((f) => !isKernelFrame(f))
    .slice(0, top)
    .map((f) => [f.selfMs.toFixed(1), f.selfPercent.toFixed(1), f.totalMs.toFixed(1), f.totalPercent.toFixed(1), displayName(f), f.where]);
}

function textTable(header: string[], rows: string[][], rightAligned: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < rightAligned ? c.padStart(widths[i]!) : i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ");
  return [line(header), ...rows.map(line)].map((l) => `  ${l}`).join("\n");
}

function htmlTable(header: string[], rows: string[][], rightAligned: number): string {
  const cell = (tag: string, c: string, i: number) => `<${tag} style="text-align:${i < rightAligned ? "right" : "left"}">${escapeHtml(c)}</${tag}>`;
  return `<table><thead><tr>${header.map((h, i) => cell("th", h, i)).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c, i) => cell("td", c, i)).join("")}</tr>`).join("")}</tbody></table>`;
}

const FUNCTION_HEADER = ["Self ms", "Self %", "Total ms", "Total %", "Function", "Where"];
const LINE_HEADER = ["Line", "Samples", "% Time", "Line contents"];

export function reportBundle(report: ProfileReport, top: number): MimeBundle {
  const { record, main, workers, verdict } = report;
  const magic = record.subject === "statement" ? "%profile" : "%%profile";
  const title = `${magic} ${record.subject}${record.failed ? " (it failed: the profile runs up to the error)" : ""}`;
  const sampling = `${main.sampleCount} samples every ${record.intervalUs} µs`;
  // A magic's own line stands for the cell's top level: time in what it called lands there,
  // because V8 records no call-site lines.
  const lineRows = main.lines.map((l) => [
    String(l.line),
    String(l.samples),
    l.percent.toFixed(1),
    l.samples > 0 && l.text.trimStart().startsWith("%%") ? `${l.text}   ← calls from the cell's top level (V8 records no call line)` : l.text,
  ]);
  // A worker that finished early waited for the busiest one: the cost of the imbalance.
  const workerRows = (workers?.rows ?? []).map((w) => [
    w.label,
    w.busyMs.toFixed(1),
    (workers!.wallMs - w.busyMs).toFixed(1),
    String(w.tasks),
    w.hot ? `${w.hot.name}() at ${w.hot.cell}, line ${w.hot.line} (${w.hot.percent.toFixed(0)}%)` : w.top[0] ? `${w.top[0].name} (${w.top[0].where})` : "—",
  ]);
  const tensorRows = (record.tensors ?? []).slice(0, top).map((k) => [k.name, k.ms.toFixed(2), String(k.calls)]);
  const shares = Object.entries(verdict.shares)
    .filter(([, v]) => v >= 0.005)
    .map(([k, v]) => `${k} ${pct(v)}`)
    .join(", ");

  const text: string[] = [title, summaryLine(record), "", `Verdict: ${verdict.text}`, `Where the time went: ${shares} (${sampling}).`, ""];
  text.push(`Top functions by self time:`, textTable(FUNCTION_HEADER, functionRows(main.bySelf, top), 4), "");
  text.push(`Top functions by total time:`, textTable(FUNCTION_HEADER, functionRows(main.byTotal, top), 4), "");
  if (lineRows.length) text.push(`Line profile of ${record.cell}:`, textTable(LINE_HEADER, lineRows, 3), "");
  if (workers) {
    text.push(`Workers: ${workers.count}, busy ${ms(workers.busyMs)} in all, pool utilization ${pct(workers.utilization)}, imbalance ${pct(workers.imbalance)} (busiest over mean)`);
    text.push(textTable(["Worker", "Busy ms", "Waited ms", "Tasks", "Hottest code"], workerRows, 0), "");
  }
  if (tensorRows.length) text.push("Tensor kernels (tf.profile):", textTable(["Kernel", "ms", "Calls"], tensorRows, 0), "");

  const flame =
    main.flame.ids.length > 1
      ? plotBundle(
          [
            {
              type: "icicle",
              ids: main.flame.ids,
              labels: main.flame.labels,
              parents: main.flame.parents,
              values: main.flame.values,
              branchvalues: "total",
              tiling: { orientation: "v", flip: "y" },
              hovertemplate: "%{label}<br>%{value:.1f} ms<extra></extra>",
            },
          ],
          { height: 380, margin: { t: 30, l: 0, r: 0, b: 0 }, title: { text: "Call tree (time, inclusive)" } },
        )
      : null;

  const html = [
    `<div class="parallab-profile"><h4 style="margin:0.2em 0">${escapeHtml(title)}</h4><p>${escapeHtml(summaryLine(record))}</p>`,
    `<p><b>Verdict:</b> ${escapeHtml(verdict.text)}<br><small>Where the time went: ${escapeHtml(shares)} (${escapeHtml(sampling)}).</small></p>`,
    `<details open><summary>Top functions by self time</summary>${htmlTable(FUNCTION_HEADER, functionRows(main.bySelf, top), 4)}</details>`,
    `<details><summary>Top functions by total time</summary>${htmlTable(FUNCTION_HEADER, functionRows(main.byTotal, top), 4)}</details>`,
    lineRows.length ? `<details open><summary>Line profile of ${escapeHtml(record.cell ?? "")}</summary>${htmlTable(LINE_HEADER, lineRows, 3)}</details>` : "",
    workers
      ? `<details open><summary>Workers: ${workers.count}, pool utilization ${pct(workers.utilization)}, imbalance ${pct(workers.imbalance)}</summary>${htmlTable(["Worker", "Busy ms", "Waited ms", "Tasks", "Hottest code"], workerRows, 0)}</details>`
      : "",
    tensorRows.length ? `<details open><summary>Tensor kernels (tf.profile)</summary>${htmlTable(["Kernel", "ms", "Calls"], tensorRows, 0)}</details>` : "",
    flame ? String(flame["text/html"]) : "",
    `</div>`,
  ].join("");
  return { "text/plain": text.join("\n").trimEnd(), "text/html": html };
}
