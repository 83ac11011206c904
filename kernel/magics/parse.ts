// IPython's magic syntax on TypeScript cells. A line magic becomes one line of TypeScript
// that calls the magic at run time, so it runs in place and in the cell's scope, and every
// line keeps its number (errors and diagnostics point at the line the user wrote).
import type { Magic, MagicForm } from "./contract.js";
import type { MagicRegistry } from "./registry.js";
import { type KnownName, shellLines } from "./shell-lines.js";

export type CellPlan = { kind: "code"; code: string } | { kind: "cell-magic"; name: string; args: string; body: string } | { kind: "magic-help"; name: string } | { kind: "inspect"; expr: string };

const CELL_MAGIC = /^%%([A-Za-z_]\w*)[ \t]*(.*)$/;
/** indent, optional `const x =` / `x =` target, magic name, rest of the line. */
const LINE_MAGIC = /^(\s*)((?:(?:const|let|var)\s+[A-Za-z_$][\w$]*|[A-Za-z_$][\w$.]*)\s*=\s*)?%([A-Za-z_]\w*)(?:[ \t]+(.*?))?\s*$/;
const MAGIC_HELP = /^%%?([A-Za-z_]\w*)\?{1,2}$/;
const INSPECT = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\?{1,2}$/;
/** The first line %load writes into a cell (`# %load FILE`, IPython's): a comment, not code. */
const LOAD_MARKER = /^\s*# %load(?:\s.*)?$/;
const STATEMENT_START = /^(for|while|do|if|switch|try|let|const|var|throw|return|\{)\b|^\{/;

/** The line magic `!cmd` runs (its output streams into the cell). */
const SYSTEM_MAGIC = "system";
/** The line magic `!!cmd` and `x = !cmd` run (the output's lines are the value). */
const CAPTURE_MAGIC = "sx";
/** An expansion's expression evaluated where the line is: `!echo {i}` in a loop sees `i`. */
const IN_CELL = `(__parallab_expr__: string) => eval('"use strict"; (' + __parallab_expr__ + "\\n)")`;

/** `known` tells the notebook's variables, which `x = !name` leaves to TypeScript. */
export function planCell(code: string, registry: MagicRegistry, known?: KnownName): CellPlan {
  const trimmed = code.trim();
  const help = MAGIC_HELP.exec(trimmed);
  if (help) return { kind: "magic-help", name: help[1]! };
  const inspect = INSPECT.exec(trimmed);
  if (inspect) return { kind: "inspect", expr: inspect[1]! };
  const newline = code.indexOf("\n");
  const first = newline < 0 ? code : code.slice(0, newline);
  const cell = CELL_MAGIC.exec(first.trimEnd());
  if (cell) {
    registry.require(cell[1]!, "cell");
    return { kind: "cell-magic", name: cell[1]!, args: cell[2]!.trim(), body: newline < 0 ? "" : code.slice(newline + 1) };
  }
  const shell = shellLines(code, known);
  return {
    kind: "code",
    code: code
      .split("\n")
      .map((line, i) => {
        const bang = shell[i];
        return bang ? magicCall(bang.indent, bang.target, bang.capture ? CAPTURE_MAGIC : SYSTEM_MAGIC, bang.command, "undefined", true) : transformLine(line, registry);
      })
      .join("\n"),
  };
}

/** One awaited call of a line magic; a command's expansions are evaluated where the line is. */
function magicCall(indent: string, target: string, name: string, args: string, thunk: string, command: boolean): string {
  const inCell = command && /[{$]/.test(args) ? `, ${IN_CELL}` : "";
  return `${indent}${target}(await __parallab__.magic(${JSON.stringify(name)}, ${JSON.stringify(args)}, ${thunk}${inCell}));`;
}

function transformLine(line: string, registry: MagicRegistry): string {
  if (line.trimStart().startsWith("%%")) return line;
  if (LOAD_MARKER.test(line)) return "";
  const m = LINE_MAGIC.exec(line);
  if (!m) return line;
  const [, indent, target = "", name, rest = ""] = m;
  const magic = registry.require(name!, "line");
  let args = rest;
  let thunk = "undefined";
  if (magic.line!.code) {
    const { options, code } = registry.splitLine(magic, rest);
    args = options;
    if (code) {
      const body = STATEMENT_START.test(code) ? `{ ${code} }` : `(${code.replace(/;\s*$/, "")})`;
      thunk = `${/\bawait\b/.test(code) ? "async " : ""}() => ${body}`;
    }
  }
  return magicCall(indent!, target, name!, args, thunk, Boolean(magic.line!.command));
}

/**
 * Blanks magic syntax with spaces of the same length, so the compiler can complete and inspect
 * the TypeScript around it with unchanged offsets. The code part of `%time f(x)` stays.
 */
export function maskMagics(code: string, registry: MagicRegistry, known?: KnownName): string {
  const lines = code.split("\n");
  const shell = shellLines(code, known);
  return lines
    .map((line, i) => {
      if ((i === 0 && CELL_MAGIC.test(line.trimEnd())) || LOAD_MARKER.test(line)) return " ".repeat(line.length);
      const bang = shell[i];
      if (bang) return line.slice(0, bang.start) + valueMask(bang.target, line.length - bang.start);
      const m = LINE_MAGIC.exec(line);
      if (!m) return line;
      const [, indent = "", target = "", name = "", rest = ""] = m;
      const magic = registry.get(name);
      if (magic?.line?.command) return line.slice(0, indent.length + target.length) + valueMask(target, line.length - indent.length - target.length);
      const code = magic?.line?.code ? safeSplit(registry, magic, rest) : "";
      const keep = code ? line.lastIndexOf(code) : line.length;
      const start = indent.length + target.length;
      return line.slice(0, start) + " ".repeat(Math.max(0, keep - start)) + line.slice(keep);
    })
    .join("\n");
}

/** A command's lines, masked: `x = []` keeps `x` a complete statement with an array's completions. */
function valueMask(target: string, length: number): string {
  return target && length >= 2 ? `[]${" ".repeat(length - 2)}` : " ".repeat(length);
}

function safeSplit(registry: MagicRegistry, magic: Magic, rest: string): string {
  try {
    return registry.splitLine(magic, rest).code;
  } catch {
    return "";
  }
}

/** The magic name being typed at `cursor` (`%ti|` → { start, prefix: "ti", cell: false }), if any. */
export function magicNameAt(code: string, cursor: number): { start: number; prefix: string; cell: boolean } | null {
  const lineStart = code.lastIndexOf("\n", cursor - 1) + 1;
  const before = code.slice(lineStart, cursor);
  const m = /^(\s*(?:(?:const|let|var)\s+[\w$]+\s*=\s*|[\w$.]+\s*=\s*)?)(%%?)([A-Za-z_]\w*)?$/.exec(before);
  if (!m) return null;
  return { start: lineStart + m[1]!.length + m[2]!.length, prefix: m[3] ?? "", cell: m[2] === "%%" };
}

/**
 * The argument being typed at `cursor` when it is in a magic whose arguments are paths (`%cd`,
 * `%run`, the first line of `%%writefile`): the path typed so far, where it starts, and which
 * entries the magic takes.
 */
export function pathArgumentAt(code: string, cursor: number, registry: MagicRegistry): { start: number; typed: string; paths: NonNullable<MagicForm["paths"]> } | null {
  const lineStart = code.lastIndexOf("\n", cursor - 1) + 1;
  const before = code.slice(lineStart, cursor);
  const m = /^(\s*(?:(?:const|let|var)\s+[\w$]+\s*=\s*|[\w$.]+\s*=\s*)?)%(%?)([A-Za-z_]\w*)\s(.*)$/.exec(before);
  if (!m) return null;
  const cell = m[2] === "%";
  if (cell && lineStart !== 0) return null;
  const paths = registry.get(m[3]!)?.[cell ? "cell" : "line"]?.paths;
  if (!paths) return null;
  const args = m[4]!;
  // The word under the cursor: from the last space outside quotes, or from an open quote.
  let wordStart = 0;
  let quote: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const c = args[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
      wordStart = i + 1;
    } else if (/\s/.test(c)) wordStart = i + 1;
  }
  const typed = args.slice(wordStart);
  return { start: cursor - typed.length, typed, paths };
}
