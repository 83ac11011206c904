// The level a learner has evidenced per competency, and which evidence shows it. Pure: the
// caller passes the framework and the learner's evidence records.
import { courseRank, levelRank, type EvidenceKind, type EvidenceRecord, type Framework, type Level, type Provenance } from "../framework/types.js";

/** One record's contribution to one competency. */
export interface LevelEvidence {
  kind: EvidenceKind;
  ref: string;
  date: string;
  /** The level this record shows for the competency (self-assessment capped at comprehend). */
  level: Level;
  provenance: Provenance;
  source: string;
  url: string | null;
}

export interface CompetencyLevel {
  competency: string;
  /** The highest level evidenced, null when nothing evidences it. */
  level: Level | null;
  /** Highest level first, then the most trusted (graded, checked, imported), then newest first. */
  evidence: LevelEvidence[];
}

export interface EvidencedLevels {
  /** Every competency of the framework, in framework order. */
  byCompetency: Record<string, CompetencyLevel>;
  /** Records that evidence no competency of the framework (unknown ids, missing levels). */
  unmatched: EvidenceRecord[];
}

/** A self-assessment alone never shows that a learner can apply a competency. */
const SELF_ASSESSMENT_CAP: Level = "comprehend";

const CATALOGUE_EVIDENCE: ReadonlySet<EvidenceKind> = new Set(["certification", "course", "workshop", "conference"]);

/** The competency → level pairs one record evidences under the framework's rules. */
export function claimsOf(framework: Framework, record: EvidenceRecord): Array<[string, Level]> {
  const explicit = (): Array<[string, Level]> => (record.competency && record.level ? [[record.competency, record.level]] : []);
  switch (record.kind) {
    case "check": {
      const check = framework.curriculum.flatMap((n) => n.checks).find((c) => c.id === record.ref);
      const competency = record.competency ?? check?.competency;
      const level = record.level ?? check?.level;
      return competency && level ? [[competency, level]] : [];
    }
    case "notebook": {
      const notebook = framework.curriculum.find((n) => n.id === record.ref);
      return notebook ? Object.entries(notebook.competencies) : explicit();
    }
    case "self-assessment":
      return explicit().map(([c, l]) => [c, levelRank(l) > levelRank(SELF_ASSESSMENT_CAP) ? SELF_ASSESSMENT_CAP : l]);
    default: {
      if (!CATALOGUE_EVIDENCE.has(record.kind)) return explicit();
      const item = framework.catalogue.find((i) => i.id === record.ref);
      return item ? Object.entries(item.competencies) : explicit();
    }
  }
}

export function evidencedLevels(framework: Framework, evidence: readonly EvidenceRecord[]): EvidencedLevels {
  const byCompetency: Record<string, CompetencyLevel> = {};
  for (const c of framework.competencies) byCompetency[c.id] = { competency: c.id, level: null, evidence: [] };
  const unmatched: EvidenceRecord[] = [];
  for (const record of evidence) {
    const claims = claimsOf(framework, record).filter(([c]) => byCompetency[c] !== undefined);
    if (claims.length === 0) unmatched.push(record);
    for (const [competency, level] of claims) {
      const entry = byCompetency[competency]!;
      entry.evidence.push({ kind: record.kind, ref: record.ref, date: record.date, level, provenance: record.provenance, source: record.source, url: record.url });
      if (levelRank(level) > levelRank(entry.level)) entry.level = level;
    }
  }
  for (const entry of Object.values(byCompetency)) {
    entry.evidence.sort((a, b) => levelRank(b.level) - levelRank(a.level) || courseRank(b.provenance) - courseRank(a.provenance) || b.date.localeCompare(a.date) || a.ref.localeCompare(b.ref));
  }
  return { byCompetency, unmatched };
}
