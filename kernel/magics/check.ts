import { display } from "../display/api.js";
import type { CellOutcome } from "../execute/tslab-adapter.js";
import { trackerSession } from "../tracker-session.js";
import { CHECK_MIME } from "../../tracker/ingest.js";
import { UsageError, type Magic } from "./registry.js";

const USAGE = `%%check ID   (first line of a cell)

Runs the cell's body, an exercise's checks (assertions: \`assert\`, \`assert.deepStrictEqual\`,
or any throw). When it passes, the tracker records evidence for check ID for the current
learner (PARALLAB_LEARNER, else your login name) and shows a ✓ with the competency it counts
toward; when it fails, the failing assertion is the cell's error and nothing is recorded.
A notebook is complete when all its checks passed. The check ids are in skills/curriculum.yaml.`;

const today = () => new Date().toISOString().slice(0, 10);

export const checkMagic: Magic = {
  name: "check",
  help: USAGE,
  cell: {
    async run({ args, body, run }): Promise<CellOutcome> {
      const id = args.trim();
      if (!id || /\s/.test(id)) throw new UsageError(`%%check needs one check id, got ${JSON.stringify(args.trim())}.\n${USAGE}`);
      const session = trackerSession();
      const { framework, check, notebook } = session.lookupCheck(id);
      const outcome = await run(`\n${body}`);
      const date = today();
      if (!outcome.ok) {
        display({ "text/plain": `✗ check ${id} failed: nothing recorded.`, [CHECK_MIME]: { check: id, passed: false, date } });
        return outcome;
      }
      const competency = framework.competencies.find((c) => c.id === check.competency);
      const counts = `${competency?.name ?? check.competency} (${check.level})`;
      let note: string;
      try {
        const recorded = await session.recordCheck(id);
        note = recorded.inserted ? `recorded for ${recorded.learner}` : `already recorded for ${recorded.learner}`;
        if (recorded.notebookCompleted) note += `; notebook ${notebook.id} is complete`;
      } catch (err) {
        note = `not recorded: ${(err as Error).message}`;
      }
      const text = `✓ check ${id} passed: counts toward ${counts}; ${note}.`;
      display({
        "text/plain": text,
        "text/html": `<div style="color:#2e7d32"><b>✓ check ${escape(id)} passed</b>: counts toward <b>${escape(counts)}</b>; ${escape(note)}.</div>`,
        [CHECK_MIME]: { check: id, passed: true, date, competency: check.competency, level: check.level },
      });
      return outcome;
    },
  },
};

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
