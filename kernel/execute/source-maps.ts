import { GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND, originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";

/** Lines tslab prepends to the cell before compiling it ("export {};"). */
const TS_PREFIX_LINES = 1;

/** A compiled cell's source map (the CommonJS that V8 runs → the cell's TypeScript). */
export class CellSourceMap {
  private map: TraceMap | null = null;

  constructor(
    private readonly json: string,
    private readonly firstLineOffset: number,
  ) {}

  /** 1-based line and 0-based column in the script V8 ran → 1-based line of the cell, or null. */
  cellLine(line: number, column: number): number | null {
    this.map ??= new TraceMap(this.json);
    const col = line === 1 ? Math.max(0, column - this.firstLineOffset) : column;
    const original = lookup(this.map, line, col);
    if (!original) return null;
    const cellLine = original.line - TS_PREFIX_LINES;
    return cellLine >= 1 ? cellLine : null;
  }
}

function lookup(map: TraceMap, line: number, column: number): { line: number; column: number } | null {
  // Prefer the exact segment or the nearest one before it on the same line, then the first one
  // after it (a profile's line ticks come with column 0, before the line's indentation).
  for (const bias of [GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND] as const) {
    const pos = originalPositionFor(map, { line, column, bias });
    if (pos.line != null && pos.column != null) return { line: pos.line, column: pos.column };
  }
  return null;
}

const INLINE_MAP = /\n?\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/;
/** Splits an inline source map comment off JavaScript text. */
export function takeInlineMap(js: string): { code: string; map: string | null } {
  const match = INLINE_MAP.exec(js);
  if (!match) return { code: js, map: null };
  return { code: js.slice(0, match.index), map: Buffer.from(match[1]!, "base64").toString("utf8") };
}
