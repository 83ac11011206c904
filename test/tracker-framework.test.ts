import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { PACKAGE_ROOT } from "../common/paths.js";
import { checkIndex, FrameworkError, loadFramework, SKILLS_DIR } from "../tracker/framework/load.js";
import { INDUSTRIES, levelRank, PROVENANCES, type Framework, type Level } from "../tracker/framework/types.js";

const AREAS = [
  "Parallel architectures",
  "Shared-memory programming",
  "Message passing",
  "GPU programming",
  "Performance engineering and profiling",
  "Monitoring and debugging",
  "Supervised learning",
  "Unsupervised learning",
  "Data pipelines",
  "ML frameworks",
  "Languages",
];
const ROLES = ["ml-engineer", "data-scientist", "hpc-specialist", "research-scientist", "ml-platform-engineer"];

describe("the skills framework in skills/", () => {
  const framework: Framework = loadFramework();

  it("loads from the package's skills/ by default", () => {
    expect(SKILLS_DIR).toBe(path.join(PACKAGE_ROOT, "skills"));
    expect(framework.competencies.length).toBeGreaterThan(0);
  });

  it("has 20–30 kebab-case competencies in the required areas, with evidence for every level", () => {
    const { competencies } = framework;
    expect(competencies.length).toBeGreaterThanOrEqual(20);
    expect(competencies.length).toBeLessThanOrEqual(30);
    expect(new Set(competencies.map((c) => c.area))).toEqual(new Set(AREAS));
    for (const c of competencies) {
      expect(c.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      for (const level of ["know", "comprehend", "apply"] as const) expect(c.levels[level].length).toBeGreaterThan(20);
    }
    const languages = competencies.filter((c) => c.area === "Languages").map((c) => c.name);
    expect(languages).toEqual(expect.arrayContaining(["Python", "C++", "Java", "TypeScript"]));
    expect(competencies.map((c) => c.id)).toEqual(expect.arrayContaining(["shared-memory-programming", "message-passing", "gpu-programming", "performance-profiling"]));
  });

  it("has the roles, each with technology, finance and healthcare variants, and the certificate", () => {
    for (const id of ROLES) {
      const role = framework.roles.find((r) => r.id === id);
      expect(role, id).toBeDefined();
      expect(role!.kind).toBe("role");
      expect(role!.variants.map((v) => v.industry).sort()).toEqual([...INDUSTRIES].sort());
    }
    const certificates = framework.roles.filter((r) => r.kind === "certificate");
    expect(certificates.map((r) => r.id)).toEqual(["certificate-parallel-ml"]);
    expect(Object.keys(certificates[0]!.requires).length).toBeGreaterThanOrEqual(15);
  });

  it("counts only graded work toward the certificate, and every provenance toward the roles", () => {
    expect(framework.roles.find((r) => r.id === "certificate-parallel-ml")!.evidence).toEqual(["graded"]);
    for (const id of ROLES) expect(framework.roles.find((r) => r.id === id)!.evidence, id).toEqual([...PROVENANCES]);
  });

  it("evidences every certificate requirement somewhere in the curriculum", () => {
    const best = new Map<string, number>();
    for (const nb of framework.curriculum) {
      for (const [id, level] of Object.entries(nb.competencies)) best.set(id, Math.max(best.get(id) ?? 0, levelRank(level)));
    }
    const certificate = framework.roles.find((r) => r.id === "certificate-parallel-ml")!;
    const missing = Object.entries(certificate.requires).filter(([id, level]) => (best.get(id) ?? 0) < levelRank(level as Level));
    expect(missing).toEqual([]);
  });

  it("maps the notebooks 00–08 with their checks", () => {
    const ids = framework.curriculum.map((n) => n.id);
    expect(ids[0]).toBe("00-welcome");
    for (let i = 1; i <= 8; i++)
      expect(
        ids.some((id) => id.startsWith(`0${i}-`)),
        `notebook 0${i}`,
      ).toBe(true);
    const welcome = framework.curriculum[0]!;
    expect(welcome.file).toBe("00-welcome.ipynb");
    expect(existsSync(path.join(PACKAGE_ROOT, "notebooks", welcome.file))).toBe(true);
    expect(welcome.checks).toHaveLength(1);
    for (const nb of framework.curriculum.slice(1)) {
      expect(nb.checks.length, nb.id).toBeGreaterThanOrEqual(2);
      expect(nb.checks.length, nb.id).toBeLessThanOrEqual(4);
      expect(nb.prerequisites.length, nb.id).toBeGreaterThan(0);
      expect(nb.hours).toBeGreaterThan(0);
    }
  });

  it("indexes the checks by id", () => {
    const index = checkIndex(framework);
    expect(index.size).toBe(framework.curriculum.reduce((n, nb) => n + nb.checks.length, 0));
    const speedup = index.get("02-shared-memory.speedup");
    expect(speedup?.notebook.id).toBe("02-shared-memory-parallel-map");
    expect(speedup?.check.competency).toBe("shared-memory-programming");
    expect(index.get("00-welcome.measure")?.notebook.file).toBe("00-welcome.ipynb");
  });

  it("has a catalogue of every kind, with conferences on fixed months and courses and forums any time", () => {
    const kinds = new Set(framework.catalogue.map((i) => i.kind));
    expect([...kinds].sort()).toEqual(["certification", "conference", "course", "forum", "tutorial", "workshop"]);
    const ids = framework.catalogue.map((i) => i.id);
    expect(ids).toEqual(expect.arrayContaining(["sc-conference", "isc-high-performance", "neurips", "mlsys", "nvidia-gtc", "icml", "ipdps"]));
    for (const item of framework.catalogue) {
      if (item.kind === "conference") expect(item.month, item.id).not.toBeNull();
      if (item.kind === "course" || item.kind === "forum") expect(item.month, item.id).toBeNull();
      if (item.url !== null) expect(item.url).toMatch(/^https:\/\//);
    }
  });
});

describe("loadFramework on broken copies of skills/", () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  /** A fresh copy of skills/ in a temp dir. */
  function copy(): string {
    dir = mkdtempSync(path.join(os.tmpdir(), "parallab-skills-"));
    cpSync(SKILLS_DIR, dir, { recursive: true });
    return dir;
  }
  // biome-ignore lint/suspicious/noExplicitAny: a YAML document edited freely by each test
  type Data = any;
  function edit(d: string, file: string, change: (data: Data) => void): void {
    const data: Data = parse(readFileSync(path.join(d, file), "utf8"));
    change(data);
    writeFileSync(path.join(d, file), stringify(data, { lineWidth: 0 }));
  }
  function loadError(d: string): FrameworkError {
    try {
      loadFramework(d);
    } catch (err) {
      expect(err).toBeInstanceOf(FrameworkError);
      const e = err as FrameworkError;
      for (const line of e.errors) expect(e.message).toContain(line);
      return e;
    }
    throw new Error("loadFramework did not throw");
  }
  const original = (file: string): Data => parse(readFileSync(path.join(SKILLS_DIR, file), "utf8"));

  it("names the file, the line and the entry of a YAML syntax error", () => {
    const d = copy();
    const file = path.join(d, "roles.yaml");
    const lines = readFileSync(file, "utf8").split("\n");
    const at = lines.findIndex((l) => /^\s+name: Data scientist$/.test(l));
    expect(at).toBeGreaterThan(0);
    lines[at] = lines[at]!.replace("Data scientist", "Data scientist: analyst");
    writeFileSync(file, lines.join("\n"));
    const index = (original("roles.yaml").roles as { id: string }[]).findIndex((r) => r.id === "data-scientist");
    const err = loadError(d);
    expect(err.errors).toHaveLength(1);
    expect(err.errors[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: line ${at + 1}, column \\d+ \\(in roles\\[${index}\\] \\(data-scientist\\)\\): YAML syntax error: `));
  });

  it("names an unknown competency and suggests the nearest", () => {
    const d = copy();
    let index = -1;
    edit(d, "roles.yaml", (data) => {
      index = data.roles.findIndex((r: Data) => r.id === "ml-engineer");
      const requires = data.roles[index].requires;
      requires["gpu-progamming"] = requires["gpu-programming"];
      delete requires["gpu-programming"];
    });
    const err = loadError(d);
    expect(err.errors).toEqual([`${path.join(d, "roles.yaml")}: roles[${index}] (ml-engineer).requires.gpu-progamming: unknown competency "gpu-progamming" (did you mean "gpu-programming"?)`]);
  });

  it("names a duplicate check id and where it first appears", () => {
    const d = copy();
    let index = -1;
    let checks: { id: string }[] = [];
    edit(d, "curriculum.yaml", (data) => {
      index = data.notebooks.findIndex((n: Data) => n.id === "02-shared-memory-parallel-map");
      checks = data.notebooks[index].checks;
      checks.push({ ...checks[0]! });
    });
    const err = loadError(d);
    const id = checks[0]!.id;
    expect(err.errors).toEqual([
      `${path.join(d, "curriculum.yaml")}: notebooks[${index}] (02-shared-memory-parallel-map).checks[${checks.length - 1}] (${id}).id: duplicate check id "${id}" (also notebooks[${index}] (02-shared-memory-parallel-map).checks[0] (${id})); check ids are unique across the curriculum`,
    ]);
  });

  it("names a prerequisite cycle", () => {
    const d = copy();
    edit(d, "curriculum.yaml", (data) => {
      const thinking = data.notebooks.find((n: Data) => n.id === "01-parallel-thinking");
      thinking.prerequisites.push("03-message-passing-spmd");
    });
    const err = loadError(d);
    expect(err.errors).toHaveLength(1);
    expect(err.errors[0]).toMatch(/curriculum\.yaml: notebooks\[\d+\] \([\w-]+\)\.prerequisites\[\d+\]: prerequisite cycle: /);
    for (const id of ["01-parallel-thinking", "02-shared-memory-parallel-map", "03-message-passing-spmd"]) expect(err.errors[0]).toContain(id);
  });

  it("collects the errors of every file into one FrameworkError", () => {
    const d = copy();
    edit(d, "competencies.yaml", (data) => {
      data.competencies[0].area = "Parallel architecture";
    });
    edit(d, "roles.yaml", (data) => {
      const role = data.roles.find((r: Data) => r.id === "hpc-specialist");
      role.kind = "job";
      role.variants[0].requires = { ...role.variants[0].requires, cpp: role.requires.cpp };
    });
    edit(d, "curriculum.yaml", (data) => {
      data.notebooks[1].prerequisites.push("00-welcom");
      data.notebooks[1].checks[0].level = "master";
    });
    edit(d, "catalogue.yaml", (data) => {
      data.items[0].month = 13;
      data.items[1].id = "ml-engineer";
    });
    const { errors } = loadError(d);
    const expected = [
      /competencies\.yaml: competencies\[0\] \([\w-]+\)\.area: unknown area "Parallel architecture" \(did you mean "Parallel architectures"\?\)/,
      /roles\.yaml: roles\[\d+\] \(hpc-specialist\)\.kind: must be one of "role", "certificate", not "job"/,
      /roles\.yaml: roles\[\d+\] \(hpc-specialist\)\.variants\[0\] \([a-z]+\)\.requires\.cpp: "apply" is the role's own level/,
      /curriculum\.yaml: notebooks\[1\] \([\w-]+\)\.prerequisites\[\d+\]: unknown notebook "00-welcom" \(did you mean "00-welcome"\?\)/,
      /curriculum\.yaml: notebooks\[1\] \([\w-]+\)\.checks\[0\] \([\w.-]+\)\.level: must be one of "know", "comprehend", "apply", not "master"/,
      /catalogue\.yaml: items\[0\] \([\w-]+\)\.month: must be at most 12/,
      /catalogue\.yaml: items\[1\] \(ml-engineer\)\.id: "ml-engineer" is also a role id/,
    ];
    for (const re of expected)
      expect(
        errors.some((e) => re.test(e)),
        `${re}\n${errors.join("\n")}`,
      ).toBe(true);
    expect(errors).toHaveLength(expected.length);
  });

  it("names an unknown provenance, a repeated one, and checked work counted without graded", () => {
    const d = copy();
    let ml = -1;
    let hpc = -1;
    edit(d, "roles.yaml", (data) => {
      ml = data.roles.findIndex((r: Data) => r.id === "ml-engineer");
      hpc = data.roles.findIndex((r: Data) => r.id === "hpc-specialist");
      data.roles[ml].evidence = ["graded", "grded", "graded"];
      data.roles[hpc].evidence = ["checked", "external"];
    });
    const file = path.join(d, "roles.yaml");
    expect(loadError(d).errors).toEqual([
      `${file}: roles[${ml}] (ml-engineer).evidence[1]: must be one of "graded", "checked", "imported", "external", "self-assessed", not "grded"`,
      `${file}: roles[${hpc}] (hpc-specialist).evidence: lists "checked" but not "graded": evidence stronger than one that counts must count too; add "graded"`,
    ]);
    edit(d, "roles.yaml", (data) => {
      data.roles[ml].evidence = ["graded", "external", "graded"];
      data.roles[hpc].evidence = [];
    });
    expect(loadError(d).errors).toEqual([`${file}: roles[${ml}] (ml-engineer).evidence[2]: "graded" is listed twice`, `${file}: roles[${hpc}] (hpc-specialist).evidence: must have at least 1 entry`]);
  });

  it("counts every provenance for a role without evidence:, and only graded work for a certificate without it", () => {
    const d = copy();
    edit(d, "roles.yaml", (data) => {
      delete data.roles.find((r: Data) => r.kind === "certificate").evidence;
      data.roles.find((r: Data) => r.id === "data-scientist").evidence = ["graded", "checked", "external"];
    });
    const roles = loadFramework(d).roles;
    expect(roles.find((r) => r.id === "certificate-parallel-ml")!.evidence).toEqual(["graded"]);
    expect(roles.find((r) => r.id === "data-scientist")!.evidence).toEqual(["graded", "checked", "external"]);
    expect(roles.find((r) => r.id === "ml-engineer")!.evidence).toEqual([...PROVENANCES]);
  });

  it("names a missing file", () => {
    const d = copy();
    rmSync(path.join(d, "catalogue.yaml"));
    expect(loadError(d).errors).toEqual([`${path.join(d, "catalogue.yaml")}: file not found`]);
  });
});
