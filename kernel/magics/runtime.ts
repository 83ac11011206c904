import { notebookScope } from "../pool/scope.js";
import { expandArgs } from "./expand.js";
import { UsageError, type MagicRegistry } from "./registry.js";

/** Installs `__parallab__.magic`, the run-time end of the line magics written into cells. */
export function installMagicRuntime(registry: MagicRegistry): void {
  const runtime = {
    async magic(name: string, args: string, thunk?: () => unknown): Promise<unknown> {
      const magic = registry.get(name);
      if (!magic?.line) throw new UsageError(`Line magic \`%${name}\` not found.`);
      return magic.line.run({ args: expandArgs(args, notebookScope()), thunk });
    },
  };
  Object.defineProperty(globalThis, "__parallab__", { value: runtime, configurable: true, writable: false, enumerable: false });
}
