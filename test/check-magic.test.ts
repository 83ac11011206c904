// %%check through a real kernel: the course's official assertions run against the notebook's
// live state whatever the cell holds; an edited or emptied check cell, an unknown id, or a check
// without assertions records nothing; a failed assertion shows its expected and actual values;
// the untouched check records *checked* evidence.
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFramework } from "../tracker/framework/load.js";
import { CHECK_MIME } from "../tracker/ingest.js";
import { Course } from "../course/source.js";
import { releaseNotebook } from "../course/release.js";
import { withInstructorSolutions } from "../course/solutions.js";
import { sourceText, type Notebook } from "../course/notebook-file.js";
import type { Message } from "../kernel/protocol/messages.js";
import { errorOf, ofType, startKernel, stripAnsi, type TestKernel } from "./helpers/kernel.js";
import { ROOT } from "./helpers/cli.js";

const framework = loadFramework();
const course = new Course(framework);
const welcome = course.notebook(framework.curriculum[0]!.id);
const CHECK = welcome.entry.checks[0]!.id;
const scratch = mkdtempSync(path.join(os.tmpdir(), "parallab-check-"));
const db = path.join(scratch, "tracker.db");
// The learner's copy with the instructor's solutions: a learner who solved the exercise.
const solved = withInstructorSolutions(releaseNotebook(welcome), welcome);
const checkCell = solved.cells.find((c) => sourceText(c).startsWith(`%%check ${CHECK}`))!;

function evidence(): { kind: string; ref: string; provenance: string }[] {
  // The kernel opens the tracker when it first records: no file, nothing recorded.
  if (!existsSync(db)) return [];
  const sqlite = new Database(db, { readonly: true });
  try {
    return sqlite.prepare("select kind, ref, provenance from evidence order by id").all() as { kind: string; ref: string; provenance: string }[];
  } catch {
    return []; // No tables yet: nothing was ever recorded.
  } finally {
    sqlite.close();
  }
}

const checkOutputs = (outputs: Message[]) =>
  ofType(outputs, "display_data")
    .map((m) => (m.content as { data: Record<string, unknown> }).data)
    .filter((d) => d[CHECK_MIME]);
const shown = (outputs: Message[]) =>
  checkOutputs(outputs)
    .map((d) => String(d["text/plain"]))
    .join("\n");

let k: TestKernel;
beforeAll(async () => {
  k = await startKernel({ env: { PARALLAB_DB: db, PARALLAB_LEARNER: "learner-1" } });
  // Every cell before the check, as the learner ran them.
  for (const cell of solved.cells.slice(0, solved.cells.indexOf(checkCell)).filter((c) => c.cell_type === "code")) {
    const { reply } = await k.client.execute(sourceText(cell), { timeoutMs: 120_000 });
    expect(reply.content.status, sourceText(cell)).toBe("ok");
  }
}, 180_000);
afterAll(async () => {
  await k?.stop();
});

describe("%%check runs the course's check, not the cell's body", () => {
  it("an emptied check cell: the course's check runs and passes, it is named as edited, nothing is recorded", async () => {
    const { reply, outputs } = await k.client.execute(`%%check ${CHECK}\n`);
    expect(reply.content.status).toBe("ok");
    expect(shown(outputs)).toContain("was edited or emptied");
    expect(shown(outputs)).toContain("the course's own check ran instead");
    expect(shown(outputs)).toContain(`%%check ${CHECK}\n`); // how to put it back
    expect(checkOutputs(outputs)[0]![CHECK_MIME]).toMatchObject({ check: CHECK, passed: false, edited: true });
    expect(evidence()).toEqual([]);
  });

  it("an edited check cell that would pass anything records nothing either", async () => {
    const { outputs } = await k.client.execute(`%%check ${CHECK}\nimport assert from "node:assert";\nassert.ok(true);`);
    expect(shown(outputs)).toContain("was edited or emptied");
    expect(evidence()).toEqual([]);
  });

  it("an id that is not in the curriculum never passes", async () => {
    const { reply, outputs } = await k.client.execute(`%%check ${CHECK}-made-up\nimport assert from "node:assert";\nassert.ok(true);`);
    expect(reply.content.status).toBe("error");
    expect(errorOf(outputs)?.ename).toBe("UsageError");
    expect(errorOf(outputs)?.evalue).toContain("it is not in the course, so it can never pass");
    expect(evidence()).toEqual([]);
  });

  it("the untouched check cell passes and records checked evidence", async () => {
    const { reply, outputs } = await k.client.execute(sourceText(checkCell), { timeoutMs: 120_000 });
    expect(reply.content.status).toBe("ok");
    expect(shown(outputs)).toMatch(new RegExp(`✓ check ${CHECK.replace(/\./g, "\\.")} passed: counts toward .*; recorded as checked for learner-1`));
    expect(evidence()).toContainEqual({ kind: "check", ref: CHECK, provenance: "checked" });
  });
});

describe("failed assertions", () => {
  it("show the expected and the actual value, in any cell", async () => {
    const { outputs } = await k.client.execute(`import assert from "node:assert";\nassert.strictEqual(1 + 1, 3, "one plus one");`);
    const error = errorOf(outputs)!;
    expect(error.evalue.startsWith("one plus one")).toBe(true);
    const traceback = error.traceback.map(stripAnsi).join("\n");
    expect(traceback).toContain("expected: 3");
    expect(traceback).toContain("actual:   2");
  });

  it("cannot be switched off by a cell", async () => {
    const { outputs } = await k.client.execute(
      `import assert from "node:assert";\ntry { (assert as any).strictEqual = () => undefined; } catch {}\ntry { (assert.strict as any).ok = () => undefined; } catch {}\nassert.strictEqual(1, 2, "still checked");`,
    );
    expect(errorOf(outputs)?.evalue.startsWith("still checked")).toBe(true);
  });

  it("make the check fail with the assertion, and record nothing", async () => {
    // The learner's state goes wrong after the fact: the check's own assertions catch it.
    const other = await startKernel({ env: { PARALLAB_DB: path.join(scratch, "other.db"), PARALLAB_LEARNER: "learner-2" } });
    try {
      const { reply, outputs } = await other.client.execute(sourceText(checkCell), { timeoutMs: 60_000 });
      expect(reply.content.status).toBe("error");
      const data = checkOutputs(outputs)[0]![CHECK_MIME] as { passed: boolean; failure: { stage: string; message: string } };
      expect(data.passed).toBe(false);
      expect(data.failure.stage).toBe("visible");
      expect(shown(outputs)).toContain(`✗ check ${CHECK} failed`);
      expect(shown(outputs)).toContain("Nothing recorded.");
    } finally {
      await other.stop();
    }
  });
});

describe("a check without assertions", () => {
  it("can never pass", async () => {
    // A course whose check cell lost its assertions (PARALLAB_COURSE: another copy of the course).
    const dir = path.join(scratch, "broken-course");
    cpSync(path.join(ROOT, "notebooks"), dir, { recursive: true });
    const file = path.join(dir, welcome.entry.file);
    const nb = JSON.parse(readFileSync(file, "utf8")) as Notebook;
    const cell = nb.cells.find((c) => sourceText(c).startsWith(`%%check ${CHECK}`))!;
    cell.source = [`%%check ${CHECK}\n`, "const looksFine = true;\n"];
    writeFileSync(file, JSON.stringify(nb));
    const broken = await startKernel({ env: { PARALLAB_DB: path.join(scratch, "broken.db"), PARALLAB_COURSE: dir } });
    try {
      const { reply, outputs } = await broken.client.execute(`%%check ${CHECK}\nconst looksFine = true;\n`);
      expect(reply.content.status).toBe("error");
      expect(errorOf(outputs)?.evalue).toContain("has no assertions, so it can never pass");
    } finally {
      await broken.stop();
    }
  });
});

describe("the skills framework in a kernel that just started (its loader comes after the compiler)", () => {
  it("skillsFramework() from the first cell, then %skills, answer", async () => {
    const fresh = await startKernel({ env: { PARALLAB_DB: path.join(scratch, "fresh.db"), PARALLAB_LEARNER: "learner-3" } });
    try {
      const first = await fresh.client.execute('import { skillsFramework } from "parallab";\nskillsFramework().roles.some((r) => r.id === "certificate-parallel-ml")');
      expect(errorOf(first.outputs)).toBeUndefined();
      expect(ofType(first.outputs, "execute_result")[0]?.content).toMatchObject({ data: { "text/plain": "true" } });
      const skills = await fresh.client.execute("%skills");
      expect(errorOf(skills.outputs)).toBeUndefined();
      const shown = ofType(skills.outputs, "display_data")
        .map((m) => (m.content as { data: Record<string, string> }).data["text/plain"])
        .join("\n");
      expect(shown).toContain("learner-3");
    } finally {
      await fresh.stop();
    }
  });
});
