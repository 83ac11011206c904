// zod schemas of the skills framework's YAML files (skills/*.yaml). Each file is a mapping with
// one list (plus `areas` in competencies.yaml); load.ts validates the list entry by entry with
// the entry schemas here, then cross-checks references between the files.
import { z } from "zod";
import {
  CATALOGUE_KINDS,
  COST_BANDS,
  INDUSTRIES,
  LEVELS,
  PROVENANCES,
  provenanceOrStronger,
  isCourseProvenance,
  type CatalogueItem,
  type Check,
  type Competency,
  type CurriculumNotebook,
  type Provenance,
  type Role,
  type RoleVariant,
} from "./types.js";

/** Competency, role, notebook and catalogue item ids: kebab-case. */
export const ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Check ids: `PREFIX.NAME`, both kebab-case, PREFIX the start of the notebook's id. */
export const CHECK_ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*\.[a-z0-9]+(?:-[a-z0-9]+)*$/;

const KEBAB = "must be a kebab-case id (lower-case letters and digits joined by single hyphens)";

export const idSchema = z.string().regex(ID_PATTERN, KEBAB);
const text = z.string().trim().min(1, "must not be empty");
export const levelSchema = z.enum(LEVELS);

/** Competency id → level; at least one entry. */
const levelMap = (what: string) => z.record(idSchema, levelSchema).refine((m) => Object.keys(m).length > 0, `must list at least one ${what}`);

export const competencySchema = z.strictObject({
  id: idSchema,
  area: text,
  name: text,
  description: text,
  levels: z.strictObject({ know: text, comprehend: text, apply: text }),
});

export const roleVariantSchema = z.strictObject({
  industry: z.enum(INDUSTRIES),
  note: text,
  requires: levelMap("competency whose level differs from the role's"),
});

/**
 * What counts when a role leaves out `evidence`: for a job, every provenance; for the
 * certificate, only graded work (a credential shown to others rests on no self-assertion).
 */
export function defaultEvidence(kind: Role["kind"]): Provenance[] {
  return kind === "certificate" ? ["graded"] : [...PROVENANCES];
}

/** A role's `evidence:` list: no repeats, and a course provenance never without the stronger ones. */
export const roleEvidenceSchema = z
  .array(z.enum(PROVENANCES))
  .min(1)
  .superRefine((list, ctx) => {
    list.forEach((p, i) => {
      if (list.indexOf(p) !== i) ctx.addIssue({ code: "custom", path: [i], message: `"${p}" is listed twice` });
    });
    for (const p of new Set(list)) {
      if (!isCourseProvenance(p)) continue;
      const missing = provenanceOrStronger(p).filter((q) => !list.includes(q));
      if (missing.length)
        ctx.addIssue({
          code: "custom",
          message: `lists "${p}" but not ${missing.map((q) => `"${q}"`).join(" or ")}: evidence stronger than one that counts must count too; add ${missing.map((q) => `"${q}"`).join(", ")}`,
        });
    }
  });

export const roleSchema = z
  .strictObject({
    id: idSchema,
    name: text,
    kind: z.enum(["role", "certificate"]),
    description: text,
    requires: levelMap("required competency"),
    evidence: roleEvidenceSchema.optional(),
    variants: z.array(roleVariantSchema).default([]),
  })
  .transform(({ evidence, ...role }) => ({ ...role, evidence: evidence ?? defaultEvidence(role.kind) }));

export const checkSchema = z.strictObject({
  id: z.string().regex(CHECK_ID_PATTERN, "must read PREFIX.NAME, both kebab-case (e.g. 02-shared-memory.speedup)"),
  competency: idSchema,
  level: levelSchema,
  description: text,
});

export const notebookSchema = z.strictObject({
  id: idSchema,
  file: z
    .string()
    .regex(/\.ipynb$/, "must be a .ipynb file")
    .refine((f) => !f.startsWith("/") && !f.split(/[\\/]/).includes(".."), "must be a path under notebooks/ (relative, without ..)"),
  title: text,
  competencies: levelMap("competency"),
  checks: z.array(checkSchema).default([]),
  prerequisites: z.array(idSchema).default([]),
  hours: z.number().positive(),
});

export const catalogueItemSchema = z.strictObject({
  id: idSchema,
  kind: z.enum(CATALOGUE_KINDS),
  name: text,
  url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL or null" }).nullable(),
  competencies: levelMap("competency"),
  hours: z.number().positive(),
  cost: z.enum(COST_BANDS),
  month: z.number().int().min(1).max(12).nullable(),
});

/** The four files: their names, the list each holds, and the schema of one entry. */
export const FRAMEWORK_FILES = {
  competencies: { file: "competencies.yaml", key: "competencies", entry: competencySchema },
  roles: { file: "roles.yaml", key: "roles", entry: roleSchema },
  curriculum: { file: "curriculum.yaml", key: "notebooks", entry: notebookSchema },
  catalogue: { file: "catalogue.yaml", key: "items", entry: catalogueItemSchema },
} as const;
export type FrameworkPart = keyof typeof FRAMEWORK_FILES;

/** A file's top level: its list (entries checked one by one) and, for competencies, the areas. */
export function fileSchema(part: FrameworkPart) {
  const list = z.array(z.unknown());
  return part === "competencies" ? z.strictObject({ areas: z.array(text).min(1, "must list at least one area"), competencies: list }) : z.strictObject({ [FRAMEWORK_FILES[part].key]: list });
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return `${typeof value} ${String(value)}`;
}

const EXPECTED: Record<string, string> = { object: "a mapping", array: "a list", record: "a mapping", string: "a string", number: "a number" };

/** zod's per-parse error map: messages that say what the YAML should hold. */
export function issueMessage(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case "invalid_type":
      if (iss.input === undefined) return "is required";
      return `must be ${EXPECTED[iss.expected] ?? iss.expected}, not ${describe(iss.input)}`;
    case "invalid_value":
      return `must be one of ${iss.values.map((v) => JSON.stringify(v)).join(", ")}, not ${describe(iss.input)}`;
    case "unrecognized_keys":
      return `unknown key${iss.keys.length > 1 ? "s" : ""} ${iss.keys.map((k) => JSON.stringify(k)).join(", ")}`;
    case "too_small":
      if (iss.origin === "array") return `must have at least ${String(iss.minimum)} entr${iss.minimum === 1 ? "y" : "ies"}`;
      if (iss.origin === "number") return `must be ${iss.inclusive ? "at least" : "more than"} ${String(iss.minimum)}, not ${describe(iss.input)}`;
      return undefined;
    case "too_big":
      if (iss.origin === "number") return `must be ${iss.inclusive ? "at most" : "less than"} ${String(iss.maximum)}, not ${describe(iss.input)}`;
      return undefined;
    case "invalid_key":
      return iss.issues.map((i) => i.message).join("; ");
    default:
      return undefined;
  }
}

// The schemas' outputs are the types in types.ts (checked both ways at compile time).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type _SchemaMatchesTypes = [
  Assert<Same<z.output<typeof competencySchema>, Competency>>,
  Assert<Same<z.output<typeof roleVariantSchema>, RoleVariant>>,
  Assert<Same<z.output<typeof roleSchema>, Role>>,
  Assert<Same<z.output<typeof checkSchema>, Check>>,
  Assert<Same<z.output<typeof notebookSchema>, CurriculumNotebook>>,
  Assert<Same<z.output<typeof catalogueItemSchema>, CatalogueItem>>,
];
