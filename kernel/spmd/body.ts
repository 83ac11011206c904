// What %%workers and %%mpi share before their ranks start: the --share values, checked for the
// way they travel (thread or process), and the body compiled once, with every notebook
// variable it reads required among them.
import type { CellMagicCall, CellOutcome, DetachedCell } from "../magics/contract.js";
import { UsageError } from "../../common/errors.js";
import { RANK_NAMES } from "./rank.js";

export interface SpmdBody {
  /** The notebook's variables (the cell magic keeps `_ranks` there). */
  scope: Record<string, unknown>;
  shared: Record<string, unknown>;
  compiled: Extract<DetachedCell, { ok: true }>;
}

/** How values reach the ranks: what --share accepts. */
export interface SpmdTravel {
  /** Throws when a value cannot travel to a rank. */
  check(value: unknown): void;
  /** How a value that cannot travel is described ("another thread …", "another process …"). */
  problem: string;
}

export interface SpmdBodyOptions {
  /** "%%workers" or "%%mpi", for messages. */
  magic: string;
  /** The --share list, as written. */
  share: string | undefined;
  /** The type of `comm` the body is compiled against: a class the "parallab" module exports. */
  commType: "Comm" | "MpiComm";
  travel: SpmdTravel;
}

/** Names of rank/size/comm for the compiler; the values come from the rank. */
const declarations = (commType: string) => `declare const rank: number;\ndeclare const size: number;\ndeclare const comm: import("parallab").${commType};\n`;

export async function prepareSpmdBody(call: CellMagicCall, options: SpmdBodyOptions): Promise<SpmdBody | CellOutcome> {
  const scope = await call.scope();
  const shared: Record<string, unknown> = {};
  for (const name of (options.share ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!(name in scope)) throw new UsageError(`--share ${name}: the notebook has no variable of that name.`);
    try {
      options.travel.check(scope[name]);
    } catch {
      throw new UsageError(`--share ${name}: this value cannot be sent to ${options.travel.problem}; share plain data or typed arrays.`);
    }
    shared[name] = scope[name];
  }
  const compiled = await call.compile(`\n${call.body}`, declarations(options.commType));
  if (!compiled.ok) return { ok: false, error: compiled.error, interrupted: false };
  // Notebook variables the body reads (tslab writes them as exports.NAME) must be shared.
  const reads = new Set([...compiled.js.matchAll(/\bexports\.([A-Za-z_$][\w$]*)\b(?!\s*=[^=])/g)].map((m) => m[1]!));
  const missing = [...reads].filter((n) => n in scope && !(n in shared) && !(RANK_NAMES as readonly string[]).includes(n));
  if (missing.length) {
    throw new UsageError(
      `${options.magic}: the cell uses the notebook variable${missing.length > 1 ? "s" : ""} ${missing.map((n) => `\`${n}\``).join(", ")}, which the ranks do not have. Add --share ${missing.join(",")}`,
    );
  }
  return { scope, shared, compiled };
}

export const isOutcome = (x: SpmdBody | CellOutcome): x is CellOutcome => !("compiled" in x);
