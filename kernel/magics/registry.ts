import type { CellOutcome, DetachedCell } from "../execute/tslab-adapter.js";
import type { ErrorContent } from "../protocol/messages.js";
import { closest } from "../../common/text.js";
import { UsageError } from "../../common/errors.js";

/** Raised for a magic used wrongly: shown as IPython's `UsageError` (the one UsageError, in common/errors.ts). */
export { UsageError };

export interface LineMagicCall {
  /** The option part of the line (for magics that take code, the code is in `thunk`). */
  args: string;
  /** The line's code, compiled in the cell's scope, for magics that take code. */
  thunk?: () => unknown;
}

export interface CellMagicCall {
  args: string;
  body: string;
  /** The cell's label in tracebacks and profiles ("Cell[3]"). */
  label: string;
  /** Runs TypeScript in the notebook's scope; lines of `code` map 1:1 to the cell's lines. */
  run(code: string): Promise<CellOutcome>;
  /** Compiles without running (code that runs elsewhere); `declarations` are extra names. */
  compile(code: string, declarations: string): Promise<DetachedCell>;
  /** An error thrown anywhere, with frames of the cells mapped to their lines. */
  errorContent(thrown: unknown): Promise<ErrorContent>;
  /** The notebook's variables. */
  scope(): Promise<Record<string, unknown>>;
}

export interface Magic {
  name: string;
  /** Usage and description, shown by `%name?` and `%magic`. */
  help: string;
  line?: {
    /** Splits the line into options and code; omitted when the magic takes no code. */
    splitCode?(args: string): { options: string; code: string };
    run(call: LineMagicCall): unknown;
  };
  cell?: {
    run(call: CellMagicCall): Promise<CellOutcome>;
  };
}

export class MagicRegistry {
  private readonly magics = new Map<string, Magic>();

  register(magic: Magic): void {
    if (this.magics.has(magic.name)) throw new Error(`magic %${magic.name} is already registered`);
    this.magics.set(magic.name, magic);
  }

  get(name: string): Magic | undefined {
    return this.magics.get(name);
  }

  lineMagics(): string[] {
    return [...this.magics.values()]
      .filter((m) => m.line)
      .map((m) => m.name)
      .sort();
  }

  cellMagics(): string[] {
    return [...this.magics.values()]
      .filter((m) => m.cell)
      .map((m) => m.name)
      .sort();
  }

  /** `%name` when it exists as the kind asked for, else a UsageError naming the closest ones. */
  require(name: string, kind: "line" | "cell"): Magic {
    const magic = this.magics.get(name);
    if (magic?.[kind]) return magic;
    const prefix = kind === "line" ? "%" : "%%";
    const pool = kind === "line" ? this.lineMagics() : this.cellMagics();
    const close = closest(name, pool).map((n) => prefix + n);
    const other = magic ? ` (%${kind === "line" ? "%" : ""}${name} exists as a ${kind === "line" ? "cell" : "line"} magic)` : "";
    const hint = close.length ? ` Did you mean ${close.join(" or ")}?` : "";
    throw new UsageError(`${kind === "line" ? "Line" : "Cell"} magic \`${prefix}${name}\` not found${other}.${hint} %lsmagic lists them all.`);
  }
}
