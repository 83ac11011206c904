// The kernel's link to the skills tracker and the course, opened on first use (%%check,
// %skills): the framework from skills/ (synced into the learner's database), and the course's
// official checks from the instructor's notebooks. PARALLAB_CHECK_MODE=grade (set by
// `parallab grade` for the kernels it starts) runs hidden tests too and records nothing: the
// grader records what passed.
import { loadFramework } from "../tracker/framework/load.js";
import type { Check, CurriculumNotebook, Framework } from "../tracker/framework/types.js";
import { evidenceOf, recordCheck, type CheckRecorded } from "../tracker/evidence.js";
import { listGoals } from "../tracker/goals.js";
import { currentLearner, openTracker, type TrackerStore } from "../tracker/store.js";
import { syncFramework } from "../tracker/sync.js";
import { Course, type OfficialCheck } from "../course/source.js";
import { UsageError } from "../common/errors.js";

export type CheckMode = "check" | "grade";

export class TrackerSession {
  private framework: Framework | null = null;
  private course: Course | null = null;
  private tracker: Promise<TrackerStore> | null = null;

  constructor(readonly mode: CheckMode) {}

  get learner(): string {
    return currentLearner();
  }

  skills(): Framework {
    this.framework ??= loadFramework(process.env.PARALLAB_SKILLS || undefined);
    return this.framework;
  }

  private store(): Promise<TrackerStore> {
    // Cells that run while it opens share the one store; a failure (a server down) is not kept,
    // so the next %%check tries again.
    this.tracker ??= (async () => {
      const store = await openTracker();
      try {
        await syncFramework(store, this.skills());
      } catch (err) {
        await store.close();
        throw err;
      }
      return store;
    })().catch((err: unknown) => {
      this.tracker = null;
      throw err;
    });
    return this.tracker;
  }

  lookupCheck(id: string): { framework: Framework; check: Check; notebook: CurriculumNotebook } {
    const framework = this.skills();
    for (const notebook of framework.curriculum) {
      const check = notebook.checks.find((c) => c.id === id);
      if (check) return { framework, check, notebook };
    }
    const ids = framework.curriculum.flatMap((n) => n.checks.map((c) => c.id));
    const close = ids.filter((c) => c.split(".")[0] === id.split(".")[0]).slice(0, 5);
    throw new UsageError(
      `%%check: unknown check id "${id}": it is not in the course, so it can never pass. ${close.length ? `This notebook's checks: ${close.join(", ")}. ` : ""}All ${ids.length} ids are in skills/curriculum.yaml.`,
    );
  }

  /** The course's own check for `id` (its notebooks are read again when they change). */
  officialCheck(id: string): { check: OfficialCheck } | { problem: string } {
    this.course ??= new Course(this.skills());
    return this.course.check(id);
  }

  async recordCheck(id: string): Promise<CheckRecorded & { learner: string }> {
    const learner = this.learner;
    // A check that passed here, live in the kernel: checked (graded comes only from parallab grade).
    return { ...(await recordCheck(await this.store(), this.skills(), { learner, check: id, source: "kernel", provenance: "checked" })), learner };
  }

  async state() {
    const learner = this.learner;
    const store = await this.store();
    return { framework: this.skills(), learner, evidence: await evidenceOf(store, learner), goals: await listGoals(store, learner) };
  }
}
