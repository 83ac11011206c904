// An Open Badges 3.0 AchievementCredential for the certificate in parallel computing for ML,
// issued only when the learner's evidence meets every required level with evidence the
// certificate accepts, course work only when graded (a badge is shown to others: a live or
// hand-typed check does not back it). The credential is unsigned: signing (a proof) belongs to
// whoever holds the issuer's key.
import { createHash } from "node:crypto";
import type { EvidenceRecord, Framework, Provenance } from "../framework/types.js";
import { acceptedEvidence, evidenceAsOf, gapReport, levelName, requirementsFor, type GapReport } from "../reports/gap.js";
import { evidencedLevels } from "../reports/levels.js";

export const CERTIFICATE_ID = "certificate-parallel-ml";
export const OB_CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"] as const;

export interface BadgeIssuer {
  /** A URI: the issuer profile's URL, a DID, … */
  id: string;
  name: string;
  url?: string;
  email?: string;
}

export interface BadgeOptions {
  /** ISO date-time; defaults to now. Evidence dated later does not count. */
  validFrom?: string;
}

export interface IdentityObject {
  type: "IdentityObject";
  hashed: boolean;
  identityHash: string;
  identityType: "emailAddress" | "identifier";
}

export interface BadgeEvidence {
  id?: string;
  type: ["Evidence"];
  name: string;
  description: string;
  genre: string;
}

export interface OpenBadgeCredential {
  "@context": string[];
  id: string;
  type: ["VerifiableCredential", "OpenBadgeCredential"];
  name: string;
  issuer: { id: string; type: ["Profile"]; name: string; url?: string; email?: string };
  validFrom: string;
  credentialSubject: {
    type: ["AchievementSubject"];
    id?: string;
    identifier?: IdentityObject[];
    achievement: {
      id: string;
      type: ["Achievement"];
      achievementType: "Certificate";
      name: string;
      description: string;
      criteria: { narrative: string };
    };
  };
  evidence: BadgeEvidence[];
}

const URI = /^[a-z][a-z0-9+.-]*:/i;

/** A stable urn:uuid (version 8, name-based) so re-issuing the same award yields the same id. */
function stableUuid(name: string): string {
  const h = createHash("sha256").update(name).digest("hex").slice(0, 32).split("");
  h[12] = "8";
  h[16] = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = h.join("");
  return `urn:uuid:${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

export function openBadge(framework: Framework, evidence: readonly EvidenceRecord[], learner: string, issuer: BadgeIssuer, options: BadgeOptions = {}): OpenBadgeCredential {
  const validFrom = options.validFrom ?? `${new Date().toISOString().slice(0, 19)}Z`;
  if (Number.isNaN(Date.parse(validFrom))) throw new Error(`openBadge: validFrom must be an ISO date-time, got ${validFrom}`);
  const today = validFrom.slice(0, 10);
  const { role, requires } = requirementsFor(framework, CERTIFICATE_ID);
  const accept = badgeEvidence(role.evidence);
  const gap = gapReport(framework, evidence, { role: CERTIFICATE_ID, learner, today, accept });
  if (!gap.met) throw new Error(notMet(gap, learner));

  const narrative = [
    `Evidence, recorded in the Parallab tracker, of each of these competencies at the level shown or above:`,
    ...Object.entries(requires).map(([id, level]) => {
      const c = framework.competencies.find((x) => x.id === id);
      return `- ${c?.name ?? id} (${id}): ${level}${c ? ` — ${c.levels[level]}` : ""}`;
    }),
  ].join("\n");

  // One evidence entry per record behind a required competency, naming every competency it shows.
  const levels = evidencedLevels(framework, acceptedEvidence(evidenceAsOf(evidence, learner, today), accept)).byCompetency;
  const entries = new Map<string, { kind: string; ref: string; date: string; provenance: Provenance; source: string; url: string | null; shows: string[] }>();
  for (const id of Object.keys(requires)) {
    for (const e of levels[id]?.evidence ?? []) {
      const key = `${e.kind}\u0000${e.ref}\u0000${e.date}\u0000${e.provenance}`;
      const entry = entries.get(key) ?? { kind: e.kind, ref: e.ref, date: e.date, provenance: e.provenance, source: e.source, url: e.url, shows: [] };
      entry.shows.push(`${id} at ${e.level}`);
      entries.set(key, entry);
    }
  }

  const subjectId = URI.test(learner) ? { id: learner } : { identifier: [identity(learner)] };
  const achievementId = /^https?:\/\//.test(issuer.id) ? `${issuer.id.replace(/\/+$/, "")}/achievements/${CERTIFICATE_ID}` : `urn:parallab:achievement:${CERTIFICATE_ID}`;
  return {
    "@context": [...OB_CONTEXT],
    id: stableUuid(`${issuer.id}\u0000${learner}\u0000${CERTIFICATE_ID}\u0000${validFrom}`),
    type: ["VerifiableCredential", "OpenBadgeCredential"],
    name: role.name,
    issuer: { id: issuer.id, type: ["Profile"], name: issuer.name, ...(issuer.url ? { url: issuer.url } : {}), ...(issuer.email ? { email: issuer.email } : {}) },
    validFrom,
    credentialSubject: {
      type: ["AchievementSubject"],
      ...subjectId,
      achievement: {
        id: achievementId,
        type: ["Achievement"],
        achievementType: "Certificate",
        name: role.name,
        description: role.description,
        criteria: { narrative },
      },
    },
    evidence: [...entries.values()].map((e) => ({
      ...(e.url && URI.test(e.url) ? { id: e.url } : {}),
      type: ["Evidence"],
      name: `${e.kind}: ${e.ref}`,
      description: `Shows ${e.shows.join(", ")}; ${e.provenance} evidence recorded ${e.date} from ${e.source}.`,
      genre: e.kind,
    })),
  };
}

/** The certificate's own list, less course work that was not graded. */
export function badgeEvidence(certificateEvidence: readonly Provenance[]): Provenance[] {
  return certificateEvidence.filter((p) => p !== "checked" && p !== "imported");
}

/** Why there is no badge yet, and what to do: the notebooks to grade, then what is left to do. */
function notMet(gap: GapReport, learner: string): string {
  const open = gap.rows.filter((r) => r.gap > 0);
  const missing = open.map((r) => `${r.competency} needs ${r.required}, has ${levelName(r.evidenced)}`);
  const unique = <T extends { id: string }>(steps: T[]) => [...new Map(steps.map((s) => [s.id, s])).values()];
  const grade = unique(open.flatMap((r) => (r.next?.kind === "grade" ? [r.next] : [])));
  const todo = unique(open.flatMap((r) => (r.next && r.next.kind !== "grade" && !grade.some((g) => g.id === r.next!.id) ? [r.next] : [])));
  const parts = [`${learner} does not meet ${CERTIFICATE_ID} (${gap.role.name}) with ${gap.accepts.join(" or ")} evidence yet: ${missing.join("; ")}.`];
  if (grade.length)
    parts.push(`Their checks passed but are not graded yet: grade ${grade.length === 1 ? "this notebook" : `these ${grade.length} notebooks`}: ${grade.map((g) => g.command).join("; ")}.`);
  if (todo.length) parts.push(`Still to do: ${todo.map((t) => `${t.kind} ${t.id}`).join(", ")} (parallab plan --role ${CERTIFICATE_ID} schedules them).`);
  return parts.join(" ");
}

function identity(learner: string): IdentityObject {
  return { type: "IdentityObject", hashed: false, identityHash: learner, identityType: learner.includes("@") ? "emailAddress" : "identifier" };
}
