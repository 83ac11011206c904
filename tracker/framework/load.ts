// Loads the skills framework from skills/*.yaml: parses the YAML, validates every entry with the
// zod schemas in schema.ts, cross-checks the references between the files, and either returns
// the Framework or throws one FrameworkError that lists every problem found, each naming the
// file and the entry (e.g. `skills/roles.yaml: roles[2] (ml-engineer).requires.gpu-progamming:
// unknown competency "gpu-progamming" (did you mean "gpu-programming"?)`).
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseDocument } from "yaml";
import { PACKAGE_ROOT } from "../../common/paths.js";
import { FRAMEWORK_FILES, fileSchema, issueMessage, type FrameworkPart } from "./schema.js";
import { levelRank, type CatalogueItem, type Check, type Competency, type CurriculumNotebook, type Framework, type Level, type Role } from "./types.js";
import { editDistance } from "../../common/text.js";
import { DataError } from "../../common/errors.js";

/** The framework's data in this package. */
export const SKILLS_DIR = path.join(PACKAGE_ROOT, "skills");

/** Everything wrong with the framework's files; `errors` holds one line per problem. */
export class FrameworkError extends DataError {
  override name = "FrameworkError";
  readonly errors: readonly string[];
  constructor(errors: string[], dir: string) {
    const n = errors.length;
    super(`The skills framework in ${displayPath(dir)} has ${n} error${n === 1 ? "" : "s"}:\n${errors.map((e) => `  - ${e}`).join("\n")}`);
    this.errors = errors;
  }
}

/** A path relative to the package root when it is inside it, else as given. */
function displayPath(p: string): string {
  const rel = path.relative(PACKAGE_ROOT, p);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel.split(path.sep).join("/") : p;
}

type PathSegment = string | number;

/** One file as read: its raw data (for naming entries) and where its errors go. */
class SourceFile {
  readonly display: string;
  raw: unknown = undefined;
  readonly errors: string[] = [];
  constructor(
    readonly part: FrameworkPart,
    readonly file: string,
  ) {
    this.display = displayPath(file);
  }

  /**
   * `roles[2] (ml-engineer).requires.gpu-progamming`: list indexes carry their entry's id (a
   * variant's industry).
   */
  label(segments: readonly PathSegment[]): string {
    let out = "";
    let node: unknown = this.raw;
    for (const seg of segments) {
      const child: unknown = node !== null && typeof node === "object" ? (node as Record<PathSegment, unknown>)[seg] : undefined;
      if (typeof seg === "number") {
        out += `[${seg}]`;
        const entry = child !== null && typeof child === "object" && !Array.isArray(child) ? (child as { id?: unknown; industry?: unknown }) : undefined;
        const id = entry?.id ?? entry?.industry;
        if (typeof id === "string" || typeof id === "number") out += ` (${id})`;
      } else if (/^[\w-]+$/.test(seg)) out += out ? `.${seg}` : seg;
      else out += `[${JSON.stringify(seg)}]`;
      node = child;
    }
    return out;
  }

  error(segments: readonly PathSegment[], message: string): void {
    const where = this.label(segments);
    this.errors.push(`${this.display}: ${where ? `${where}: ` : ""}${message}`);
  }

  /** Adds an error without an entry (the whole file). */
  fileError(message: string): void {
    this.errors.push(`${this.display}: ${message}`);
  }
}

/** The entries of one file that passed their schema, with their index in the file's list. */
interface Valid<T> {
  index: number;
  value: T;
}

/** ` (did you mean "x"?)` for the nearest known name, or "". */
export function suggest(name: string, known: Iterable<string>): string {
  let best: string | null = null;
  let bestDistance = Infinity;
  const containing: string[] = [];
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
    if (name.length >= 3 && (k.includes(name) || name.includes(k))) containing.push(k);
  }
  if (best !== null && bestDistance <= Math.max(2, Math.floor(name.length / 4))) return ` (did you mean "${best}"?)`;
  if (containing.length === 1) return ` (did you mean "${containing[0]}"?)`;
  return "";
}

/** Where a YAML syntax error sits: `roles[2] (ml-engineer)` from the lines above it, or null. */
function entryAt(lines: string[], line: number): string | null {
  let key: string | null = null;
  let keyLine = -1;
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    const m = /^([A-Za-z_][\w-]*)\s*:/.exec(lines[i]!);
    if (m) {
      key = m[1]!;
      keyLine = i;
      break;
    }
  }
  if (key === null) return null;
  let indent: number | null = null;
  let index = -1;
  let id: string | null = null;
  for (let i = keyLine + 1; i < Math.min(line, lines.length); i++) {
    const m = /^(\s*)-(\s+|$)(.*)$/.exec(lines[i]!);
    if (!m) continue;
    indent ??= m[1]!.length;
    if (m[1]!.length !== indent) continue;
    index++;
    // The entry's own id: on its first line, or on a line indented as the entry's keys.
    const keyIndent = m[1]!.length + 1 + m[2]!.length;
    id = /^id\s*:\s*["']?([^"'#\s]+)/.exec(m[3]!)?.[1] ?? null;
    for (let j = i + 1; id === null && j < Math.min(line, lines.length); j++) {
      const lead = /^\s*/.exec(lines[j]!)![0].length;
      if (lines[j]!.trim() && lead < keyIndent) break;
      if (lead === keyIndent) id = /^\s*id\s*:\s*["']?([^"'#\s]+)/.exec(lines[j]!)?.[1] ?? null;
    }
  }
  if (index < 0) return key;
  return `${key}[${index}]${id ? ` (${id})` : ""}`;
}

function readYaml(source: SourceFile): boolean {
  let text: string;
  try {
    text = readFileSync(source.file, "utf8");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    source.fileError(e.code === "ENOENT" ? "file not found" : `cannot read: ${e.message}`);
    return false;
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    const lines = text.split(/\r?\n/);
    for (const err of doc.errors) {
      const pos = err.linePos?.[0];
      const entry = pos ? entryAt(lines, pos.line) : null;
      const where = pos ? `line ${pos.line}, column ${pos.col}${entry ? ` (in ${entry})` : ""}` : "";
      source.fileError(`${where ? `${where}: ` : ""}YAML syntax error: ${err.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`);
    }
    return false;
  }
  source.raw = doc.toJS();
  return true;
}

/** Validates a file's top level and each entry of its list; returns the valid entries. */
function validate<T>(source: SourceFile): { entries: Valid<T>[] } | null {
  const { key, entry } = FRAMEWORK_FILES[source.part];
  if (source.raw === null || typeof source.raw !== "object" || Array.isArray(source.raw)) {
    source.fileError(
      `must be a mapping with the key "${key}"${source.part === "competencies" ? ' (and "areas")' : ""}, not ${source.raw === null ? "empty" : Array.isArray(source.raw) ? "a list" : typeof source.raw}`,
    );
    return null;
  }
  const top = fileSchema(source.part).safeParse(source.raw, { error: issueMessage });
  if (!top.success) {
    for (const issue of top.error.issues) source.error(issue.path as PathSegment[], issue.message);
    if (!Array.isArray((source.raw as Record<string, unknown>)[key])) return null;
  }
  const list = (source.raw as Record<string, unknown[]>)[key]!;
  const entries: Valid<T>[] = [];
  list.forEach((item, index) => {
    const parsed = entry.safeParse(item, { error: issueMessage });
    if (parsed.success) entries.push({ index, value: parsed.data as T });
    else for (const issue of parsed.error.issues) source.error([key, index, ...(issue.path as PathSegment[])], issue.message);
  });
  return { entries };
}

const asRecord = (x: unknown): Record<string, unknown> | null => (x !== null && typeof x === "object" && !Array.isArray(x) ? (x as Record<string, unknown>) : null);
const asArray = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const asString = (x: unknown): string | null => (typeof x === "string" ? x : null);

/** The entries of a file's list as raw mappings (non-mappings skipped), with their index. */
function rawEntries(source: SourceFile): { index: number; entry: Record<string, unknown> }[] {
  const list = asArray(asRecord(source.raw)?.[FRAMEWORK_FILES[source.part].key]);
  return list.flatMap((item, index) => {
    const entry = asRecord(item);
    return entry ? [{ index, entry }] : [];
  });
}

/** Reports the second and later entries that reuse a value (an id, a file). */
function checkUnique(source: SourceFile, items: { value: string | null; at: PathSegment[] }[], what: string): void {
  const first = new Map<string, PathSegment[]>();
  for (const { value, at } of items) {
    if (value === null) continue;
    const seen = first.get(value);
    if (seen) source.error(at, `duplicate ${what} "${value}" (also ${source.label(seen)})`);
    else first.set(value, at);
  }
}

/**
 * Reads skills/competencies.yaml, roles.yaml, curriculum.yaml and catalogue.yaml from `dir`,
 * validates them and their cross-references, and returns the framework. Throws a
 * FrameworkError listing every problem when anything is wrong.
 *
 * The cross-checks read the raw data, so an entry with a schema error still has its references
 * checked; an entry's id counts as defined even when the rest of the entry is invalid.
 */
export function loadFramework(dir: string = SKILLS_DIR): Framework {
  const file = (part: FrameworkPart) => new SourceFile(part, path.join(path.resolve(dir), FRAMEWORK_FILES[part].file));
  const src = { competencies: file("competencies"), roles: file("roles"), curriculum: file("curriculum"), catalogue: file("catalogue") };

  const parsed = {
    competencies: readYaml(src.competencies) ? validate<Competency>(src.competencies) : null,
    roles: readYaml(src.roles) ? validate<Role>(src.roles) : null,
    curriculum: readYaml(src.curriculum) ? validate<CurriculumNotebook>(src.curriculum) : null,
    catalogue: readYaml(src.catalogue) ? validate<CatalogueItem>(src.catalogue) : null,
  };
  const raw = {
    competencies: rawEntries(src.competencies),
    roles: rawEntries(src.roles),
    notebooks: rawEntries(src.curriculum),
    items: rawEntries(src.catalogue),
  };
  const idsOf = (entries: { entry: Record<string, unknown> }[]) => new Set(entries.map((e) => asString(e.entry.id)).filter((id): id is string => id !== null));

  // Ids unique per kind (and notebook files).
  const idItems = (key: string, entries: typeof raw.roles, field = "id") => entries.map(({ index, entry }) => ({ value: asString(entry[field]), at: [key, index, field] }));
  checkUnique(src.competencies, idItems("competencies", raw.competencies), "competency id");
  checkUnique(src.roles, idItems("roles", raw.roles), "role id");
  checkUnique(src.curriculum, idItems("notebooks", raw.notebooks), "notebook id");
  checkUnique(src.curriculum, idItems("notebooks", raw.notebooks, "file"), "notebook file");
  checkUnique(src.catalogue, idItems("items", raw.items), "catalogue item id");
  // A goal's target is a role id or a catalogue item id: the two must not share ids.
  const roleIds = idsOf(raw.roles);
  for (const { index, entry } of raw.items) {
    const id = asString(entry.id);
    if (id !== null && roleIds.has(id)) src.catalogue.error(["items", index, "id"], `"${id}" is also a role id in ${src.roles.display}; goals name either, so the ids must differ`);
  }

  // Areas: declared once, used, and every competency's area declared.
  const areaList = asArray(asRecord(src.competencies.raw)?.areas);
  if (parsed.competencies && areaList.length) {
    const declared = new Set<string>();
    areaList.forEach((a, i) => {
      if (typeof a !== "string") return;
      if (declared.has(a.trim())) src.competencies.error(["areas", i], `duplicate area "${a.trim()}"`);
      declared.add(a.trim());
    });
    const used = new Set<string>();
    for (const { index, entry } of raw.competencies) {
      const area = asString(entry.area)?.trim();
      if (!area) continue;
      used.add(area);
      if (!declared.has(area)) src.competencies.error(["competencies", index, "area"], `unknown area "${area}"${suggest(area, declared)}; areas are listed under "areas"`);
    }
    areaList.forEach((a, i) => {
      if (typeof a === "string" && !used.has(a.trim())) src.competencies.error(["areas", i], `area "${a.trim()}" has no competencies`);
    });
  }

  // Competency references: only when competencies.yaml could be read at all.
  const known = parsed.competencies ? idsOf(raw.competencies) : null;
  const ref = (source: SourceFile, at: PathSegment[], id: unknown): boolean => {
    if (typeof id !== "string") return false;
    if (!known || known.has(id)) return true;
    source.error(at, `unknown competency "${id}"${suggest(id, known)}`);
    return false;
  };
  const refs = (source: SourceFile, at: PathSegment[], map: unknown) => {
    for (const id of Object.keys(asRecord(map) ?? {})) ref(source, [...at, id], id);
  };

  for (const { index, entry: role } of raw.roles) {
    refs(src.roles, ["roles", index, "requires"], role.requires);
    const own = asRecord(role.requires) ?? {};
    const industries = new Map<string, number>();
    asArray(role.variants).forEach((item, v) => {
      const variant = asRecord(item);
      if (!variant) return;
      const at: PathSegment[] = ["roles", index, "variants", v];
      const industry = asString(variant.industry);
      if (industry !== null) {
        const prior = industries.get(industry);
        if (prior !== undefined) src.roles.error([...at, "industry"], `a second "${industry}" variant (also ${src.roles.label(["roles", index, "variants", prior])})`);
        else industries.set(industry, v);
      }
      for (const [id, level] of Object.entries(asRecord(variant.requires) ?? {})) {
        if (!ref(src.roles, [...at, "requires", id], id)) continue;
        if (own[id] === level) src.roles.error([...at, "requires", id], `"${String(level)}" is the role's own level; a variant lists only the levels that differ`);
      }
    });
  }

  for (const { index, entry: item } of raw.items) refs(src.catalogue, ["items", index, "competencies"], item.competencies);

  // The curriculum: competencies and checks, unique check ids, prerequisites without cycles.
  const checkIds = new Map<string, PathSegment[]>();
  for (const { index, entry: nb } of raw.notebooks) {
    refs(src.curriculum, ["notebooks", index, "competencies"], nb.competencies);
    const nbId = asString(nb.id);
    const nbLevels = asRecord(nb.competencies) ?? {};
    asArray(nb.checks).forEach((item, c) => {
      const check = asRecord(item);
      if (!check) return;
      const at: PathSegment[] = ["notebooks", index, "checks", c];
      const id = asString(check.id);
      if (id !== null) {
        const prior = checkIds.get(id);
        if (prior) src.curriculum.error([...at, "id"], `duplicate check id "${id}" (also ${src.curriculum.label(prior)}); check ids are unique across the curriculum`);
        else checkIds.set(id, at);
        const prefix = id.includes(".") ? id.slice(0, id.indexOf(".")) : null;
        if (nbId !== null && prefix !== null && !(nbId === prefix || nbId.startsWith(`${prefix}-`))) {
          src.curriculum.error(
            [...at, "id"],
            `check id "${id}" must start with the notebook id "${nbId}", or its start up to a hyphen, and a dot (e.g. "${nbId.split("-").slice(0, 2).join("-")}.NAME")`,
          );
        }
      }
      const competency = check.competency;
      if (!ref(src.curriculum, [...at, "competency"], competency)) return;
      const level = asString(check.level);
      const notebookLevel = asString(nbLevels[competency as string]);
      if (!notebookLevel) src.curriculum.error([...at, "competency"], `"${String(competency)}" is not among the notebook's competencies; add it there at "${level ?? "its level"}" or higher`);
      else if (level && levelRank(level as Level) > levelRank(notebookLevel as Level)) {
        src.curriculum.error([...at, "level"], `"${level}" is above the notebook's level for ${String(competency)} ("${notebookLevel}")`);
      }
    });
  }

  const notebookIds = idsOf(raw.notebooks);
  const prerequisitesOf = new Map<string, { index: number; prerequisites: unknown[] }>();
  for (const { index, entry: nb } of raw.notebooks) {
    const prerequisites = asArray(nb.prerequisites);
    prerequisites.forEach((p, i) => {
      if (typeof p === "string" && !notebookIds.has(p)) src.curriculum.error(["notebooks", index, "prerequisites", i], `unknown notebook "${p}"${suggest(p, notebookIds)}`);
    });
    const id = asString(nb.id);
    if (id !== null && !prerequisitesOf.has(id)) prerequisitesOf.set(id, { index, prerequisites });
  }
  // Depth-first search; a prerequisite that leads back to a notebook on the current path closes a cycle.
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (id: string): void => {
    state.set(id, "active");
    stack.push(id);
    const { index, prerequisites } = prerequisitesOf.get(id)!;
    prerequisites.forEach((p, i) => {
      if (typeof p !== "string" || !prerequisitesOf.has(p)) return;
      if (state.get(p) === "active") {
        const cycle = [...stack.slice(stack.indexOf(p)), p];
        const key = [...new Set(cycle)].sort().join(" ");
        if (!reported.has(key)) {
          reported.add(key);
          src.curriculum.error(["notebooks", index, "prerequisites", i], `prerequisite cycle: ${cycle.join(" → ")}`);
        }
      } else if (!state.has(p)) visit(p);
    });
    stack.pop();
    state.set(id, "done");
  };
  for (const id of prerequisitesOf.keys()) if (!state.has(id)) visit(id);

  const errors = Object.values(src).flatMap((s) => s.errors);
  if (errors.length) throw new FrameworkError(errors, dir);
  return {
    competencies: (parsed.competencies?.entries ?? []).map((e) => e.value),
    roles: (parsed.roles?.entries ?? []).map((e) => e.value),
    curriculum: (parsed.curriculum?.entries ?? []).map((e) => e.value),
    catalogue: (parsed.catalogue?.entries ?? []).map((e) => e.value),
  };
}

/** Check id → the notebook that holds it and the check, for `%%check ID` and the reports. */
export function checkIndex(framework: Framework): Map<string, { notebook: CurriculumNotebook; check: Check }> {
  const index = new Map<string, { notebook: CurriculumNotebook; check: Check }>();
  for (const notebook of framework.curriculum) for (const check of notebook.checks) index.set(check.id, { notebook, check });
  return index;
}
