import { UsageError } from "./registry.js";

export type OptionSpec = Record<string, "flag" | "value">;

/**
 * Reads IPython-style leading options (`-n 10`, `-n10`, `-q`) and returns them with the rest
 * of the line untouched, since the rest is code and must keep its spacing.
 */
export function splitOptions(line: string, spec: OptionSpec, usage: string): { options: Record<string, string | true>; rest: string } {
  const options: Record<string, string | true> = {};
  let pos = 0;
  for (;;) {
    const token = /^\s*(\S+)/.exec(line.slice(pos));
    if (!token || !token[1]!.startsWith("-") || token[1] === "-" || /^-\d/.test(token[1]!)) break;
    const flag = token[1]!.slice(1, 2);
    const kind = spec[flag];
    if (!kind) throw new UsageError(`unknown option -${flag}.\n${usage}`);
    pos += token[0].length;
    if (kind === "flag") {
      if (token[1]!.length > 2) throw new UsageError(`option -${flag} takes no value.\n${usage}`);
      options[flag] = true;
      continue;
    }
    let value = token[1]!.slice(2);
    if (!value) {
      // A `{expression}` value (expanded when the magic runs) may hold spaces.
      const next = /^\s*(\{[^{}]*\}|\S+)/.exec(line.slice(pos));
      if (!next) throw new UsageError(`option -${flag} needs a value.\n${usage}`);
      value = next[1]!;
      pos += next[0].length;
    }
    options[flag] = value;
  }
  return { options, rest: line.slice(pos).trim() };
}

export function positiveInt(value: string | true | undefined, flag: string, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value === true || !Number.isInteger(n) || n < 1) throw new UsageError(`option -${flag} needs a positive whole number, got ${JSON.stringify(value)}.\n${usage}`);
  return n;
}
