import { GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND, originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";

/**
 * The two maps of a compiled cell: tslab first emits an ES module from the TypeScript
 * (map 1), then rewrites it to CommonJS (map 2). Chaining them maps a position in the code
 * V8 ran back to the cell's own line.
 */
export interface CellMaps {
  esmToTs: string;
  cjsToEsm: string;
}

/** Lines tslab prepends to the cell before compiling it ("export {};"). */
const TS_PREFIX_LINES = 1;

export class CellSourceMap {
  private chain: [TraceMap, TraceMap] | null = null;

  constructor(
    private readonly maps: CellMaps,
    private readonly firstLineOffset: number,
  ) {}

  /** 1-based line and 0-based column in the script V8 ran → 1-based line of the cell, or null. */
  cellLine(line: number, column: number): number | null {
    this.chain ??= [new TraceMap(this.maps.cjsToEsm), new TraceMap(this.maps.esmToTs)];
    const [cjs, esm] = this.chain;
    const col = line === 1 ? Math.max(0, column - this.firstLineOffset) : column;
    const mid = lookup(cjs, line, col);
    if (!mid) return null;
    const original = lookup(esm, mid.line, mid.column);
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
const FILE_MAP_COMMENT = /\n?\/\/# sourceMappingURL=\S+\s*$/;

/** Splits an inline source map comment off JavaScript text. */
export function takeInlineMap(js: string): { code: string; map: string | null } {
  const match = INLINE_MAP.exec(js);
  if (!match) return { code: js, map: null };
  return { code: js.slice(0, match.index), map: Buffer.from(match[1]!, "base64").toString("utf8") };
}

export function dropMapComment(js: string): string {
  return js.replace(FILE_MAP_COMMENT, "\n");
}
