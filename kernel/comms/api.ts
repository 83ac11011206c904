// `comms` of the parallab module: the manager's public face, bound to a kernel session (or,
// in a Node program, one that says comms need a kernel).
import { UsageError } from "../../common/errors.js";
import type { CommsApi } from "./interfaces.js";

export function createCommsApi(manager: CommsApi): CommsApi {
  return Object.freeze({
    registerTarget: (targetName, handler) => manager.registerTarget(targetName, handler),
    unregisterTarget: (targetName) => manager.unregisterTarget(targetName),
    open: (targetName, data, options) => manager.open(targetName, data, options),
    list: (targetName) => manager.list(targetName),
  } satisfies CommsApi);
}

const needsKernel = (): never => {
  throw new UsageError("comms need a running Parallab kernel: a Node program has no front end to talk to");
};

/** Outside a kernel: there is no front end, so nothing can be opened or received. */
export const standaloneComms: CommsApi = Object.freeze({
  registerTarget: needsKernel,
  unregisterTarget: () => {},
  open: needsKernel,
  list: () => ({}),
});
