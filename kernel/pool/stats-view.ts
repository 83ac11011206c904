// How `%workers` shows the pool's statistics: three lines of text, or (where the front end has a
// widget manager) a panel with the busy threads and the utilization as bars, the task counts and
// times in a table, and a button that reads them again. The panel's text is the same three lines.
import { escapeHtml } from "../../common/html.js";
import type { DisplayApi } from "../display/api.js";
import { MIME_BUNDLE } from "../display/mime.js";
import { VBox } from "../widgets/containers.js";
import { Button, HTML } from "../widgets/controls.js";
import type { LiveWidgets } from "../widgets/live.js";
import { FloatProgress, IntProgress } from "../widgets/numbers.js";
import type { PoolStats } from "./pool.js";

const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} ms`;
const percent = (fraction: number) => `${(fraction * 100).toFixed(1)}%`;

export function statsText(s: PoolStats): string {
  return (
    `Worker pool: ${s.threads} threads (${s.started} started), ${s.busy} busy, ${s.queued} queued\n` +
    `tasks: ${s.completed} completed, ${s.failed} failed; utilization ${percent(s.utilization)}\n` +
    `run time p50 ${ms(s.runTimeMs.p50)}, p99 ${ms(s.runTimeMs.p99)}; wait time p50 ${ms(s.waitTimeMs.p50)}, p99 ${ms(s.waitTimeMs.p99)}\n`
  );
}

function statsTable(s: PoolStats): string {
  const row = (name: string, ...cells: string[]) => `<tr><th style="text-align:left">${escapeHtml(name)}</th>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`;
  return `<table>${row("threads", `${s.threads} (${s.started} started)`, `${s.queued} queued`)}${row("tasks", `${s.completed} completed`, `${s.failed} failed`)}${row("run time", `p50 ${ms(s.runTimeMs.p50)}`, `p99 ${ms(s.runTimeMs.p99)}`)}${row("wait time", `p50 ${ms(s.waitTimeMs.p50)}`, `p99 ${ms(s.waitTimeMs.p99)}`)}</table>`;
}

/** Displays the statistics as widgets; `read` gives them again when Refresh is clicked. */
export function showStatsPanel(widgets: LiveWidgets, output: DisplayApi, read: () => PoolStats): void {
  const style = { description_width: "initial" };
  const first = read();
  const busy = widgets.construct(IntProgress, { description: "busy threads", max: Math.max(first.threads, 1), value: first.busy, style });
  const utilization = widgets.construct(FloatProgress, { description: `utilization ${percent(first.utilization)}`, max: 1, value: first.utilization, style });
  const table = widgets.construct(HTML, { value: statsTable(first) });
  const refresh = widgets.construct(Button, { description: "Refresh", icon: "refresh", tooltip: "read the pool's statistics again" });
  refresh.onClick(() => {
    const s = read();
    busy.max = Math.max(s.threads, 1);
    busy.value = s.busy;
    utilization.value = s.utilization;
    utilization.description = `utilization ${percent(s.utilization)}`;
    table.value = statsTable(s);
  });
  const panel = widgets.construct(VBox, [busy, utilization, table, refresh]);
  output.display({ ...panel[MIME_BUNDLE](), "text/plain": statsText(first).trimEnd() });
}
