// What the kernel hands a `%run` script's process: the JavaScript it compiled for the script's
// TypeScript files, in a JSON file the process's loader (kernel/patches/script-loader.ts) reads.

export type ModuleFormat = "module" | "commonjs";

/** One of the script's files, compiled: what the script's process loads in its place. */
export interface CompiledModule {
  format: ModuleFormat;
  code: string;
}

/** The environment variable naming the JSON file (absolute path → CompiledModule). */
export const MODULES_ENV = "PARALLAB_RUN_MODULES";
