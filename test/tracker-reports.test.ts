// Tracker reports and exports on a small hand-made framework: evidenced levels, the gap to a
// role (and its finance variant), the study plan's order and week packing, and the exports
// (CSV round trip, iCalendar checked by Debian's python3-icalendar, Open Badges 3.0).
import { spawnSync } from "node:child_process";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import type { EvidenceRecord, Framework, Goal, Provenance } from "../tracker/framework/types.js";
import { evidencedLevels } from "../tracker/reports/levels.js";
import { gapReport } from "../tracker/reports/gap.js";
import { studyPlan } from "../tracker/reports/plan.js";
import { planCsv } from "../tracker/exports/csv.js";
import { planIcs } from "../tracker/exports/ics.js";
import { openBadge } from "../tracker/exports/badge.js";
import { gapReportHtml } from "../tracker/exports/html.js";
import { gapMarkdown, planMarkdown } from "../tracker/exports/markdown.js";
import { planJson, stableJson } from "../tracker/exports/json.js";

const levels = (what: string) => ({ know: `names ${what}`, comprehend: `explains ${what}`, apply: `uses ${what}` });

const ROLE_NAME = "ML engineer (parallel, GPU; finance-ready) — low-latency inference for the Zürich trading desk";
const GPU_TITLE = "GPU-Programmierung für Fortgeschrittene: Kernels, Speicherhierarchie, Überlappung von Transfers und Rechnen";

const framework: Framework = {
  competencies: [
    { id: "speedup", area: "foundations", name: "Speedup models", description: "Amdahl and Gustafson", levels: levels("speedup laws") },
    { id: "threads", area: "shared memory", name: "Threads & <locks>", description: "Shared-memory programming", levels: levels("threads") },
    { id: "gpu", area: "accelerators", name: "GPU programming", description: "Kernels", levels: levels("GPU kernels") },
    { id: "profiling", area: "performance", name: "Profiling", description: "Finding bottlenecks", levels: levels("profilers") },
  ],
  roles: [
    {
      id: "ml-engineer",
      name: ROLE_NAME,
      kind: "role",
      description: "Builds fast training pipelines",
      requires: { speedup: "comprehend", threads: "apply", gpu: "comprehend" },
      evidence: ["graded", "checked", "imported", "external", "self-assessed"],
      variants: [{ industry: "finance", note: "Latency matters", requires: { gpu: "apply", profiling: "comprehend" } }],
    },
    {
      id: "certificate-parallel-ml",
      name: "Certificate in Parallel Computing for ML",
      kind: "certificate",
      description: "The course's certificate",
      requires: { speedup: "apply", threads: "apply", profiling: "know" },
      // Graded course work and evidence from outside; not checked, imported or self-assessed.
      evidence: ["graded", "external"],
      variants: [],
    },
  ],
  // Listed out of prerequisite order on purpose.
  curriculum: [
    {
      id: "nb-gpu",
      file: "03-gpu.ipynb",
      title: GPU_TITLE,
      competencies: { gpu: "apply" },
      checks: [{ id: "gpu-kernel", competency: "gpu", level: "apply", description: "a kernel" }],
      prerequisites: ["nb-threads"],
      hours: 12,
    },
    {
      id: "nb-intro",
      file: "01-intro.ipynb",
      title: "Why parallel",
      competencies: { speedup: "apply" },
      checks: [
        { id: "intro-amdahl", competency: "speedup", level: "comprehend", description: "Amdahl" },
        { id: "intro-gustafson", competency: "speedup", level: "apply", description: "Gustafson" },
      ],
      prerequisites: [],
      hours: 4,
    },
    {
      id: "nb-threads",
      file: "02-threads.ipynb",
      title: "Threads and races",
      competencies: { threads: "apply", speedup: "comprehend" },
      checks: [{ id: "threads-race", competency: "threads", level: "apply", description: "a race" }],
      prerequisites: ["nb-intro"],
      hours: 6,
    },
  ],
  catalogue: [
    { id: "sc-conf", kind: "conference", name: "Supercomputing spring meeting", url: "https://example.org/sc", competencies: { profiling: "comprehend" }, hours: 16, cost: "high", month: 3 },
    { id: "prof-course", kind: "course", name: "Profiling basics", url: null, competencies: { profiling: "know" }, hours: 2, cost: "free", month: null },
  ],
};

/** The provenance each kind has unless a test says otherwise: course work graded. */
const usualProvenance = (kind: EvidenceRecord["kind"]): Provenance => (kind === "check" || kind === "notebook" ? "graded" : kind === "self-assessment" ? "self-assessed" : "external");

const rec = (
  learner: string,
  kind: EvidenceRecord["kind"],
  ref: string,
  date: string,
  competency: string | null = null,
  level: EvidenceRecord["level"] = null,
  provenance: Provenance = usualProvenance(kind),
): EvidenceRecord => ({
  learner,
  kind,
  ref,
  competency,
  level,
  source: kind === "check" ? "kernel" : "manual",
  date,
  provenance,
  contentHash: provenance === "graded" ? "0".repeat(64) : null,
  url: null,
});

const evidence: EvidenceRecord[] = [
  rec("alice", "check", "intro-amdahl", "2025-01-15"), // looked up: speedup comprehend
  rec("alice", "self-assessment", "threads", "2025-01-20", "threads", "apply"), // capped at comprehend
  rec("alice", "certification", "nvidia-dli-cuda", "2024-11-01", "gpu", "know"), // unknown ref, explicit
  rec("alice", "notebook", "nb-threads", "2025-03-01"), // after today: does not count yet
  rec("alice", "course", "no-such-course", "2025-01-02"), // evidences nothing
  rec("bob", "notebook", "nb-gpu", "2025-01-10"),
];

const goals: Goal[] = [
  { id: 1, learner: "alice", target: "ml-engineer", targetDate: "2025-06-30", status: "active" },
  { id: 2, learner: "alice", target: "sc-conf", targetDate: "2025-03-31", status: "active" },
  { id: 3, learner: "alice", target: "prof-course", targetDate: null, status: "done" },
  { id: 4, learner: "bob", target: "ml-engineer", targetDate: "2025-04-01", status: "active" },
];

const today = "2025-02-10";
const financePlan = () => studyPlan(framework, evidence, goals, { role: "ml-engineer", industry: "finance", hoursPerWeek: 6, learner: "alice", today });

describe("evidenced levels", () => {
  it("looks checks up, caps self-assessment at comprehend, uses explicit levels for unknown refs", () => {
    const mine = evidence.filter((e) => e.learner === "alice" && e.date <= today);
    const { byCompetency, unmatched } = evidencedLevels(framework, mine);
    expect(byCompetency.speedup!.level).toBe("comprehend");
    expect(byCompetency.threads!.level).toBe("comprehend");
    expect(byCompetency.threads!.evidence[0]).toMatchObject({ kind: "self-assessment", level: "comprehend" });
    expect(byCompetency.gpu!.level).toBe("know");
    expect(byCompetency.profiling).toEqual({ competency: "profiling", level: null, evidence: [] });
    expect(unmatched.map((e) => e.ref)).toEqual(["no-such-course"]);
    // A notebook evidences every competency it lists; catalogue refs evidence the item's levels.
    const more = evidencedLevels(framework, [rec("x", "notebook", "nb-threads", "2025-01-01"), rec("x", "conference", "sc-conf", "2025-01-01")]).byCompetency;
    expect([more.threads!.level, more.speedup!.level, more.profiling!.level]).toEqual(["apply", "comprehend", "comprehend"]);
  });
});

describe("gap report", () => {
  it("measures the base role's gap with next steps in prerequisite order", () => {
    const report = gapReport(framework, evidence, { role: "ml-engineer", learner: "alice", today });
    expect(report.rows.map((r) => [r.competency, r.required, r.evidenced, r.gap, r.next?.id ?? null])).toEqual([
      ["speedup", "comprehend", "comprehend", 0, null],
      ["threads", "apply", "comprehend", 1, "nb-threads"],
      ["gpu", "comprehend", "know", 1, "nb-gpu"],
    ]);
    expect(report.rows[0]!.evidence).toEqual([{ kind: "check", ref: "intro-amdahl", date: "2025-01-15", level: "comprehend", provenance: "graded" }]);
    expect(report.rows.every((r) => r.uncounted.length === 0)).toBe(true);
    expect(report.readiness).toBe(71.4); // 5 of 7 level-steps
    expect(report.met).toBe(false);
    expect(report.industry).toBeNull();
  });

  it("applies the finance variant (changed and added requirements)", () => {
    const report = gapReport(framework, evidence, { role: "ml-engineer", industry: "finance", learner: "alice", today });
    expect(report.rows.map((r) => [r.competency, r.required, r.evidenced, r.gap, r.next?.kind ?? null, r.next?.id ?? null])).toEqual([
      ["speedup", "comprehend", "comprehend", 0, null, null],
      ["threads", "apply", "comprehend", 1, "notebook", "nb-threads"],
      ["gpu", "apply", "know", 2, "notebook", "nb-gpu"],
      ["profiling", "comprehend", null, 2, "conference", "sc-conf"],
    ]);
    expect(report.readiness).toBe(50);
  });

  it("takes the first notebook in prerequisite order, else the shortest catalogue item", () => {
    const report = gapReport(framework, evidence, { role: "certificate-parallel-ml", learner: "alice", today });
    expect(report.rows.map((r) => [r.competency, r.gap, r.next?.id])).toEqual([
      ["speedup", 1, "nb-intro"],
      ["threads", 3, "nb-threads"], // the certificate does not count the self-assessment
      ["profiling", 1, "prof-course"], // 2 h beats the 16 h conference
    ]);
  });

  it("refuses unknown roles and industries, listing the valid ids", () => {
    expect(() => gapReport(framework, evidence, { role: "astronaut", learner: "alice", today })).toThrow(/ml-engineer, certificate-parallel-ml/);
    expect(() => gapReport(framework, evidence, { role: "ml-engineer", industry: "mining", learner: "alice", today })).toThrow(/technology, finance, healthcare/);
  });
});

describe("study plan", () => {
  it("orders notebooks by prerequisites, packs weeks and flows around the conference in March", () => {
    const plan = financePlan();
    expect(plan.items.map((i) => [i.week, i.start, i.end, i.id, i.hours, `${i.part}/${i.parts}`])).toEqual([
      [1, "2025-02-10", "2025-02-16", "nb-intro", 4, "1/1"],
      [1, "2025-02-10", "2025-02-16", "nb-threads", 2, "1/2"],
      [2, "2025-02-17", "2025-02-23", "nb-threads", 4, "2/2"],
      [2, "2025-02-17", "2025-02-23", "nb-gpu", 2, "1/4"],
      [3, "2025-02-24", "2025-03-02", "nb-gpu", 6, "2/4"],
      [4, "2025-03-03", "2025-03-09", "sc-conf", 6, "1/3"],
      [5, "2025-03-10", "2025-03-16", "sc-conf", 6, "2/3"],
      [6, "2025-03-17", "2025-03-23", "nb-gpu", 2, "3/4"],
      [6, "2025-03-17", "2025-03-23", "sc-conf", 4, "3/3"],
      [7, "2025-03-24", "2025-03-30", "nb-gpu", 2, "4/4"],
    ]);
    const byId = Object.fromEntries(plan.items.map((i) => [i.id, i]));
    expect(byId["nb-intro"]!.competencies).toEqual([]); // an unmet prerequisite, closes nothing itself
    expect(byId["nb-threads"]!.competencies).toEqual(["threads"]);
    expect(byId["sc-conf"]!.kind).toBe("conference");
    expect([plan.totalHours, plan.weeks, plan.end]).toEqual([38, 7, "2025-03-30"]);
    expect(plan.unscheduled).toEqual([]);
    expect(plan.goals).toEqual([
      { id: 1, target: "ml-engineer", targetName: ROLE_NAME, targetDate: "2025-06-30", plannedEnd: "2025-03-30", onTrack: true },
      { id: 2, target: "sc-conf", targetName: "Supercomputing spring meeting", targetDate: "2025-03-31", plannedEnd: "2025-03-23", onTrack: true },
    ]);
  });

  it("cuts at `until` and reports what did not fit", () => {
    const plan = studyPlan(framework, evidence, goals, { role: "ml-engineer", industry: "finance", hoursPerWeek: 6, learner: "alice", today, until: "2025-03-09" });
    expect(plan.items.map((i) => [i.week, i.id, i.hours])).toEqual([
      [1, "nb-intro", 4],
      [1, "nb-threads", 2],
      [2, "nb-threads", 4],
      [2, "nb-gpu", 2],
      [3, "nb-gpu", 6],
      [4, "nb-gpu", 4],
    ]);
    expect(plan.unscheduled).toEqual([{ kind: "conference", id: "sc-conf", title: "Supercomputing spring meeting", hours: 16, competencies: ["profiling"], reason: "does not fit before 2025-03-09" }]);
    expect(plan.goals[0]!.plannedEnd).toBeNull();
  });

  it("needs a learner when the evidence names several", () => {
    expect(() => studyPlan(framework, evidence, goals, { role: "ml-engineer", hoursPerWeek: 6, today })).toThrow(/alice, bob/);
  });
});

describe("exports", () => {
  it("CSV parses back to the plan", () => {
    const plan = financePlan();
    const rows = parse(planCsv(plan), { columns: true }) as Array<Record<string, string>>;
    expect(rows).toEqual(
      plan.items.map((i) => ({
        week: String(i.week),
        start: i.start,
        end: i.end,
        kind: i.kind,
        id: i.id,
        title: i.title,
        hours: String(i.hours),
        competencies: i.competencies.join(";"),
      })),
    );
  });

  it("iCalendar is valid for python3-icalendar: VEVENT per block, VTODO per goal, stable UIDs, folded lines", () => {
    const probe = spawnSync("/usr/bin/python3", ["-c", "import icalendar"], { encoding: "utf8" });
    expect(probe.status, `python3-icalendar is missing (${probe.stderr?.trim() || probe.error?.message}): apt-get install -y python3-icalendar`).toBe(0);

    const plan = financePlan();
    const ics = planIcs(plan, { stamp: "2025-02-10T09:00:00Z" });
    expect(ics).toBe(planIcs(financePlan(), { stamp: "2025-02-10T09:00:00Z" }));
    expect(ics.endsWith("END:VCALENDAR\r\n")).toBe(true);
    const lines = ics.slice(0, -2).split("\r\n");
    expect(lines.filter((l) => /[\r\n]/.test(l))).toEqual([]);
    expect(lines.filter((l) => Buffer.byteLength(l, "utf8") > 75)).toEqual([]);
    // Long titles were folded, in the events (ical-generator) and in the VTODOs (written here).
    expect(lines.some((l, i) => l.startsWith(" ") && lines[i - 1]!.startsWith("SUMMARY:GPU"))).toBe(true);
    expect(lines.some((l, i) => l.startsWith(" ") && lines[i - 1]!.startsWith("SUMMARY:Goal: ML engineer"))).toBe(true);
    expect(lines).toContain("PRODID:-//Parallab//Study plan//EN");

    const script = [
      "import sys, json, icalendar",
      "cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())",
      "out = {'prodid': str(cal['PRODID']), 'events': [], 'todos': []}",
      "for c in cal.walk():",
      "    if c.name == 'VEVENT': out['events'].append({'uid': str(c['UID']), 'stamp': c['DTSTAMP'].to_ical().decode(), 'start': c['DTSTART'].to_ical().decode(), 'summary': str(c['SUMMARY'])})",
      "    if c.name == 'VTODO': out['todos'].append({'uid': str(c['UID']), 'stamp': c['DTSTAMP'].to_ical().decode(), 'due': c['DUE'].to_ical().decode(), 'summary': str(c['SUMMARY'])})",
      "print(json.dumps(out))",
    ].join("\n");
    const run = spawnSync("/usr/bin/python3", ["-c", script], { input: ics, encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const parsed = JSON.parse(run.stdout) as {
      prodid: string;
      events: Array<{ uid: string; stamp: string; start: string; summary: string }>;
      todos: Array<{ uid: string; stamp: string; due: string; summary: string }>;
    };
    expect(parsed.prodid).toBe("-//Parallab//Study plan//EN");
    expect(parsed.events).toHaveLength(plan.items.length);
    expect(parsed.todos).toHaveLength(2);
    expect(new Set([...parsed.events, ...parsed.todos].map((c) => c.uid)).size).toBe(12);
    expect(parsed.events.every((e) => e.stamp === "20250210T090000Z")).toBe(true);
    expect(parsed.todos.every((e) => e.stamp === "20250210T090000Z")).toBe(true);
    expect(parsed.events.map((e) => e.start)).toEqual(plan.items.map((i) => i.start.replace(/-/g, "")));
    expect(parsed.events[3]!.summary).toBe(`${GPU_TITLE} (part 1/4): 2 h`);
    expect(parsed.events[3]!.uid).toMatch(/^parallab-[0-9a-f]{16}-notebook-nb-gpu-1@parallab$/);
    expect(parsed.todos.map((t) => [t.due, t.summary])).toEqual([
      ["20250630", `Goal: ${ROLE_NAME}`],
      ["20250331", "Goal: Supercomputing spring meeting"],
    ]);
    expect(parsed.todos[0]!.uid).toMatch(/^parallab-[0-9a-f]{16}-goal-1@parallab$/);
  });

  it("Open Badges 3.0 credential for a learner who meets the certificate, refusal otherwise", () => {
    const issuer = { id: "https://parallab.example/issuer", name: "Parallab" };
    const carol: EvidenceRecord[] = [
      rec("carol", "notebook", "nb-intro", "2025-01-05"),
      rec("carol", "check", "threads-race", "2025-01-12", "threads", "apply"),
      { ...rec("carol", "course", "prof-course", "2025-01-20"), url: "https://example.org/cert/123" },
    ];
    const withId = openBadge(framework, carol, "carol", issuer, { validFrom: "2025-02-01T00:00:00Z" });
    // Evidence is matched by learner id; an e-mail address becomes an emailAddress identity.
    expect(() => openBadge(framework, carol, "carol@example.org", issuer, { validFrom: "2025-02-01T00:00:00Z" })).toThrow(/speedup needs apply, has none/);
    const byMail = openBadge(
      framework,
      carol.map((e) => ({ ...e, learner: "carol@example.org" })),
      "carol@example.org",
      issuer,
      { validFrom: "2025-02-01T00:00:00Z" },
    );
    expect(byMail.credentialSubject.identifier?.[0]?.identityType).toBe("emailAddress");
    // Evidence dated after validFrom does not count yet.
    expect(() => openBadge(framework, carol, "carol", issuer, { validFrom: "2025-01-15T00:00:00Z" })).toThrow(/profiling needs know, has none/);
    expect(withId["@context"]).toEqual(["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]);
    expect(withId.type).toEqual(["VerifiableCredential", "OpenBadgeCredential"]);
    expect(withId.id).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(withId.issuer).toEqual({ id: issuer.id, type: ["Profile"], name: "Parallab" });
    expect(withId.validFrom).toBe("2025-02-01T00:00:00Z");
    const subject = withId.credentialSubject;
    expect(subject.type).toEqual(["AchievementSubject"]);
    expect(subject.identifier).toEqual([{ type: "IdentityObject", hashed: false, identityHash: "carol", identityType: "identifier" }]);
    expect(subject.achievement).toMatchObject({
      id: "https://parallab.example/issuer/achievements/certificate-parallel-ml",
      type: ["Achievement"],
      name: "Certificate in Parallel Computing for ML",
      description: "The course's certificate",
    });
    for (const id of ["speedup", "threads", "profiling"]) expect(subject.achievement.criteria.narrative).toContain(`(${id})`);
    expect(withId.evidence.map((e) => [e.name, e.genre, e.id])).toEqual([
      ["notebook: nb-intro", "notebook", undefined],
      ["check: threads-race", "check", undefined],
      ["course: prof-course", "course", "https://example.org/cert/123"],
    ]);
    expect(withId.evidence.every((e) => e.type[0] === "Evidence")).toBe(true);
    expect(JSON.parse(JSON.stringify(withId))).toEqual(withId);

    expect(() => openBadge(framework, evidence, "alice", issuer, { validFrom: "2025-02-10T00:00:00Z" })).toThrow(
      /alice does not meet certificate-parallel-ml.*speedup needs apply, has comprehend; threads needs apply, has none; profiling needs know, has none/,
    );
  });

  it("HTML escapes text and draws a scatterpolar radar; Markdown and JSON render the same data", () => {
    const report = gapReport(framework, evidence, { role: "ml-engineer", industry: "finance", learner: "alice", today });
    const plan = financePlan();
    const html = gapReportHtml(report, plan, { includePlotlyJs: false });
    expect(html).toContain('"type":"scatterpolar"');
    expect(html).not.toContain("<locks>");
    expect(html).toContain("Threads &#38; &#60;locks&#62;");
    expect(html).toContain("<table");
    expect(gapReportHtml(report, undefined, { document: true, includePlotlyJs: false })).toMatch(/^<!DOCTYPE html>/);

    const md = gapMarkdown(report);
    expect(md).toContain("| Threads \\& \\<locks\\> | apply | comprehend | 1 | self-assessment threads (self-assessed, 2025-01-20) |  | notebook nb-threads: Threads and races (6 h) |");
    expect(md).toContain("readiness 50%");
    expect(planMarkdown(plan)).toContain("| 4 | 2025-03-03 | 2025-03-09 | conference | sc-conf | Supercomputing spring meeting (part 1/3) | 6 | profiling |");

    expect(stableJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{\n  "a": {\n    "c": null,\n    "d": [\n      2,\n      1\n    ]\n  },\n  "b": 1\n}\n');
    expect(JSON.parse(planJson(plan))).toEqual(plan);
  });
});

describe("provenance", () => {
  // dana passed every check of nb-intro and nb-threads live (checked) and recorded nb-gpu's from a
  // notebook file (imported); the ML engineer counts all of it, the certificate none of it.
  const dana: EvidenceRecord[] = [
    rec("dana", "check", "intro-amdahl", "2025-01-03", null, null, "checked"),
    rec("dana", "check", "intro-gustafson", "2025-01-04", null, null, "checked"),
    rec("dana", "notebook", "nb-intro", "2025-01-04", null, null, "checked"),
    rec("dana", "check", "threads-race", "2025-01-05", null, null, "imported"),
    rec("dana", "notebook", "nb-threads", "2025-01-05", null, null, "imported"),
    rec("dana", "course", "prof-course", "2025-01-06"),
  ];

  it("counts only what the role accepts, lists the rest as not counted, and says to grade", () => {
    const role = gapReport(framework, dana, { role: "ml-engineer", learner: "dana", today });
    expect(role.accepts).toEqual(["graded", "checked", "imported", "external", "self-assessed"]);
    expect(role.rows.find((r) => r.competency === "speedup")).toMatchObject({ evidenced: "apply", gap: 0, uncounted: [] });
    expect(role.rows.find((r) => r.competency === "speedup")!.evidence[0]).toMatchObject({ kind: "check", ref: "intro-gustafson", provenance: "checked" });
    expect(role.rows.find((r) => r.competency === "threads")).toMatchObject({ evidenced: "apply", gap: 0 });

    const certificate = gapReport(framework, dana, { role: "certificate-parallel-ml", learner: "dana", today });
    expect(certificate.accepts).toEqual(["graded", "external"]);
    const speedup = certificate.rows.find((r) => r.competency === "speedup")!;
    expect(speedup).toMatchObject({ evidenced: null, gap: 3, evidence: [] });
    expect(speedup.uncounted.map((e) => [e.kind, e.ref, e.provenance])).toEqual([
      ["check", "intro-gustafson", "checked"],
      ["notebook", "nb-intro", "checked"],
      ["check", "intro-amdahl", "checked"],
      ["notebook", "nb-threads", "imported"],
    ]);
    expect(speedup.next).toEqual({
      kind: "grade",
      id: "nb-intro",
      title: "Why parallel",
      hours: 0,
      level: "apply",
      url: null,
      month: null,
      command: "npx parallab grade parallab-course/01-intro.ipynb",
    });
    expect(certificate.rows.find((r) => r.competency === "threads")!.next).toMatchObject({ kind: "grade", id: "nb-threads", command: "npx parallab grade parallab-course/02-threads.ipynb" });
    // External evidence counts for the certificate; nothing of it is left uncounted.
    expect(certificate.rows.find((r) => r.competency === "profiling")).toMatchObject({ evidenced: "know", gap: 0, uncounted: [] });
    expect(certificate.readiness).toBe(Math.round((1 / 7) * 1000) / 10);

    const md = gapMarkdown(certificate);
    expect(md).toContain("Counts: graded, external evidence.");
    expect(md).toContain(
      "| Speedup models | apply | none | 3 |  | check intro-gustafson (checked, 2025-01-04); notebook nb-intro (checked, 2025-01-04); check intro-amdahl (checked, 2025-01-03); notebook nb-threads (imported, 2025-01-05): not counted, the certificate needs graded or external | grade nb-intro: npx parallab grade parallab-course/01-intro.ipynb |",
    );
    const html = gapReportHtml(certificate, undefined, { includePlotlyJs: false });
    expect(html).toContain("<th>Not counted</th>");
    expect(html).toContain("<td>notebook nb-threads (imported, 2025-01-05); check threads-race (imported, 2025-01-05): not counted, the certificate needs graded or external</td>");
    expect(html).toContain("<td>grade nb-threads: npx parallab grade parallab-course/02-threads.ipynb</td>");
    const json = JSON.parse(stableJson(certificate)) as typeof certificate;
    expect(json.rows[0]!.uncounted[0]).toEqual({ kind: "check", ref: "intro-gustafson", date: "2025-01-04", level: "apply", provenance: "checked" });
    expect(json.accepts).toEqual(["graded", "external"]);
  });

  it("does not offer grading for work that would not close the gap", () => {
    // Only intro-amdahl (comprehend) was checked: grading it would not reach apply.
    const report = gapReport(framework, [rec("erin", "check", "intro-amdahl", "2025-01-03", null, null, "checked")], { role: "certificate-parallel-ml", learner: "erin", today });
    expect(report.rows[0]!.next).toMatchObject({ kind: "notebook", id: "nb-intro", command: null });
  });

  it("plans notebooks done only as checked work as still to do for the certificate", () => {
    const plan = studyPlan(framework, dana, [], { role: "certificate-parallel-ml", hoursPerWeek: 10, learner: "dana", today });
    expect(plan.items.map((i) => i.id)).toEqual(["nb-intro", "nb-threads"]);
    const graded = [...dana, rec("dana", "notebook", "nb-intro", "2025-01-08"), rec("dana", "check", "threads-race", "2025-01-08")];
    expect(studyPlan(framework, graded, [], { role: "certificate-parallel-ml", hoursPerWeek: 10, learner: "dana", today }).items).toEqual([]);
    expect(new Set(studyPlan(framework, dana, [], { role: "ml-engineer", hoursPerWeek: 10, learner: "dana", today }).items.map((i) => i.id))).toEqual(new Set(["nb-gpu"]));
  });

  it("issues the badge only on graded course work, and says which notebooks to grade", () => {
    const issuer = { id: "https://parallab.example/issuer", name: "Parallab" };
    let message = "";
    try {
      openBadge(framework, dana, "dana", issuer, { validFrom: "2025-02-01T00:00:00Z" });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(
      "dana does not meet certificate-parallel-ml (Certificate in Parallel Computing for ML) with graded or external evidence yet: speedup needs apply, has none; threads needs apply, has none. " +
        "Their checks passed but are not graded yet: grade these 2 notebooks: npx parallab grade parallab-course/01-intro.ipynb; npx parallab grade parallab-course/02-threads.ipynb.",
    );
    // Even a certificate that listed checked work would not back a badge with it.
    const lenient: Framework = { ...framework, roles: framework.roles.map((r) => (r.kind === "certificate" ? { ...r, evidence: ["graded", "checked", "imported", "external"] } : r)) };
    expect(gapReport(lenient, dana, { role: "certificate-parallel-ml", learner: "dana", today }).met).toBe(true);
    expect(() => openBadge(lenient, dana, "dana", issuer, { validFrom: "2025-02-01T00:00:00Z" })).toThrow(/with graded or external evidence yet: speedup needs apply, has none/);

    const graded = [...dana, rec("dana", "notebook", "nb-intro", "2025-01-08"), rec("dana", "check", "threads-race", "2025-01-08")];
    const badge = openBadge(framework, graded, "dana", issuer, { validFrom: "2025-02-01T00:00:00Z" });
    expect(badge.evidence.map((e) => e.name)).toEqual(["notebook: nb-intro", "check: threads-race", "course: prof-course"]);
    expect(badge.evidence[0]!.description).toContain("graded evidence recorded 2025-01-08");
  });
});
