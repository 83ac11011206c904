import { writeFileSync } from "node:fs";
import path from "node:path";
import type { CellOutcome, Magic, OptionSpecs, OptionValues } from "./contract.js";
import { analyseProfile, type SourceLocator } from "../profile/analysis.js";
import { KERNEL_DIRS, reportBundle, type ProfileReport } from "../profile/report.js";
import { profileRun, ProfiledError, type ProfileRecord } from "../profile/session.js";
import { verdict } from "../profile/verdict.js";
import { summariseWorkers } from "../profile/workers.js";
import type { NotebookScope } from "../pool/scope.js";
import type { KernelSession } from "../session.js";
import { UsageError } from "../../common/errors.js";

const DESCRIPTION = `Finds the bottleneck of a cell: runs it under V8's sampling profiler (and the worker threads it
uses under theirs), then shows one report: wall and CPU time, event-loop utilization, GC and
heap; the top functions by self and by total time with their cell lines (library code named by
package); a per-line table of the cell (Line | Samples | % Time | Line contents); a flame chart
of the call tree; per-worker busy time, utilization and imbalance for parallel.map and %%workers;
the top tfjs kernels when the cell uses tensors; and a verdict with the next step.
%profile STATEMENT profiles one statement in place; %profile alone shows the last report.`;

const OPTIONS = {
  top: { type: "int", min: 1, default: 10, value: "N", help: "rows in the function tables" },
  interval: { type: "int", min: 1, default: 1000, value: "µs", help: "sampling interval" },
  save: { type: "string", value: "FILE", help: "also write the main thread's profile as a .cpuprofile (Chrome DevTools,\nspeedscope)" },
} satisfies OptionSpecs;

type Options = OptionValues<typeof OPTIONS>;

/** The cell whose lines the per-line table shows: the one named, else the one with most samples. */
function focusOf(record: ProfileRecord, notebook: NotebookScope): { cell: string; lines: string[] } | null {
  const counts = new Map<string, { samples: number; lines: string[] }>();
  const byId = new Map(record.main.nodes.map((n) => [n.id, n]));
  for (const id of record.main.samples ?? []) {
    const frame = byId.get(id)?.callFrame;
    const where = frame ? notebook.locateInCell(frame.url, frame.lineNumber + 1, frame.columnNumber) : null;
    if (!where) continue;
    const entry = counts.get(where.cell) ?? { samples: 0, lines: where.lines };
    entry.samples++;
    counts.set(where.cell, entry);
  }
  if (record.cell) {
    const lines = counts.get(record.cell)?.lines;
    if (lines) return { cell: record.cell, lines };
  }
  const best = [...counts].sort((a, b) => b[1].samples - a[1].samples)[0];
  return best ? { cell: best[0], lines: best[1].lines } : null;
}

function show(session: KernelSession, record: ProfileRecord, options: Options, cellLines: string[] | null): void {
  const locator: SourceLocator = { locate: (url, line, column) => session.notebook.locateInCell(url, line, column) };
  const focus = record.cell && cellLines ? { cell: record.cell, lines: cellLines } : focusOf(record, session.notebook);
  const main = analyseProfile(record.main, locator, { kernelDirs: KERNEL_DIRS, ...(focus ? { focusCell: focus.cell, cellLines: focus.lines } : {}) });
  record.cell = focus?.cell ?? record.cell;
  const workers = summariseWorkers(record.workers, record.stats.wallMs, locator);
  const report: ProfileReport = { record, main, workers, verdict: verdict(record, main, workers) };
  const bundle = reportBundle(report, options.top);
  if (options.save) {
    const file = path.resolve(options.save);
    writeFileSync(file, JSON.stringify(record.main));
    bundle["text/plain"] = `${bundle["text/plain"]}\n\nSaved the main thread's profile to ${file} (open it in Chrome DevTools or speedscope).`;
  }
  session.lastProfile = bundle;
  session.output.display(bundle);
}

export const profileMagic: Magic<typeof OPTIONS> = {
  name: "profile",
  description: DESCRIPTION,
  options: OPTIONS,
  line: {
    args: "[STATEMENT]",
    code: true,
    async run({ session, options, thunk }) {
      if (!thunk) {
        if (!session.lastProfile) throw new UsageError("%profile: nothing was profiled yet in this kernel. Profile a cell with %%profile, or a statement with %profile STATEMENT.");
        session.output.display(session.lastProfile);
        return undefined;
      }
      try {
        const { result, record } = await profileRun(
          session,
          async () => thunk(),
          { intervalUs: options.interval, subject: "statement", cell: null, usesTensors: false, atUserCode: false },
          () => false,
        );
        if (record) show(session, record, options, null);
        return result;
      } catch (err) {
        if (!(err instanceof ProfiledError)) throw err;
        show(session, err.record, options, null);
        throw err.cause;
      }
    },
  },
  cell: {
    async run({ session, options, header, body, label, run }): Promise<CellOutcome> {
      // The cell as the user wrote it: the magic's line, then the body.
      const lines = [`%%profile ${header}`.trimEnd(), ...body.split("\n")];
      try {
        const { result, record } = await profileRun(
          session,
          () => run(`\n${body}`),
          { intervalUs: options.interval, subject: label, cell: label, usesTensors: /\btf\b/.test(body), atUserCode: true },
          (o) => !o.ok,
        );
        if (record) show(session, record, options, lines);
        return result;
      } catch (err) {
        if (!(err instanceof ProfiledError)) throw err;
        show(session, err.record, options, lines);
        throw err.cause;
      }
    },
  },
};
