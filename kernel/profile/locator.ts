// Where profiled code is in the notebook: the kernel sets this once its compiler is loaded.
export interface CellPosition {
  cell: string;
  line: number;
  lines: string[];
}

type Locate = (script: string, line: number, column: number) => CellPosition | null;

let locate: Locate = () => null;

export function setCellLocator(locator: Locate): void {
  locate = locator;
}

/** A script position (1-based line, 0-based column) → the notebook cell and line, or null. */
export function locateInCell(script: string, line: number, column: number): CellPosition | null {
  return locate(script, line, column);
}
