import { gapReport } from "../../tracker/reports/gap.js";
import { gapMarkdown } from "../../tracker/exports/markdown.js";
import { TrackerConnectionError } from "../../tracker/db/errors.js";
import { gapReportHtml } from "../../tracker/exports/html.js";
import type { Magic, OptionSpecs } from "./contract.js";
import { UsageError } from "../../common/errors.js";
import { today } from "../../common/dates.js";

const DESCRIPTION = `The skill-gap report of the current learner (PARALLAB_LEARNER, else your login name) for a role
(default: the certificate, certificate-parallel-ml): per competency the required and evidenced
level, the gap, the evidence, the next notebook or catalogue item that closes it, and the
readiness; with a radar chart of required vs evidenced levels. The same report as
\`parallab gap --role ROLE\`.`;

const OPTIONS = {
  industry: { type: "string", value: "technology|finance|healthcare", help: "use the role's requirements for this industry" },
} satisfies OptionSpecs;

export const skillsMagic: Magic<typeof OPTIONS> = {
  name: "skills",
  description: DESCRIPTION,
  options: OPTIONS,
  line: {
    args: "[ROLE]",
    async run({ session, options, args: words, usageError }) {
      const industry = options.industry ?? null;
      if (words.length > 1) throw usageError(`%skills takes one role id, got ${JSON.stringify(words.join(" "))}.`);
      let state;
      try {
        state = await (await session.tracker()).state();
      } catch (err) {
        // PostgreSQL that cannot be used (a server down, a bad URL): the message says what to do.
        if (err instanceof TrackerConnectionError) throw new UsageError(`%skills: ${err.message}`);
        throw err;
      }
      const { framework, learner, evidence } = state;
      const role = words[0] ?? "certificate-parallel-ml";
      let report;
      try {
        report = gapReport(framework, evidence, { role, industry, learner, today: today() });
      } catch (err) {
        throw new UsageError(`%skills: ${(err as Error).message}`);
      }
      session.output.display({ "text/plain": gapMarkdown(report), "text/html": gapReportHtml(report) });
      return undefined;
    },
  },
};
