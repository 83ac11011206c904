// `import … from "parallab"` inside a kernel's cells: the module's names, bound to the session
// (displays go to the running cell, parallel calls to its pool). Its types are kernel/api.ts's.
import * as core from "./api-core.js";
import type * as api from "./api.js";
import { createCommsApi } from "./comms/api.js";
import { createParallel } from "./pool/parallel.js";
import type { KernelSession } from "./session.js";
import { sessionWidgets } from "./widgets/session-widgets.js";

export function parallabModule(session: KernelSession): typeof api {
  const widgets = sessionWidgets(session.widgets);
  return Object.freeze({
    ...core,
    skillsFramework: () => session.skillsFramework(),
    ...session.output,
    parallel: createParallel(session),
    comms: createCommsApi(session.comms),
    widgets,
    interact: widgets.interact,
  });
}
