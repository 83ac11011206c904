import type { Magic } from "./contract.js";
import { currentDirectory } from "../files/directories.js";

export const pwdMagic: Magic = {
  name: "pwd",
  description: "Returns the kernel's working directory as a string (`const here = %pwd` keeps it). Relative paths in cells, %run, %load and %%writefile start there; %cd changes it.",
  line: {
    run: () => currentDirectory(),
  },
};
