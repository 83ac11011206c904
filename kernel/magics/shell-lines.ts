import os from "node:os";
import { isExecutable, onPath } from "../../common/commands.js";

/** A `!` line: `!cmd` streams its output, `!!cmd` and `x = !cmd` capture it as lines. */
export interface ShellLine {
  indent: string;
  /** `const x = ` / `x = `, as written ("" for a statement). */
  target: string;
  /** true for `!!cmd` and `x = !cmd` (the lines as string[]), false for `!cmd`. */
  capture: boolean;
  /** The command as written (not yet expanded). */
  command: string;
  /** Where the `!` syntax starts on the line (the target stays TypeScript). */
  start: number;
}

/** A name the notebook knows as a variable (its cells' declarations), besides the cell's own and the globals. */
export type KnownName = (name: string) => boolean;

const BANG = /^(\s*)((?:(?:const|let|var)\s+[A-Za-z_$][\w$]*|[A-Za-z_$][\w$.]*)\s*=\s*)?(!!?)(.*)$/;
/** Other magic lines: never scanned as code (they are one statement each). */
const PERCENT_LINE = /^\s*(?:(?:(?:const|let|var)\s+[A-Za-z_$][\w$]*|[A-Za-z_$][\w$.]*)\s*=\s*)?%[A-Za-z_]/;
/** `!function () {}()` and `!(async () => …)()`: JavaScript's own idioms. */
const JS_IDIOM = /^[\s(]*(?:async\b|function\b)/;
/** POSIX shell builtins and keywords a command may start with (true/false stay TypeScript's). */
const SHELL_WORDS = new Set([
  ".",
  ":",
  "[",
  "alias",
  "bg",
  "cd",
  "command",
  "echo",
  "eval",
  "exec",
  "exit",
  "export",
  "fg",
  "getopts",
  "hash",
  "if",
  "for",
  "while",
  "jobs",
  "kill",
  "printf",
  "pwd",
  "read",
  "readonly",
  "set",
  "shift",
  "source",
  "test",
  "times",
  "trap",
  "type",
  "ulimit",
  "umask",
  "unalias",
  "unset",
  "wait",
]);
/** Tokens a line cannot end a statement with: the next line goes on with the expression. */
const CONTINUES = /(?:[=([,+\-*/%&|^!~?<.]|=>|>=|>>|\b(?:return|typeof|await|new|delete|void|in|of|instanceof|yield|case|throw|extends|keyof)$)$/;

/** Every line's `!` command, or null for a line of TypeScript (or another magic). */
export function shellLines(code: string, known: KnownName = () => false): (ShellLine | null)[] {
  const lines = code.split("\n");
  const candidates = lines.map((line) => (PERCENT_LINE.test(line) ? null : BANG.exec(line)));
  const names = cellIdentifiers(lines, candidates);
  const scanner = new StatementScanner();
  return lines.map((line, i) => {
    const m = candidates[i];
    const atStatement = scanner.atStatementStart();
    const shell = m && atStatement ? asShellLine(m, (n) => names.has(n) || known(n) || n in globalThis) : null;
    if (shell || (atStatement && PERCENT_LINE.test(line))) scanner.skipStatement();
    else scanner.scan(line);
    return shell;
  });
}

function asShellLine(m: RegExpExecArray, isName: (name: string) => boolean): ShellLine | null {
  const [, indent = "", target = "", bangs = "", rest = ""] = m;
  const start = indent.length + target.length;
  if (!target) {
    if (bangs === "!" && JS_IDIOM.test(rest)) return null;
    return { indent, target, capture: bangs === "!!", command: rest.trim(), start };
  }
  // `x = !!y` is TypeScript's boolean cast; `x = !y` is a command only when y can only be one.
  if (bangs === "!!" || !isCommand(rest.trim(), isName, /^(?:(?:const|let|var)\s+)?([A-Za-z_$][\w$]*)/.exec(target)![1]!)) return null;
  return { indent, target, capture: true, command: rest.trim(), start };
}

function isCommand(command: string, isName: (name: string) => boolean, targetName: string): boolean {
  if (command.startsWith("{")) return true;
  const dollar = /^\$([A-Za-z_]\w*)/.exec(command);
  if (dollar) return !isName(`$${dollar[1]}`);
  const word = /^\S*/.exec(command)![0];
  if (/^[A-Za-z_]\w*=/.test(word)) return true; // FOO=1 cmd
  if (/^(?:~|\.{1,2})?\/[\w./+-]*$/.test(word)) return isExecutable(word.replace(/^~/, os.homedir()));
  if (!/^[\w.+-]+$/.test(word) || word === targetName || isName(word)) return false;
  return SHELL_WORDS.has(word) || onPath(word) !== null;
}

/** Identifiers of the cell's code (not of its `!` commands' text, nor of `//` comments): its variables, parameters, uses. */
function cellIdentifiers(lines: string[], candidates: (RegExpExecArray | null)[]): Set<string> {
  const names = new Set<string>();
  lines.forEach((line, i) => {
    const m = candidates[i];
    const codePart = m ? (m[2] ?? "") : PERCENT_LINE.test(line) ? "" : line.replace(/\/\/.*$/, "");
    for (const word of codePart.match(/[A-Za-z_$][\w$]*/g) ?? []) names.add(word);
  });
  return names;
}

type Frame = "{" | "(" | "[" | "${";

/**
 * Just enough of JavaScript's lexical structure to tell where statements start: brackets,
 * strings, templates (with `${}` inside), comments, regular expressions, and the last token,
 * which says whether the expression goes on past the end of a line.
 */
class StatementScanner {
  private readonly stack: Frame[] = [];
  private mode: "code" | "template" | "comment" = "code";
  /** The last significant token of the code so far ("" at the start: a statement starts). */
  private last = "";

  atStatementStart(): boolean {
    const top = this.stack.at(-1);
    return this.mode === "code" && (top === undefined || top === "{") && !(CONTINUES.test(this.last) && !/(\+\+|--)$/.test(this.last));
  }

  /** A line that is a statement of its own (a magic): the next line starts another. */
  skipStatement(): void {
    if (this.mode === "code") this.last = ";";
  }

  scan(line: string): void {
    let i = 0;
    const n = line.length;
    while (i < n) {
      const c = line[i]!;
      if (this.mode === "comment") {
        const end = line.indexOf("*/", i);
        if (end < 0) return;
        this.mode = "code";
        i = end + 2;
        continue;
      }
      if (this.mode === "template") {
        if (c === "\\") i += 2;
        else if (c === "`") {
          this.mode = "code";
          this.last = "x";
          i++;
        } else if (c === "$" && line[i + 1] === "{") {
          this.stack.push("${");
          this.mode = "code";
          this.last = "(";
          i += 2;
        } else i++;
        continue;
      }
      if (/\s/.test(c)) {
        i++;
        continue;
      }
      if (c === "/" && line[i + 1] === "/") return;
      if (c === "/" && line[i + 1] === "*") {
        this.mode = "comment";
        i += 2;
        continue;
      }
      if (c === "'" || c === '"') {
        i = endOfQuoted(line, i, c);
        this.last = "x";
        continue;
      }
      if (c === "`") {
        this.mode = "template";
        i++;
        continue;
      }
      if (c === "/" && this.regexMayStart()) {
        i = endOfRegex(line, i);
        this.last = "x";
        continue;
      }
      const word = /^[A-Za-z_$][\w$]*|^\d[\w.]*/.exec(line.slice(i));
      if (word) {
        this.last = word[0];
        i += word[0].length;
        continue;
      }
      if (c === "{" || c === "(" || c === "[") this.stack.push(c);
      else if (c === "}" || c === ")" || c === "]") {
        const frame = this.stack.pop();
        if (frame === "${") {
          this.mode = "template";
          i++;
          continue;
        }
      }
      const op = /^(?:=>|\+\+|--|>=|>>)/.exec(line.slice(i));
      this.last = op ? op[0] : c;
      i += op ? op[0].length : 1;
    }
  }

  private regexMayStart(): boolean {
    return this.last === "" || /^[=([,!&|?{};:+\-*%<>~^]$|^=>$/.test(this.last) || /^(?:return|typeof|case|in|of|new|delete|void|throw|yield|await)$/.test(this.last);
  }
}

function endOfQuoted(line: string, start: number, quote: string): number {
  for (let i = start + 1; i < line.length; i++) {
    if (line[i] === "\\") i++;
    else if (line[i] === quote) return i + 1;
  }
  return line.length;
}

function endOfRegex(line: string, start: number): number {
  let inClass = false;
  for (let i = start + 1; i < line.length; i++) {
    const c = line[i];
    if (c === "\\") i++;
    else if (c === "[") inClass = true;
    else if (c === "]") inClass = false;
    else if (c === "/" && !inClass) return i + 1;
  }
  return line.length;
}
