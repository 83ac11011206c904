import type { ExpandInCell } from "./contract.js";
import type { KernelSession } from "../session.js";

/** Installs `__parallab__.magic`, the run-time end of the line magics written into cells (listed in kernel/patches). */
export function installMagicRuntime(session: KernelSession): void {
  const runtime = {
    async magic(name: string, args: string, thunk?: () => unknown, inCell?: ExpandInCell): Promise<unknown> {
      return session.registry.runLine(name, args, thunk, session, inCell);
    },
  };
  Object.defineProperty(globalThis, "__parallab__", { value: runtime, configurable: true, writable: false, enumerable: false });
}
