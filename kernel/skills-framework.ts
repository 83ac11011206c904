// The skills framework as notebooks read it (`import { skillsFramework } from "parallab"`):
// wherever the notebook is, the same data the tracker uses (PARALLAB_SKILLS, else skills/).
import { loadFramework } from "../tracker/framework/load.js";
import type { Framework } from "../tracker/framework/types.js";

export function skillsFramework(): Framework {
  return loadFramework(process.env.PARALLAB_SKILLS || undefined);
}
