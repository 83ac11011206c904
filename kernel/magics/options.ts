// The one option parser of the magics, and the usage text written from the same declaration.
// IPython's syntax: `-n 10`, `-n10`, `-q`, `--top 5`, `--top=5`, `--` ends the options. A value
// may be `{expression}` with spaces in it. In a form that takes code, options stop at the first
// token that is not one, and the code is left exactly as written.
import type { Magic, MagicForm, OptionSpec, OptionSpecs } from "./contract.js";

export type Fail = (message: string) => Error;
export type FormKind = "line" | "cell";

/** The arguments as written: option values not yet expanded nor typed. */
export interface RawArgs {
  /** key → the value as written (true for a flag), and the option as the user spelled it. */
  options: Map<string, { value: string | true; as: string }>;
  words: string[];
  /** The options' part of the text, as written. */
  optionsText: string;
  /** Code forms: what follows the options, as written. */
  code: string;
}

interface Token {
  text: string;
  start: number;
  end: number;
}

/**
 * The token from `pos`: whitespace ends it, except inside `{…}` (an expression may hold spaces)
 * and, in forms that take quoted arguments, inside quotes.
 */
function tokenAt(text: string, pos: number, quoted = false): Token | null {
  let start = pos;
  while (start < text.length && /\s/.test(text[start]!)) start++;
  if (start >= text.length) return null;
  let depth = 0;
  let quote: string | null = null;
  let end = start;
  for (; end < text.length; end++) {
    const c = text[end]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "{") depth++;
    else if (c === "}" && depth > 0) depth--;
    else if (depth === 0 && quoted && (c === '"' || c === "'")) quote = c;
    else if (depth === 0 && /\s/.test(c)) break;
  }
  return { text: text.slice(start, end), start, end };
}

/** A quoted argument as the shell reads it: the quotes go (outside `{…}`), what they hold stays. */
export function unquote(word: string): string {
  let out = "";
  let depth = 0;
  let quote: string | null = null;
  for (const c of word) {
    if (quote) {
      if (c === quote) quote = null;
      else out += c;
    } else if (depth === 0 && (c === '"' || c === "'")) quote = c;
    else {
      if (c === "{") depth++;
      else if (c === "}" && depth > 0) depth--;
      out += c;
    }
  }
  return out;
}

// `-1` and `-x.y` are code (a negative number, a negated expression), never options.
const isOption = (token: string) => /^--?[A-Za-z]/.test(token);

export function activeOptions(specs: OptionSpecs | undefined, form: FormKind): [string, OptionSpec][] {
  return Object.entries(specs ?? {}).filter(([, s]) => !s.only || s.only === form);
}

function lookup(token: string, options: [string, OptionSpec][], fail: Fail): { key: string; spec: OptionSpec; as: string; inline: string | undefined } {
  if (token.startsWith("--")) {
    const eq = token.indexOf("=");
    const name = token.slice(2, eq < 0 ? undefined : eq);
    const found = options.find(([key, s]) => (key.length > 1 && key === name) || s.aliases?.includes(name));
    if (!found) throw fail(`unknown option --${name}.`);
    return { key: found[0], spec: found[1], as: `--${name}`, inline: eq < 0 ? undefined : token.slice(eq + 1) };
  }
  const letter = token[1]!;
  const found = options.find(([key, s]) => (key.length === 1 && key === letter) || s.short === letter);
  if (!found) throw fail(`unknown option -${letter}.`);
  return { key: found[0], spec: found[1], as: `-${letter}`, inline: token.length > 2 ? token.slice(2) : undefined };
}

/** Whether `token` names one of the declared options (a command form leaves any other to the command). */
function declares(token: string, options: [string, OptionSpec][]): boolean {
  if (!isOption(token)) return false;
  try {
    lookup(token, options, (m) => new Error(m));
    return true;
  } catch {
    return false;
  }
}

/**
 * A command form: the magic's options wherever they are (before `--`), the rest the command as
 * written, each option taken out with the space after it.
 */
function readCommand(text: string, declared: [string, OptionSpec][], fail: Fail): RawArgs {
  const options: RawArgs["options"] = new Map();
  // Without options of its own, all of it is the command (`!git diff -- file` keeps its `--`).
  if (declared.length === 0) return { options, words: [], optionsText: "", code: text.trim() };
  const kept: string[] = [];
  let pos = 0;
  let from = 0;
  for (;;) {
    const token = tokenAt(text, pos);
    if (!token) break;
    const isEnd = token.text === "--";
    if (!isEnd && !declares(token.text, declared)) {
      pos = token.end;
      continue;
    }
    kept.push(text.slice(from, token.start));
    pos = token.end;
    if (!isEnd) {
      const { key, spec, as, inline } = lookup(token.text, declared, fail);
      let value: string | true = true;
      if (spec.type !== "flag") {
        const next = inline === undefined ? tokenAt(text, pos) : null;
        if (!inline && !next) throw fail(`option ${as} needs a value.`);
        value = inline || next!.text;
        if (next && !inline) pos = next.end;
      } else if (inline !== undefined) throw fail(`option ${as} takes no value.`);
      options.set(key, { value, as });
    }
    from = /^\s*/.exec(text.slice(pos))![0].length + pos;
    if (isEnd) break;
  }
  kept.push(text.slice(from));
  return { options, words: [], optionsText: "", code: kept.join("").trim() };
}

/** Reads the options (and, in forms without code, the words between them) without expanding them. */
export function readArgs(text: string, specs: OptionSpecs | undefined, form: FormKind, shape: MagicForm, fail: Fail): RawArgs {
  if (shape.command) return readCommand(text, activeOptions(specs, form), fail);
  const options: RawArgs["options"] = new Map();
  const words: string[] = [];
  const declared = activeOptions(specs, form);
  let pos = 0;
  let optionsEnd = 0;
  let reading = declared.length > 0;
  const quoted = Boolean(shape.quoted);
  for (;;) {
    const token = tokenAt(text, pos, quoted);
    if (!token) break;
    if (reading && token.text === "--") {
      reading = false;
      pos = optionsEnd = token.end;
      continue;
    }
    if (!reading || !isOption(token.text)) {
      if (shape.code) break;
      words.push(quoted ? unquote(token.text) : token.text);
      pos = token.end;
      if (shape.optionsBeforeArgs) reading = false;
      continue;
    }
    pos = token.end;
    const { key, spec, as, inline } = lookup(token.text, declared, fail);
    if (spec.type === "flag") {
      if (inline !== undefined) throw fail(`option ${as} takes no value.`);
      options.set(key, { value: true, as });
    } else {
      let value = inline;
      if (!value) {
        const next = inline === undefined ? tokenAt(text, pos, quoted) : null;
        if (!next) throw fail(`option ${as} needs a value.`);
        value = quoted ? unquote(next.text) : next.text;
        pos = next.end;
      }
      options.set(key, { value, as });
    }
    optionsEnd = pos;
  }
  return { options, words, optionsText: text.slice(0, optionsEnd).trim(), code: shape.code ? text.slice(optionsEnd).trim() : "" };
}

function typed(text: string, spec: OptionSpec, as: string, fail: Fail): string | number {
  if (spec.type === "string") return text;
  const n = Number(text);
  const whole = spec.type === "int";
  if (text.trim() === "" || !Number.isFinite(n) || (whole && !Number.isInteger(n)) || (spec.min !== undefined && n < spec.min)) {
    const what = whole ? (spec.min === 1 ? "a positive whole number" : "a whole number") : "a number";
    const bound = spec.min !== undefined && spec.min !== 1 ? ` of at least ${spec.min}` : "";
    throw fail(`option ${as} needs ${what}${bound}, got ${JSON.stringify(text)}.`);
  }
  return n;
}

/** Expands values and words, then types and checks the values; absent options take their default. */
export function resolveArgs(raw: RawArgs, specs: OptionSpecs | undefined, form: FormKind, expand: (text: string) => string, fail: Fail): { options: Record<string, unknown>; args: string[] } {
  const options: Record<string, unknown> = {};
  for (const [key, spec] of activeOptions(specs, form)) {
    const given = raw.options.get(key);
    if (spec.type === "flag") options[key] = given !== undefined;
    else options[key] = given === undefined ? spec.default : typed(expand(given.value as string), spec, given.as, fail);
  }
  return { options, args: raw.words.map(expand) };
}

/** Options as they would be written (those not at their default), for a magic that re-emits its own call. */
export function optionsText(specs: OptionSpecs | undefined, values: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, spec] of Object.entries(specs ?? {})) {
    const value = values[key];
    if (value === undefined || value === false || value === spec.default) continue;
    const flag = key.length === 1 ? `-${key}` : `--${key}`;
    // Written back literally: `{`, `}` and `$` would be expanded again.
    parts.push(spec.type === "flag" ? flag : `${flag} ${String(value).replace(/[{}$]/g, (c) => c + c)}`);
  }
  return parts.join(" ");
}

// ---------------------------------------------------------------------------------------------
// Usage text.

function valueName(key: string, spec: OptionSpec): string {
  return spec.value ?? key.toUpperCase();
}

/** `-q`, `-n<N>` (IPython's way for short options), `--json`, `--top N`. */
function synopsisOf(key: string, spec: OptionSpec): string {
  if (key.length === 1) return spec.type === "flag" ? `-${key}` : `-${key}<${valueName(key, spec)}>`;
  return spec.type === "flag" ? `--${key}` : `--${key} ${valueName(key, spec)}`;
}

function tableLabel(key: string, spec: OptionSpec): string {
  const names = [spec.short ? `-${spec.short}, ` : "", synopsisOf(key, spec), ...(spec.aliases ?? []).map((a) => ` (or --${a})`)];
  return names.join("");
}

function formLine(magic: Magic, form: FormKind): string {
  const shape = magic[form]!;
  const prefix = form === "line" ? "%" : "%%";
  const note = shape.note ?? (form === "cell" ? "first line of a cell" : undefined);
  const words = [`${prefix}${magic.name}`, ...activeOptions(magic.options, form).map(([k, s]) => `[${synopsisOf(k, s)}]`), ...(shape.args ? [shape.args] : [])];
  return `${words.join(" ")}${note ? `   (${note})` : ""}`;
}

/** `%name?`, `%magic` and every UsageError show this: the forms, the description, the options. */
export function usageText(magic: Magic): string {
  const forms = (["line", "cell"] as const).filter((f) => magic[f]).map((f) => formLine(magic, f));
  const entries = Object.entries(magic.options ?? {});
  const labels = entries.map(([k, s]) => tableLabel(k, s));
  const width = Math.max(0, ...labels.map((l) => l.length));
  const table = entries.map(([, spec], i) => {
    const only = spec.only && magic.line && magic.cell ? ` (${spec.only === "line" ? "%" : "%%"}${magic.name} only)` : "";
    const help = `${spec.help}${spec.default !== undefined ? ` (default ${spec.default})` : ""}${only}`.replace(/\n/g, `\n${" ".repeat(width + 4)}`);
    return `  ${labels[i]!.padEnd(width)}  ${help}`;
  });
  return [forms.join("\n"), "", magic.description, ...(table.length ? ["", "Options:", ...table] : [])].join("\n");
}
