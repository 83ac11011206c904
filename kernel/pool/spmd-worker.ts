// One rank of a %%workers cell: runs the cell's compiled code with `rank`, `size` and `comm`.
import { createRequire } from "node:module";
import path from "node:path";
import { inspect } from "node:util";
import vm from "node:vm";
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { Comm, markFailed } from "./comm.js";
import { CpuSampler, type CpuProfile } from "../profile/sampler.js";
import { type ErrorRecord, errorRecord } from "../../common/errors.js";

export interface RankData {
  rank: number;
  size: number;
  ctrl: SharedArrayBuffer;
  ports: (MessagePort | null)[];
  code: string;
  async: boolean;
  lastExpressionVar?: string;
  shared: Record<string, unknown>;
  cwd: string;
  scriptName: string;
  /** Set while %%profile runs: the rank profiles its body at this interval (µs). */
  profileIntervalUs?: number;
}

export type RankMessage =
  | { type: "output"; name: "stdout" | "stderr"; text: string }
  | { type: "done"; value: unknown; text: string | null; busyMs: number; profile?: CpuProfile }
  | ({ type: "error" } & ErrorRecord);

const data = workerData as RankData;
const post = (m: RankMessage) => parentPort!.postMessage(m);
const ctrl = new Int32Array(data.ctrl);

for (const name of ["stdout", "stderr"] as const) {
  process[name].write = ((chunk: unknown) => {
    post({ type: "output", name, text: typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8") });
    return true;
  }) as typeof process.stdout.write;
}

async function main(): Promise<void> {
  const sampler = data.profileIntervalUs ? new CpuSampler() : null;
  if (sampler) await sampler.start(data.profileIntervalUs!);
  const started = performance.now();
  const comm = new Comm(data.rank, data.size, ctrl, data.ports);
  // tslab compiles notebook names as `exports.NAME`: the shared values, and rank/size/comm.
  const exports: Record<string, unknown> = { ...data.shared, rank: data.rank, size: data.size, comm };
  const require = createRequire(path.join(data.cwd, "notebook.js"));
  // tslab leaves some uses as plain names (a shorthand property `{ rank }`): the outer function
  // declares them, and the inner one, the cell's code, may still declare names of its own.
  const names = Object.keys(exports).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== "exports" && n !== "require");
  const inner = data.async ? "async function(exports, require) { " : "function(exports, require) { ";
  const outer = `(function(${["exports", "require", ...names].join(", ")}) { return (${inner}`;
  const bind = vm.runInThisContext(`${outer}${data.code}\n}); })`, { filename: data.scriptName }) as (...args: unknown[]) => (e: unknown, r: unknown) => unknown;
  await bind(exports, require, ...names.map((n) => exports[n]))(exports, require);
  const value = data.lastExpressionVar ? exports[data.lastExpressionVar] : undefined;
  const text = value === undefined ? null : inspect(value);
  const busyMs = performance.now() - started;
  const profile = sampler ? { profile: await sampler.stop() } : {};
  try {
    post({ type: "done", value, text, busyMs, ...profile });
  } catch {
    // Not cloneable (a function, a socket…): its text still shows.
    post({ type: "done", value: undefined, text, busyMs, ...profile });
  }
}

main().catch((err: unknown) => {
  markFailed(ctrl, data.rank);
  const e = err instanceof Error ? err : new Error(inspect(err));
  post({ type: "error", ...errorRecord(e) });
});
