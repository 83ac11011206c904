// A parallel call's `with` values, checked before anything reaches a worker: data is copied
// (structured clone), functions written in the cell travel as source and are compiled again
// next to the call's function, and every notebook name a function uses must be among them.
import { outsideNames, withValuesAsLocals } from "./free-identifiers.js";
import { functionSource } from "./function-source.js";
import type { NotebookScope } from "./scope.js";
import type { HelperFunction } from "./task.js";
import { type ErrorKind, ParallabError } from "../../common/errors.js";

/** A `with` value missing or unusable: how the call was written, shown with the cell's stack. */
export class ParallelScopeError extends ParallabError {
  override readonly kind: ErrorKind = "usage";
  override name = "ParallelScopeError";
}

export interface PreparedValues {
  /** Data values, copied to the workers. */
  values: Record<string, unknown>;
  /** Function values, as sources with their own uses of `with` names made plain names. */
  helpers: HelperFunction[];
}

export function prepareWithValues(notebook: NotebookScope, api: string, source: string, given: Record<string, unknown>): PreparedValues {
  const values: Record<string, unknown> = {};
  const helpers: HelperFunction[] = [];
  const names = Object.keys(given);
  checkScope(notebook, api, "the function", source, given);
  for (const [name, value] of Object.entries(given)) {
    if (typeof value !== "function") {
      values[name] = value;
      continue;
    }
    const helperSource = functionSource(value, `${api}: with.${name}`);
    checkScope(notebook, api, `with.${name}`, helperSource, given);
    helpers.push({ name, source: withValuesAsLocals(helperSource, names).source });
  }
  return { values, helpers };
}

/** Fails at once, naming the notebook variables a function uses without passing them. */
function checkScope(notebook: NotebookScope, api: string, what: string, source: string, given: Record<string, unknown>): void {
  const used = [...outsideNames(source)].filter((n) => !(n in given));
  const imports = used.filter((n) => !notebook.has(n) && /^[A-Za-z_$][\w$]*_\d+$/.test(n) && !(n in globalThis));
  if (imports.length > 0) {
    throw new ParallelScopeError(
      `${api}: ${what} uses something the notebook imported (compiled as \`${imports[0]}\`), but imports do not cross into worker threads. ` +
        `Import it inside the function instead, e.g. const { cpus } = require("node:os").`,
    );
  }
  const missing = used.filter((n) => notebook.has(n));
  if (missing.length === 0) return;
  const withMethods = missing.find((n) => holdsFunctions(notebook.value(n)));
  if (withMethods) {
    throw new ParallelScopeError(
      `${api}: ${what} uses \`${withMethods}\`, an object with methods (a module or a class instance), which cannot be copied to worker threads. ` +
        `If it is an imported module, require it inside the function (const ${withMethods} = require("…")); otherwise pass the data it holds in \`with\`.`,
    );
  }
  const list = missing.map((n) => `\`${n}\``).join(", ");
  throw new ParallelScopeError(
    `${api}: ${what} uses the notebook variable${missing.length > 1 ? "s" : ""} ${list}, but it runs in worker threads, where notebook variables do not exist. ` +
      `Pass ${missing.length > 1 ? "them" : "it"} explicitly: ${api}(items, fn, { with: { ${missing.join(", ")} } })`,
  );
}

/** Objects with methods (modules, class instances) lose them on the way to a worker. */
function holdsFunctions(value: unknown): boolean {
  if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return false;
  return Object.values(value).some((v) => typeof v === "function") || typeof (value as { default?: unknown }).default === "function";
}

/** Names a DataCloneError: which `with` value cannot be copied, and what to pass instead. */
export function explainCloneError(api: string, values: Record<string, unknown>, err: unknown): unknown {
  if (!(err instanceof Error) || err.name !== "DataCloneError") return err;
  for (const [name, value] of Object.entries(values)) {
    try {
      structuredClone(value);
    } catch (cause) {
      return new TypeError(
        `${api}: with.${name} cannot be copied to a worker thread (${(cause as Error).message}). ` +
          `Pass plain data (numbers, strings, arrays, objects, Maps, typed arrays) or functions written in the cell.`,
      );
    }
  }
  return err;
}
