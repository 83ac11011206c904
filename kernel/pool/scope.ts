// The notebook as code running elsewhere (workers, ranks, the profiler) needs to see it: its
// variables, and where a function's or a profile frame's source sits in the cells. The
// compiler knows both; until it is loaded the notebook is empty.

export interface SourceOrigin {
  filename: string;
  line: number;
  column: number;
}

export interface CellPosition {
  cell: string;
  line: number;
  lines: string[];
}

/** What the compiler (the tslab adapter) tells about the cells it ran. */
export interface CellIndex {
  readonly locals: Record<string, unknown>;
  /** The running cell's hidden variable for its last expression's value, if it has one. */
  readonly resultVariable?: string;
  /** Sets a notebook variable from outside the cells, readable by later cells. */
  define(name: string, value: unknown): void;
  locateFunction(source: string): SourceOrigin | null;
  cellPosition(script: string, line: number, column: number): CellPosition | null;
}

export class NotebookScope {
  private index: CellIndex | null = null;
  /** Variables the kernel set before the compiler was loaded (a first cell `!ls`). */
  private readonly early = new Map<string, unknown>();

  /** The compiler is loaded: from now on the notebook is the one it runs. */
  attach(index: CellIndex): void {
    this.index = index;
    for (const [name, value] of this.early) index.define(name, value);
    this.early.clear();
  }

  /** The notebook's variables as they are now (the live object: later cells add to it). */
  get locals(): Record<string, unknown> {
    return this.index?.locals ?? {};
  }

  /**
   * The names a user gave (%who, %whos): sorted, without names starting with _ (IPython hides
   * them; ours are the kernel's, such as __parallab__ and _ranks) and the cell's result slot.
   */
  userNames(): string[] {
    const hidden = this.index?.resultVariable;
    return Object.keys(this.locals)
      .filter((n) => !n.startsWith("_") && n !== hidden)
      .sort();
  }

  /** A variable the kernel sets for the notebook (`_exit_code`, `%%capture NAME`). */
  define(name: string, value: unknown): void {
    if (this.index) this.index.define(name, value);
    else this.early.set(name, value);
  }

  has(name: string): boolean {
    return Object.hasOwn(this.locals, name);
  }

  value(name: string): unknown {
    return this.has(name) ? this.locals[name] : undefined;
  }

  /** Where a function's source came from (the cell script that defined it). */
  originOf(source: string): SourceOrigin | null {
    return this.index?.locateFunction(source) ?? null;
  }

  /** A script position (1-based line, 0-based column) → the notebook cell and line, or null. */
  locateInCell(script: string, line: number, column: number): CellPosition | null {
    return this.index?.cellPosition(script, line, column) ?? null;
  }
}
