import { inspect } from "node:util";
import type { ErrorContent } from "../protocol/messages.js";
import type { CellSourceMap } from "./source-maps.js";
import { type ErrorKind, InterruptError, ParallabError, UsageError } from "../../common/errors.js";

const RED = "\u001b[0;31m";
const GREEN = "\u001b[0;32m";
const CYAN = "\u001b[0;36m";
const RESET = "\u001b[0m";

/** Thrown into a cell's race when the user interrupts it (the one interrupt error, in common/errors.ts). */

/** What we keep of each executed cell to point errors at its own lines. */
export interface CellRecord {
  label: string;
  lines: string[];
  map: CellSourceMap | null;
  /** The script V8 ran for the cell (tslab's wrapper included), to find functions in it. */
  script?: string;
}

/** Script names V8 puts in stack frames: `cell-<seq>`. */
export const cellScriptName = (seq: number) => `cell-${seq}`;
// `at async cell-3:…` is a frame of a cell that awaited (a line magic, say).
const FRAME = /^\s*at (?:async )?(?:(.*?) \()?(cell-(\d+)):(\d+):(\d+)\)?$/;
const INTERNAL_FRAME =
  /\((?:node:|.*\/tslab\/dist\/|.*\/piscina\/dist\/|.*\/dist\/(?:kernel|common)\/)|^\s*at (?:node:|new Promise \(<anonymous>\)|process\.processTicksAndRejections|file:\/\/.*\/dist\/(?:kernel|common)\/)/;

export interface TsDiagnostic {
  line: number; // 0-based
  character: number; // 0-based
  code: number;
  messageText: string;
  category: number;
  fileName?: string;
}

/** TypeScript diagnostics of a cell → one `error` output, lines numbered as the user wrote them. */
export function diagnosticsError(diagnostics: TsDiagnostic[], cell: CellRecord): ErrorContent {
  const traceback: string[] = [];
  for (const diagnostic of diagnostics) {
    const d = diagnostic.fileName ? diagnostic : withinCell(diagnostic, cell.lines);
    const where = d.fileName ? `${d.fileName}:${d.line + 1}:${d.character + 1}` : `${cell.label}, line ${d.line + 1}, col ${d.character + 1}`;
    traceback.push(`${RED}error TS${d.code}${RESET}: ${d.messageText}`, `${CYAN}${where}${RESET}`);
    if (!d.fileName) traceback.push(...codeContext(cell.lines, d.line + 1, d.character));
    traceback.push("");
  }
  const first = diagnostics[0]!;
  const count = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : "";
  return { ename: "TSError", evalue: `TS${first.code}: ${first.messageText}${count}`, traceback: traceback.slice(0, -1) };
}

/**
 * An error at the end of the text the compiler saw (`'}' expected.`) can lie past the cell's
 * last line: tslab appends `export { … }` to a declaring cell. It belongs at the cell's end.
 */
function withinCell(d: TsDiagnostic, lines: string[]): TsDiagnostic {
  const last = lines.length - 1;
  return d.line <= last ? d : { ...d, line: last, character: lines[last]!.length };
}

/** A diagnostic in a file (a script %run checks): where it is, and the file's lines to show around it. */
export interface FileDiagnostic {
  /** The file as the user named it. */
  shown: string;
  lines: string[];
  line: number; // 0-based
  character: number; // 0-based
  code: number;
  messageText: string;
}

/** TypeScript diagnostics of files → one `error` output: `FILE:LINE:COL`, the message, the lines around it. */
export function fileDiagnosticsError(diagnostics: FileDiagnostic[]): ErrorContent {
  const traceback: string[] = [];
  for (const d of diagnostics) {
    traceback.push(`${CYAN}${d.shown}:${d.line + 1}:${d.character + 1}${RESET} - ${RED}error TS${d.code}${RESET}: ${d.messageText}`, ...codeContext(d.lines, d.line + 1, d.character), "");
  }
  const first = diagnostics[0]!;
  const count = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : "";
  return { ename: "TSError", evalue: `${first.shown}:${first.line + 1}:${first.character + 1} TS${first.code}: ${first.messageText}${count}`, traceback: traceback.slice(0, -1) };
}

/** An error whose `error` output is already written (a file's type errors): shown as it is. */
export class ReportedError extends ParallabError {
  override readonly kind: ErrorKind = "cell";
  constructor(readonly content: ErrorContent) {
    super(content.evalue);
    this.name = content.ename;
  }
}

/** A thrown value → `error` content, stack frames of cells rewritten to the cells' own lines. */
export function runtimeError(thrown: unknown, cells: (seq: number) => CellRecord | undefined): ErrorContent {
  if (thrown instanceof ReportedError) return thrown.content;
  if (!(thrown instanceof Error)) {
    const shown = inspect(thrown);
    return { ename: "Uncaught", evalue: shown, traceback: [`${RED}Uncaught${RESET} ${shown}`] };
  }
  const ename = thrown.name || thrown.constructor?.name || "Error";
  const evalue = thrown.message ?? "";
  const traceback = [`${RED}${ename}${RESET}: ${evalue}`];
  // An assertion with its own message hides the values it compared: show them, as pytest does.
  const compared = assertionDetails(thrown);
  if (compared?.expected !== undefined) traceback.push(`  expected: ${compared.expected}`, `  actual:   ${compared.actual}`);
  // A misused magic or an interrupt is about the user's action, not about code: no stack.
  if (thrown instanceof UsageError || thrown instanceof InterruptError) return { ename, evalue, traceback };
  let context: string[] | null = null;
  const stack = typeof thrown.stack === "string" ? thrown.stack.split("\n") : [];
  for (const frame of stack.slice(1)) {
    if (!/^\s*at /.test(frame)) continue;
    const m = FRAME.exec(frame);
    if (!m) {
      if (!INTERNAL_FRAME.test(frame)) traceback.push(frame);
      continue;
    }
    const [, fn, , seq, line, col] = m;
    const cell = cells(Number(seq));
    const cellLine = cell?.map?.cellLine(Number(line), Number(col) - 1) ?? null;
    // The unmapped frame at the end is tslab's wrapper around the cell: not the user's code.
    if (cell && cellLine === null && !fn) continue;
    const where = cell ? `${cell.label}, line ${cellLine ?? "?"}` : `${m[2]}:${line}`;
    traceback.push(`    at ${fn ? `${fn} (${where})` : where}`);
    if (!context && cell && cellLine) context = [``, `${CYAN}${cell.label}${RESET}, line ${cellLine}:`, ...codeContext(cell.lines, cellLine)];
  }
  if (context) traceback.push(...context);
  return { ename, evalue, traceback };
}

/** IPython-style source excerpt with an arrow at `line` (1-based). */
function codeContext(lines: string[], line: number, column?: number): string[] {
  const out: string[] = [];
  const width = String(Math.min(lines.length, line + 1)).length;
  for (let n = Math.max(1, line - 1); n <= Math.min(lines.length, line + 1); n++) {
    const num = String(n).padStart(width);
    const arrow = n === line ? `${GREEN}---->${RESET} ` : "      ";
    out.push(`${arrow}${n === line ? GREEN : ""}${num}${n === line ? RESET : ""} ${lines[n - 1]}`);
    if (n === line && column != null) out.push(`${" ".repeat(7 + width + column)}${RED}^${RESET}`);
  }
  return out;
}

export interface AssertionDetails {
  message: string;
  /** The values compared, as util.inspect shows them; absent for assert.ok and assert.fail. */
  expected?: string;
  actual?: string;
}

/** What a failed `node:assert` assertion compared, or null for any other error. */
export function assertionDetails(thrown: unknown): AssertionDetails | null {
  const e = thrown as { code?: unknown; message?: unknown; operator?: unknown; expected?: unknown; actual?: unknown; generatedMessage?: unknown } | null;
  if (!(thrown instanceof Error) || e?.code !== "ERR_ASSERTION") return null;
  // Node adds the compared values after a blank line of a custom message: they are shown apart.
  const message = String(e.message ?? "").split("\n\n")[0]!;
  // assert.ok compares with true, and assert.fail compares nothing: no values worth showing. A
  // generated message already shows both values (with a diff).
  if (e.generatedMessage === true || e.operator === "==" || e.operator === "fail" || e.operator === undefined) return { message };
  const show = (v: unknown) => inspect(v, { depth: 2, breakLength: Infinity, maxArrayLength: 12, maxStringLength: 200 });
  return { message, expected: show(e.expected), actual: show(e.actual) };
}
