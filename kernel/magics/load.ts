import { readFileSync } from "node:fs";
import type { Magic } from "./contract.js";
import { argumentsText, existingFile } from "../files/source-file.js";

const DESCRIPTION = `Puts FILE's text into the cell, in place of \`%load FILE\`, as IPython's %load does (the
front end replaces the cell; run it again to run the code). The first line, \`# %load FILE\`,
says where it came from; the kernel reads it as a comment.`;

export const loadMagic: Magic = {
  name: "load",
  description: DESCRIPTION,
  line: {
    args: "FILE",
    quoted: true,
    paths: "all",
    run({ session, args, usageError }) {
      if (args.length !== 1) throw usageError(args.length ? `%load loads one FILE, got ${JSON.stringify(args.join(" "))} (quote a name with spaces).` : "%load needs the FILE to load.");
      const text = readFileSync(existingFile(args[0]!, "%load"), "utf8");
      session.setNextInput(`# %load ${argumentsText(args)}\n${text}`, true);
    },
  },
};
