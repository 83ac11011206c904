// The instructor's markers, nbgrader's convention in TypeScript comments, each on a line of its own:
//   // BEGIN SOLUTION[: what to write]   …   // END SOLUTION        (the learner writes this)
//   // BEGIN HIDDEN TESTS                …   // END HIDDEN TESTS    (only grading runs this)
// A region is a run of whole lines; the learner's copy replaces a solution region by a stub and
// drops hidden regions.
import { CourseError } from "./errors.js";

export type RegionKind = "solution" | "hidden";

const MARKERS: Record<RegionKind, { begin: RegExp; end: RegExp; name: string }> = {
  solution: { begin: /^(\s*)\/\/\s*BEGIN SOLUTION\b:?\s*(.*?)\s*$/, end: /^\s*\/\/\s*END SOLUTION\s*$/, name: "SOLUTION" },
  hidden: { begin: /^(\s*)\/\/\s*BEGIN HIDDEN TESTS\s*$/, end: /^\s*\/\/\s*END HIDDEN TESTS\s*$/, name: "HIDDEN TESTS" },
};

export interface Region {
  kind: RegionKind;
  /** 0-based line of the BEGIN marker and of the END marker. */
  begin: number;
  end: number;
  /** The BEGIN marker's indentation: the stub is written at it. */
  indent: string;
  /** Text after `BEGIN SOLUTION:`, the instructor's words for what to write; "" when none. */
  instruction: string;
  /** The lines between the markers. */
  body: string[];
}

/** The regions of one kind in a cell's source; a CourseError for an unbalanced or nested marker. */
export function findRegions(source: string, kind: RegionKind, where: string): Region[] {
  const { begin, end, name } = MARKERS[kind];
  const lines = source.split("\n");
  const regions: Region[] = [];
  let open: { line: number; indent: string; instruction: string } | null = null;
  lines.forEach((line, i) => {
    const b = begin.exec(line);
    if (b) {
      if (open) throw new CourseError(`${where}, line ${i + 1}: BEGIN ${name} inside the region opened on line ${open.line + 1} (close it with // END ${name} first)`);
      open = { line: i, indent: b[1] ?? "", instruction: b[2] ?? "" };
    } else if (end.test(line)) {
      if (!open) throw new CourseError(`${where}, line ${i + 1}: END ${name} without a BEGIN ${name} before it`);
      const o: { line: number; indent: string; instruction: string } = open;
      regions.push({ kind, begin: o.line, end: i, indent: o.indent, instruction: o.instruction, body: lines.slice(o.line + 1, i) });
      open = null;
    }
  });
  if (open) throw new CourseError(`${where}, line ${(open as { line: number }).line + 1}: BEGIN ${name} is never closed (add // END ${name})`);
  return regions;
}

/** The source with each region replaced by `replace(region)` (lines), markers included. */
export function replaceRegions(source: string, regions: Region[], replace: (region: Region) => string[]): string {
  const lines = source.split("\n");
  const out: string[] = [];
  let at = 0;
  for (const r of regions) {
    out.push(...lines.slice(at, r.begin), ...replace(r));
    at = r.end + 1;
  }
  out.push(...lines.slice(at));
  return out.join("\n");
}

/** The source without its hidden tests (what the learner sees and `%%check` runs). */
export function withoutHidden(source: string, where: string): string {
  return replaceRegions(source, findRegions(source, "hidden", where), () => []);
}

/** What a failed hidden test's message starts with, so that graders can tell it from a visible one. */
export const HIDDEN_FAILURE = "hidden test: ";

/**
 * The whole check for grading: visible assertions, then the hidden tests in a block whose
 * failures say they are hidden. One piece of code, so that hidden tests see what the visible part
 * declared, also on the ranks of a `%%workers` or `%%mpi` check; lines keep their numbers.
 * Null when there are no hidden tests.
 */
export function withHiddenTests(source: string, where: string): string | null {
  const regions = findRegions(source, "hidden", where);
  if (regions.length === 0) return null;
  return replaceRegions(source, regions, (r) => [
    `${r.indent}try {`,
    ...r.body,
    `${r.indent}} catch (hiddenFailure) { if (hiddenFailure instanceof Error) hiddenFailure.message = ${JSON.stringify(HIDDEN_FAILURE)} + hiddenFailure.message; throw hiddenFailure; }`,
  ]);
}

/** The solution with its markers taken out: what a learner who solved it would have written. */
export function withoutSolutionMarkers(source: string, where: string): string {
  return replaceRegions(source, findRegions(source, "solution", where), (r) => r.body);
}

/**
 * Names a region declares at its own level (`const a = …, b = …`, `let`, `var`, `function`,
 * `class`, simple destructuring): what the stub asks the learner to define.
 */
export function declaredNames(region: Region): string[] {
  const names: string[] = [];
  for (const line of region.body) {
    if (!line.startsWith(region.indent) || /^\s/.test(line.slice(region.indent.length))) continue;
    const text = line.slice(region.indent.length);
    const fn = /^(?:export\s+)?(?:async\s+)?(?:function\*?|class)\s+([A-Za-z_$][\w$]*)/.exec(text);
    if (fn) {
      names.push(fn[1]!);
      continue;
    }
    const decl = /^(?:export\s+)?(?:const|let|var)\s+(.*)$/.exec(text);
    if (decl) names.push(...declaratorNames(decl[1]!));
  }
  return [...new Set(names)];
}

/** `a = 1, { b, c: d } = o, [e] = xs` → a, b, d, e (top-level commas only). */
function declaratorNames(rest: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let current = "";
  for (const ch of rest) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else if ("([{<".includes(ch)) depth++;
    else if (")]}>".includes(ch)) depth--;
    else if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
      continue;
    }
    current += ch;
  }
  parts.push(current);
  const names: string[] = [];
  for (const [i, part] of parts.entries()) {
    const p = part.trim();
    const pattern = /^([{[])([^=]*?)[}\]]/.exec(p);
    if (pattern) {
      for (const piece of pattern[2]!.split(",")) {
        const name = /(?:[\w$]+\s*:\s*)?\.{0,3}([A-Za-z_$][\w$]*)/.exec(piece.trim())?.[1];
        if (name) names.push(name);
      }
    } else {
      const name = /^([A-Za-z_$][\w$]*)\s*(?:[:=]|$)/.exec(p)?.[1];
      // After the first declarator, a part without `=` is more likely an argument list spilling over.
      if (name && (i === 0 || /^[A-Za-z_$][\w$]*\s*[:=]/.test(p))) names.push(name);
    }
  }
  return names;
}

/** "a", "a and b", "a, b and c". */
export function listNames(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}
