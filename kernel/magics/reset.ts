import type { Magic, OptionSpecs } from "./contract.js";

const DESCRIPTION = `Forgets the notebook's variables, functions, classes and types (IPython's %reset): later cells
no longer see them, and their values can be garbage-collected. What imports bound stays, so
\`tf\`, \`parallel\` and other imported names keep working (importing again works too). Without -f
it asks first when the front end can answer (input), and goes ahead when it cannot.
Put it in a cell of its own: what the same cell declares before it is forgotten too. Tensors in
forgotten variables are not disposed (other code may hold them): dispose them first.`;

const OPTIONS = {
  f: { type: "flag", help: "force: do not ask for confirmation" },
} satisfies OptionSpecs;

const PROMPT = "Once deleted, variables cannot be recovered. Proceed (y/[n])?";

export const resetMagic: Magic<typeof OPTIONS> = {
  name: "reset",
  description: DESCRIPTION,
  options: OPTIONS,
  line: {
    async run({ session, options }) {
      if (!options.f) {
        let answer: string | null;
        try {
          answer = await session.input(PROMPT, false);
        } catch {
          // No stdin in this front end: IPython goes ahead then.
          answer = null;
        }
        if (answer !== null && !/^\s*y(es)?\s*$/i.test(answer)) {
          process.stdout.write("Nothing done.\n");
          return;
        }
      }
      (await session.adapter()).forgetVariables();
    },
  },
};
