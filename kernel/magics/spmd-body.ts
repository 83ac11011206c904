// What %%workers and %%mpi share before their ranks start: the --share values, checked for the
// way they travel (thread or process), and the body compiled once, with every notebook
// variable it reads required among them.
import type { CellMagicCall, CellOutcome, DetachedCell } from "./contract.js";
import { UsageError } from "./registry.js";

export interface SpmdBody {
  /** The notebook's variables (the cell magic keeps `_ranks` there). */
  scope: Record<string, unknown>;
  shared: Record<string, unknown>;
  compiled: Extract<DetachedCell, { ok: true }>;
}

export interface SpmdBodyOptions {
  /** "%%workers" or "%%mpi", for messages. */
  magic: string;
  /** The --share list, as written. */
  share: string | undefined;
  /** `declare const …` lines for the names the ranks get (rank, size, comm). */
  declarations: string;
  /** Throws when a value cannot travel to a rank; the message says why. */
  checkTravel(value: unknown): void;
  /** How a value that cannot travel is described ("another thread", "another process …"). */
  travelProblem: string;
}

export async function prepareSpmdBody(call: CellMagicCall, options: SpmdBodyOptions): Promise<SpmdBody | CellOutcome> {
  const scope = await call.scope();
  const shared: Record<string, unknown> = {};
  for (const name of (options.share ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!(name in scope)) throw new UsageError(`--share ${name}: the notebook has no variable of that name.`);
    try {
      options.checkTravel(scope[name]);
    } catch {
      throw new UsageError(`--share ${name}: this value cannot be sent to ${options.travelProblem}; share plain data or typed arrays.`);
    }
    shared[name] = scope[name];
  }
  const compiled = await call.compile(`\n${call.body}`, options.declarations);
  if (!compiled.ok) return { ok: false, error: compiled.error, interrupted: false };
  // Notebook variables the body reads (tslab writes them as exports.NAME) must be shared.
  const reads = new Set([...compiled.js.matchAll(/\bexports\.([A-Za-z_$][\w$]*)\b(?!\s*=[^=])/g)].map((m) => m[1]!));
  const missing = [...reads].filter((n) => n in scope && !(n in shared) && !["rank", "size", "comm"].includes(n));
  if (missing.length) {
    throw new UsageError(
      `${options.magic}: the cell uses the notebook variable${missing.length > 1 ? "s" : ""} ${missing.map((n) => `\`${n}\``).join(", ")}, which the ranks do not have. Add --share ${missing.join(",")}`,
    );
  }
  return { scope, shared, compiled };
}

export const isOutcome = (x: SpmdBody | CellOutcome): x is CellOutcome => !("compiled" in x);
