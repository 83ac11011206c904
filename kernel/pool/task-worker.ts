// The piscina worker of parallel.map / parallel.reduce: compiles the cell's function from its
// source once, with the `with` values in scope, and runs it over one chunk.
import { createRequire } from "node:module";
import path from "node:path";
import vm from "node:vm";
import { BroadcastChannel, threadId } from "node:worker_threads";
import { CpuSampler } from "../profile/sampler.js";
import { claim, completed, stop } from "./schedule.js";
import { OUTPUT_CHANNEL, type ChunkPart, type ChunkResult, type ChunkTask, type WorkerOutput } from "./task.js";

// Cells compile `import` to `require`: functions get one that resolves from the notebook's folder.
const notebookRequire = createRequire(path.join(process.cwd(), "notebook.js"));

type Fn = (...args: unknown[]) => unknown;

// What the function prints goes, live and prefixed with this worker's id, to the cell that
// called parallel.map (the kernel routes it by call id).
const output = new BroadcastChannel(OUTPUT_CHANNEL);
(output as unknown as { unref(): void }).unref();
let currentCall = "";
let sentOutputs = 0;
for (const name of ["stdout", "stderr"] as const) {
  let atLineStart = true;
  process[name].write = ((chunk: unknown) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
    const prefixed = text.replace(/^(?=.)/gm, (_m, offset: number) => (offset > 0 || atLineStart ? `[worker ${threadId}] ` : ""));
    atLineStart = text.endsWith("\n");
    const message: WorkerOutput = { call: currentCall, name, text: prefixed };
    output.postMessage(message);
    sentOutputs++;
    return true;
  }) as typeof process.stdout.write;
}
type Factory = (exports: Record<string, unknown>, require: NodeJS.Require) => Fn;
/** Compiled once per function source: later calls reuse its code, already optimised by V8. */
const factories = new Map<string, Factory>();
/** Functions bound to `with` values: per call, or per values key across calls. */
const bound = new Map<string, Fn>();

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const RESERVED = new Set(
  "arguments await break case catch class const continue debugger default delete do else enum eval export exports extends false finally for function if implements import in instanceof interface let new null package private protected public require return static super switch this throw true try typeof var void while with yield".split(
    " ",
  ),
);

function compile(task: ChunkTask): Fn {
  const names = Object.keys(task.values);
  const helpers = task.helpers.filter((h) => IDENTIFIER.test(h.name) && !RESERVED.has(h.name));
  const key = `${names.join(",")}\u0000${task.writtenNames.join(",")}\u0000${task.origin?.filename ?? ""}\u0000${task.source}\u0000${helpers.map((h) => `${h.name}=${h.source}`).join("\u0000")}`;
  const bindingKey = `${key}\u0000${task.valuesKey ?? task.call}`;
  let fn = bound.get(bindingKey);
  if (fn) return fn;
  let factory = factories.get(key);
  if (!factory) {
    // tslab compiles references to notebook variables as `exports.NAME`: `exports` is `with`,
    // and the kernel sent the source with those of its names as plain names, declared here as
    // constants (V8 folds them into the function's optimised code).
    // Compiled at the function's own place in its cell's script (same name and line), so
    // errors thrown in it point at the cell's lines once the kernel maps them.
    const origin = task.origin;
    const locals = names.filter((n) => IDENTIFIER.test(n) && !RESERVED.has(n));
    const variables = locals.filter((n) => task.writtenNames.includes(n));
    const constants = locals.filter((n) => !task.writtenNames.includes(n));
    const declare = (constants.length > 0 ? `const { ${constants.join(", ")} } = exports; ` : "") + (variables.length > 0 ? `let { ${variables.join(", ")} } = exports; ` : "");
    // Helpers come first, and the line offset takes their lines back, so that the function's
    // own lines stay where its cell has them (and it stays anonymous, as in the cell).
    const declareHelpers = helpers.map((h) => `const ${h.name} = (\n${h.source}\n);\n`).join("");
    const helperLines = declareHelpers.split("\n").length - 1;
    factory = vm.compileFunction(`${declare}${declareHelpers}return (\n${task.source}\n);`, ["exports", "require"], {
      filename: origin?.filename ?? "parallel-function",
      lineOffset: (origin ? origin.line - 2 : 0) - helperLines,
    }) as Factory;
    if (factories.size > 64) factories.clear();
    factories.set(key, factory);
  }
  fn = factory(task.values, notebookRequire);
  if (bound.size > 64) bound.clear();
  bound.set(bindingKey, fn);
  return fn;
}

/** Item `index` of the whole input (tasks with a chunk hold the items from `offset` on). */
function itemAt(task: ChunkTask, index: number): unknown {
  if (task.shared) return task.shared.array[index];
  const items = task.items;
  if ("count" in (items as object) && typeof (items as { count: unknown }).count === "number") return index;
  return (items as ArrayLike<unknown>)[index - task.offset];
}

function lengthOf(task: ChunkTask): number {
  if (task.shared) return task.shared.end - task.shared.start;
  const items = task.items as { count?: number; length?: number };
  return typeof items.count === "number" ? items.count : items.length!;
}

// The pool hands a worker its next task while it still runs one (so it never waits for the
// main thread in between); tasks still run one after the other, each with its own output.
let previous: Promise<unknown> = Promise.resolve();

export default function runTaskInTurn(task: ChunkTask): Promise<ChunkResult> {
  const next = previous.then(() => runTask(task));
  previous = next.catch(() => undefined);
  return next;
}

async function runTask(task: ChunkTask): Promise<ChunkResult> {
  const sampler = task.profileIntervalUs ? new CpuSampler() : null;
  if (sampler) await sampler.start(task.profileIntervalUs!);
  const started = performance.now();
  try {
    const result = await runParts(task);
    return { ...result, thread: threadId, busyMs: performance.now() - started, ...(sampler ? { profile: await sampler.stop() } : {}) };
  } catch (err) {
    if (sampler) await sampler.stop().catch(() => undefined);
    throw err;
  }
}

async function runParts(task: ChunkTask): Promise<Pick<ChunkResult, "parts" | "outputs">> {
  currentCall = task.call;
  sentOutputs = 0;
  const fn = compile(task);
  const parts: ChunkPart[] = [];
  if (!task.queue) {
    parts.push(await runRange(task, fn, task.offset, task.offset + lengthOf(task)));
    return { parts, outputs: sentOutputs };
  }
  const { total, chunkSize, slot } = task.queue;
  const queue = new Int32Array(task.queue.buffer);
  try {
    for (let range = claim(queue, total, chunkSize, slot); range; range = claim(queue, total, chunkSize, slot)) {
      parts.push(await runRange(task, fn, range[0], range[1]));
      completed(queue, range[1] - range[0]);
    }
  } catch (err) {
    // The call fails with this item: the other workers claim nothing more.
    stop(queue);
    throw err;
  }
  return { parts, outputs: sentOutputs };
}

/** Runs the function over items [start, end) of the whole input. */
async function runRange(task: ChunkTask, fn: Fn, start: number, end: number): Promise<ChunkPart> {
  let i = start;
  try {
    if (task.mode === "map") {
      const results = new Array<unknown>(end - start);
      for (; i < end; i++) {
        let r = fn(itemAt(task, i), i);
        if (r instanceof Promise) r = await r;
        results[i - start] = r;
      }
      return { start, results };
    }
    // Each range folds from its own copy of `init` (a histogram, say, is changed in place).
    let acc = task.queue ? structuredClone(task.init) : task.init;
    for (; i < end; i++) {
      acc = fn(acc, itemAt(task, i), i);
      if (acc instanceof Promise) acc = await acc;
    }
    return { start, accumulator: acc };
  } catch (err) {
    // Name the item: errors cross threads as name, message and stack only.
    const error = err instanceof Error ? err : new Error(String(err));
    const where = `item ${i}`;
    error.message = `${where}: ${error.message}`;
    if (error.stack) error.stack = error.stack.replace(/^([^\n]*?): /, `$1: ${where}: `);
    throw error;
  }
}
