// IPython's variable expansion in magic arguments: `%workers {n}`, `%%workers -n $ranks`.
// `{expression}` and `$name` take their value from the notebook's variables when the magic runs;
// `{{`, `}}` and `$$` stand for `{`, `}` and `$`. As in IPython, an expansion that cannot be
// evaluated (an unknown name, a syntax error) leaves the text as it was written.
import type { ExpandInCell } from "./contract.js";

type Part = { text: string } | { expr: string; raw: string };

function parse(args: string): Part[] {
  const parts: Part[] = [];
  let text = "";
  for (let i = 0; i < args.length; i++) {
    const c = args[i]!;
    const next = args[i + 1];
    if ((c === "$" && next === "$") || (c === "{" && next === "{") || (c === "}" && next === "}")) {
      text += c;
      i++;
    } else if (c === "$" && next !== undefined && /[A-Za-z_]/.test(next)) {
      const name = /^[A-Za-z_$][\w$]*/.exec(args.slice(i + 1))![0];
      parts.push({ text }, { expr: name, raw: `$${name}` });
      text = "";
      i += name.length;
    } else if (c === "{") {
      let depth = 1;
      let j = i + 1;
      for (; j < args.length && depth > 0; j++) depth += args[j] === "{" ? 1 : args[j] === "}" ? -1 : 0;
      if (depth > 0) {
        text += args.slice(i);
        break;
      }
      parts.push({ text }, { expr: args.slice(i + 1, j - 1), raw: args.slice(i, j) });
      text = "";
      i = j - 1;
    } else {
      text += c;
    }
  }
  parts.push({ text });
  return parts;
}

function evaluate(expr: string, scope: Record<string, unknown>): { ok: true; value: unknown } | { ok: false } {
  const names = Object.keys(scope).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
  try {
    // The notebook's variables as parameters: the expression sees them, and nothing it does
    // declares anything in the notebook.
    const fn = new Function(...names, `"use strict"; return (${expr});`) as (...values: unknown[]) => unknown;
    return { ok: true, value: fn(...names.map((n) => scope[n])) };
  } catch {
    return { ok: false };
  }
}

/** An assignment or an increment: `{ n = 0 }` is awk's, and an expansion only reads values. */
const MUTATES = /(?:^|[^=!<>])=(?![=>])|\+\+|--/;

/** Where the line is first (its block's variables), then the notebook's variables. */
function evaluateHere(expr: string, scope: Record<string, unknown>, inCell: ExpandInCell): { ok: true; value: unknown } | { ok: false } {
  if (MUTATES.test(expr)) return { ok: false };
  try {
    return { ok: true, value: inCell(expr) };
  } catch {
    return evaluate(expr, scope);
  }
}

/**
 * The arguments with their `{expr}` and `$name` replaced by values: where the line is when
 * `inCell` is given (a loop's variable), else from the notebook's variables in `scope`.
 */
export function expandArgs(args: string, scope: Record<string, unknown>, inCell?: ExpandInCell): string {
  if (!/[${}]/.test(args)) return args;
  return parse(args)
    .map((p) => {
      if ("text" in p) return p.text;
      const result = inCell ? evaluateHere(p.expr, scope, inCell) : evaluate(p.expr, scope);
      return result.ok ? String(result.value) : p.raw;
    })
    .join("");
}
