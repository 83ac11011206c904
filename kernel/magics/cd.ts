import type { Magic, OptionSpecs } from "./contract.js";

const DESCRIPTION = `Changes the kernel's working directory and prints the new one, as IPython's %cd does:
\`%cd DIR\` (relative to the current one; ~ is home), \`%cd -\` goes back to the previous directory,
\`%cd\` alone goes home. Relative paths in cells (files, imports of the cells that follow),
%run, %load, %%writefile and the processes the notebook starts follow it. %pwd returns it.`;

const OPTIONS = {
  q: { type: "flag", help: "quiet: do not print the new directory" },
} satisfies OptionSpecs;

export const cdMagic: Magic<typeof OPTIONS> = {
  name: "cd",
  description: DESCRIPTION,
  options: OPTIONS,
  line: {
    args: "[DIR | -]",
    quoted: true,
    paths: "folders",
    run({ session, options, args }) {
      // IPython reads the rest of the line as one name: `%cd my folder` is "my folder".
      const now = session.directories.change(args.length ? args.join(" ") : undefined);
      if (!options.q) process.stdout.write(`${now}\n`);
    },
  },
};
