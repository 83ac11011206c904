// %%check ID: runs the course's own assertions for exercise ID against the notebook's live state,
// whatever the cell's body holds now (an edited or emptied cell is named as such, and records
// nothing). A pass records *checked* evidence; grading (PARALLAB_CHECK_MODE=grade) also runs the
// hidden tests and records nothing itself. Every run shows its result as a check output
// (CHECK_MIME) that `parallab grade` and `parallab record` read back.
import type { CellOutcome, Magic } from "./contract.js";
import { assertionDetails } from "../execute/errors.js";
import { CHECK_MIME } from "../../tracker/check-mime.js";
import { escapeHtml } from "../../common/html.js";
import { normalizeCode } from "../../course/source.js";
import { HIDDEN_FAILURE, withoutHidden } from "../../course/markers.js";
import { UsageError } from "../../common/errors.js";
import { today } from "../../common/dates.js";

const DESCRIPTION = `Runs the course's official assertions for exercise ID (skills/curriculum.yaml) against your
notebook's variables: what the cell shows is what runs, and editing or emptying the cell does
not change the check (the course's own check runs, and nothing is recorded until the cell is put
back). When every assertion passes, the tracker records *checked* evidence for the current
learner (PARALLAB_LEARNER, else your login name) and shows a ✓ with the competency it counts
toward; a failure shows the assertion that failed, with the expected and actual values, and
records nothing. \`parallab grade NOTEBOOK\` re-runs the whole notebook with hidden tests too,
and records *graded* evidence, which the certificate needs.`;

/** What a check output carries (the ✓/✗ line's data): graders read it back. */
export interface CheckResultData {
  check: string;
  passed: boolean;
  date: string;
  mode: "check" | "grade";
  /** The cell's body differs from the course's check (the course's check ran). */
  edited: boolean;
  failure?: { stage: "visible" | "hidden"; ename: string; message: string; expected?: string; actual?: string };
}

/** A failure of the hidden block: its error says so, also when it comes back from a rank ("rank 1: …"). */
const failedInHiddenTests = (outcome: { error: { evalue: string } }) => outcome.error.evalue.startsWith(HIDDEN_FAILURE) || outcome.error.evalue.includes(`: ${HIDDEN_FAILURE}`);
const withoutHiddenMark = (message: string) => message.replace(HIDDEN_FAILURE, "");

/** The cell's body as the learner sees the check (a pasted hidden-test block does not count). */
function visibleBody(body: string): string {
  try {
    return withoutHidden(body, "this cell");
  } catch {
    return body;
  }
}

export const checkMagic: Magic = {
  name: "check",
  description: DESCRIPTION,
  cell: {
    args: "ID",
    async run({ session: kernel, args, body, run, usageError }): Promise<CellOutcome> {
      const id = args[0];
      if (!id || args.length > 1) throw usageError(`%%check needs one check id, got ${JSON.stringify(args.join(" "))}.`);
      const session = await kernel.tracker();
      const { framework, check, notebook } = session.lookupCheck(id);
      const found = session.officialCheck(id);
      if ("problem" in found) throw new UsageError(`%%check ${id} cannot pass: ${found.problem}. Tell the course's instructor.`);
      const official = found.check;
      const edited = normalizeCode(visibleBody(body)) !== normalizeCode(official.visible);
      const grading = session.mode === "grade";
      // The first line is the magic's: the official lines keep their numbers in tracebacks.
      const code = grading && official.graded ? official.graded : official.visible;
      const outcome = await run(`\n${code}`);
      const stage = !outcome.ok && failedInHiddenTests(outcome) ? "hidden" : "visible";
      // An edited cell never counts as passed, even when the course's check passes: what the
      // notebook shows is not what ran (`parallab record` reads this flag).
      const data: CheckResultData = { check: id, passed: outcome.ok && !edited, date: today(), mode: session.mode, edited };
      const editedNote = edited ? `This cell is not the course's check ${id} (it was edited or emptied): the course's own check ran instead. ` : "";
      const restore = edited ? `\nTo record a result, put the course's cell back:\n\n%%check ${id}\n${official.visible.trim()}\n` : "";
      if (!outcome.ok) {
        const details = assertionDetails(outcome.thrown);
        data.failure = {
          stage,
          ename: outcome.error.ename,
          message: withoutHiddenMark(details?.message ?? outcome.error.evalue),
          ...(details?.expected !== undefined ? { expected: details.expected, actual: details.actual } : {}),
        };
        const values = data.failure.expected !== undefined ? ` (expected ${data.failure.expected}, actual ${data.failure.actual})` : "";
        const what = stage === "hidden" ? "a hidden test failed" : details ? "an assertion failed" : `the check raised ${outcome.error.ename}`;
        const text = `✗ check ${id} failed: ${what}: ${data.failure.message}${values}. ${editedNote}Nothing recorded.${restore}`;
        kernel.output.display({
          "text/plain": text,
          "text/html": `<div style="color:#c62828"><b>✗ check ${escapeHtml(id)} failed</b>: ${escapeHtml(`${what}: ${data.failure.message}${values}. ${editedNote}Nothing recorded.`)}${restore ? `<pre>${escapeHtml(restore)}</pre>` : ""}</div>`,
          [CHECK_MIME]: data,
        });
        return outcome;
      }
      const competency = framework.competencies.find((c) => c.id === check.competency);
      const counts = `${competency?.name ?? check.competency} (${check.level})`;
      let note: string;
      if (grading) note = "graded by parallab grade, which records the result";
      else if (edited) note = "not recorded, because the cell was edited";
      else {
        try {
          const recorded = await session.recordCheck(id);
          note = `${recorded.inserted ? "recorded" : "already recorded"} as checked for ${recorded.learner}`;
          if (recorded.notebookCompleted) note += `; every check of ${notebook.id} has passed`;
        } catch (err) {
          note = `not recorded: ${(err as Error).message}`;
        }
      }
      const head = edited ? `⚠ check ${id}: the course's check passed, but this cell was edited` : `✓ check ${id} passed${grading && official.graded ? " (hidden tests too)" : ""}`;
      const text = `${head}: counts toward ${counts}; ${note}. ${editedNote}`.trimEnd() + restore;
      kernel.output.display({
        "text/plain": text,
        "text/html": `<div style="color:${edited ? "#ef6c00" : "#2e7d32"}"><b>${escapeHtml(head)}</b>: counts toward <b>${escapeHtml(counts)}</b>; ${escapeHtml(`${note}. ${editedNote}`)}${restore ? `<pre>${escapeHtml(restore)}</pre>` : ""}</div>`,
        [CHECK_MIME]: data,
      });
      return outcome;
    },
  },
};
