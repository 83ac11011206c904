import { notebookScope } from "../pool/scope.js";
import type { MagicRegistry } from "./registry.js";

/** Installs `__parallab__.magic`, the run-time end of the line magics written into cells. */
export function installMagicRuntime(registry: MagicRegistry): void {
  const runtime = {
    async magic(name: string, args: string, thunk?: () => unknown): Promise<unknown> {
      return registry.runLine(name, args, thunk, notebookScope());
    },
  };
  Object.defineProperty(globalThis, "__parallab__", { value: runtime, configurable: true, writable: false, enumerable: false });
}
