// Loads Parallab's MPI bindings (native/mpi, built with node-gyp against the system's Open MPI)
// and says, when they are missing, how to get them.
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PACKAGE_ROOT } from "../../common/paths.js";
import { onPath } from "../../common/commands.js";
import { type ErrorKind, ParallabError } from "../../common/errors.js";

/** Where node-gyp puts the addon. */
export const MPI_ADDON = path.join(PACKAGE_ROOT, "native", "mpi", "build", "Release", "mpi.node");
export const MPI_SOURCE_DIR = path.join(PACKAGE_ROOT, "native", "mpi");
/** The system packages: mpirun and mpicc with Open MPI's headers. */
export const MPI_APT_PACKAGES = ["openmpi-bin", "libopenmpi-dev"];
export const MPI_BUILD_COMMAND = "npm run build:mpi";
export const MPI_INSTALL_HINT = `apt-get install -y ${MPI_APT_PACKAGES.join(" ")}, then build the bindings: ${MPI_BUILD_COMMAND} (or: npx parallab build-mpi)`;

export interface MpiInfo {
  rank: number;
  size: number;
  /** MPI_THREAD_* level provided (0 single, 1 funneled, 2 serialized, 3 multiple). */
  threadLevel: number;
  version: string;
  library: string;
  processor: string;
}

export interface MpiReceived {
  kind: number;
  type: number;
  buffer: ArrayBuffer;
}

/** The addon's functions (native/mpi/mpi.cc); every one works on MPI_COMM_WORLD. */
export interface MpiBinding {
  init(): MpiInfo;
  finalize(): void;
  abort(code: number): never;
  wtime(): number;
  barrier(): void;
  bcast(view: ArrayBufferView, root: number): void;
  allreduce<T extends ArrayBufferView>(view: T, op: string): T;
  allreduceNumber(value: number, op: string): number;
  gatherBytes(bytes: Uint8Array, root: number): Uint8Array[] | undefined;
  allgatherBytes(bytes: Uint8Array): Uint8Array[];
  scatterBytes(parts: Uint8Array[] | null, root: number): Uint8Array;
  send(kind: number, view: ArrayBufferView, dest: number, tag: number): void;
  recv(source: number, tag: number): MpiReceived;
  tagUpperBound(): number;
}

export class MpiUnavailableError extends ParallabError {
  override readonly kind: ErrorKind = "unavailable";
  override name = "MpiUnavailableError";
}

/** Why %%mpi cannot run here (null when it can): mpirun on PATH and the addon built. */
export function mpiMissing(): string | null {
  if (process.platform !== "linux") return `%%mpi runs on Linux (this is ${process.platform}).`;
  const mpirun = onPath("mpirun");
  const built = existsSync(MPI_ADDON);
  if (mpirun && built) return null;
  if (!mpirun) return `MPI is not installed (no mpirun on PATH). Install Open MPI: ${MPI_INSTALL_HINT}`;
  return `the MPI bindings are not built (${path.relative(process.cwd(), MPI_ADDON) || MPI_ADDON} is missing). Build them: ${MPI_BUILD_COMMAND} (or: npx parallab build-mpi); they need ${MPI_APT_PACKAGES.join(" ")} (apt-get install -y ${MPI_APT_PACKAGES.join(" ")}).`;
}

let loaded: MpiBinding | null = null;

/**
 * The bindings. Loaded with RTLD_GLOBAL: Open MPI dlopens its own components, which expect
 * libmpi's symbols to be visible globally.
 */
export function loadMpi(): MpiBinding {
  if (loaded) return loaded;
  if (!existsSync(MPI_ADDON)) throw new MpiUnavailableError(`the MPI bindings are not built. ${MPI_INSTALL_HINT}`);
  const module = { exports: {} as MpiBinding };
  const { RTLD_NOW, RTLD_GLOBAL } = os.constants.dlopen as { RTLD_NOW: number; RTLD_GLOBAL: number };
  try {
    process.dlopen(module, MPI_ADDON, RTLD_NOW | RTLD_GLOBAL);
  } catch (err) {
    throw new MpiUnavailableError(`cannot load ${MPI_ADDON}: ${(err as Error).message}. Rebuild it: ${MPI_BUILD_COMMAND}`);
  }
  loaded = module.exports;
  return loaded;
}
