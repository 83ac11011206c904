#!/usr/bin/env node
// The `parallab` command: kernelspec install/uninstall, the kernel itself, the main job (npm
// start), the course (course init, grade: cli/course-commands.ts) and the skills tracker
// (record, gap, plan, goal, evidence, badge, gradebook: cli/tracker-commands.ts).
import { Command } from "commander";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { installKernelspec, uninstallKernelspec, type SpecLocation } from "./kernelspec.js";
import { runNotebooks } from "./course.js";
import { KERNEL_MAIN } from "../common/paths.js";
import { registerReportCommands, registerTrackerCommands, withTracker } from "./tracker-commands.js";
import { exitCodeOf, UsageError } from "../common/errors.js";
import { writeCourseReports } from "./course-report.js";
import { describeCopy, loadCourse, registerCourseCommands } from "./course-commands.js";
import { checkInstallation } from "./installation-check.js";
import { DEFAULT_COURSE_DIR, writeLearnerCopy } from "../course/learner-copy.js";
import { buildMpiBindings } from "./scripts/build-mpi.js";
import { runLab } from "./lab.js";
import { currentLearner, defaultDbLocation } from "../tracker/store.js";
import { displayLocation } from "../tracker/db/location.js";
import { recordNotebooks } from "../tracker/ingest.js";
import { parseServerUrl } from "./runner/jupyter-server.js";
import { remoteKernelStarter } from "./runner/remote-kernel.js";

function location(opts: SpecLocation): SpecLocation {
  const chosen = [opts.user, opts.sysPrefix, opts.prefix].filter(Boolean).length;
  if (chosen > 1) throw new Error("choose one of --user, --sys-prefix and --prefix DIR");
  return chosen === 0 ? { user: true } : opts;
}

const program = new Command("parallab").description("Parallab: a TypeScript Jupyter kernel for parallel computing in ML").showHelpAfterError();

program
  .command("install")
  .description("install the Jupyter kernelspec `parallab` (display name: TypeScript (Parallab))")
  .option("--user", "into the per-user Jupyter data dir (the default)")
  .option("--sys-prefix", "into the prefix of the Python that runs Jupyter (a virtualenv, or /usr)")
  .option("--prefix <dir>", "into DIR/share/jupyter/kernels")
  .action((opts: SpecLocation) => {
    const dir = installKernelspec(location(opts));
    console.log(`Installed the kernelspec "parallab" in ${dir}`);
  });

program
  .command("uninstall")
  .description("remove the kernelspec `parallab`")
  .option("--user", "from the per-user Jupyter data dir (the default)")
  .option("--sys-prefix", "from the prefix of the Python that runs Jupyter")
  .option("--prefix <dir>", "from DIR/share/jupyter/kernels")
  .action((opts: SpecLocation) => {
    const dir = uninstallKernelspec(location(opts));
    console.log(dir ? `Removed ${dir}` : "The kernelspec parallab was not installed there; nothing to remove.");
  });

program
  .command("kernel")
  .description("run the kernel on a connection file (what kernel.json starts)")
  .argument("<connection-file>")
  .action(async (file: string) => {
    process.argv = [process.argv[0]!, KERNEL_MAIN, file];
    await import("../kernel/main.js");
  });

program
  .command("run")
  .description("execute notebooks headless through the kernel (local, or on a Jupyter server), write them with their outputs, record their checks")
  .argument("<notebooks...>", ".ipynb files")
  .option("--out <dir>", "where to write the executed notebooks", "out")
  .option("--allow-errors", "run every cell even after one fails (the exit code still says so)")
  .option("--timeout <seconds>", "longest a cell may run", "600")
  .option("--learner <id>", "whose evidence the checks record (default: PARALLAB_LEARNER or your login name)")
  .option("--server <url>", "run on this Jupyter server's parallab kernel (e.g. http://127.0.0.1:8888/?token=…) instead of a local one")
  .option("--token <token>", "the Jupyter server's token (or put ?token=… in --server)")
  .action(async (files: string[], opts: { out: string; allowErrors?: boolean; timeout: string; learner?: string; server?: string; token?: string }) => {
    const timeout = Number(opts.timeout);
    if (!(timeout > 0)) throw new UsageError(`--timeout must be a positive number of seconds, got "${opts.timeout}"`);
    if (opts.token !== undefined && !opts.server) throw new UsageError("--token goes with --server URL");
    const address = opts.server ? parseServerUrl(opts.server, opts.token) : null;
    const startKernel = address ? remoteKernelStarter(address) : undefined;
    // @jupyterlab/services logs each websocket it opens with console.debug: not for the user.
    if (address && !process.env.PARALLAB_DEBUG) console.debug = () => undefined;
    const learner = opts.learner ?? currentLearner();
    const runs = await runNotebooks(files, { outDir: opts.out, allowErrors: opts.allowErrors, timeoutMs: timeout * 1000, learner: opts.learner, startKernel });
    if (address) {
      // A server's kernel records into the server's tracker: ours learns the checks from the outputs.
      const recorded = await withTracker((t, framework) =>
        recordNotebooks(
          t,
          framework,
          runs.map((r) => r.output),
          learner,
        ),
      );
      const passed = recorded.reduce((n, r) => n + r.passed.length, 0);
      console.log(`Recorded ${passed} passed check${passed === 1 ? "" : "s"} for ${learner} in ${displayLocation(defaultDbLocation())}`);
    }
    const failed = runs.filter((r) => r.failed);
    for (const r of failed) console.error(`${r.source}: cell ${r.failed!.cell + 1} failed: ${r.failed!.ename}: ${r.failed!.evalue}`);
    console.log(`Wrote ${runs.length} executed notebook${runs.length === 1 ? "" : "s"} to ${opts.out}/`);
    if (failed.length) process.exitCode = 1;
  });

program
  .command("demo")
  .alias("start")
  .description(
    "the main job (npm start): install the kernelspec, write your copy of the course, check the installation by grading the instructor's solutions in a scratch tracker, then write your own skills report and study plan",
  )
  .option("--out <dir>", "where to write the reports", "out")
  .option("--course <dir>", "your copy of the course", DEFAULT_COURSE_DIR)
  .option("--learner <id>", "whose evidence (default: PARALLAB_LEARNER or your login name)")
  .option("--recheck", "check the installation again, even when this build passed it before")
  .action(async (opts: { out: string; course: string; learner?: string; recheck?: boolean }) => {
    const started = Date.now();
    const dir = installKernelspec({ user: true });
    console.log(`Kernelspec installed: ${dir}`);
    const course = loadCourse();
    const copy = writeLearnerCopy(course, path.resolve(opts.course), { update: existsSync(opts.course) });
    console.log(`Your copy of the course: ${describeCopy({ ...copy, dir: opts.course })}`);

    console.log("Checking the installation: the instructor's solutions, graded in a scratch tracker (not yours)…");
    const check = await checkInstallation(course, { recheck: opts.recheck, progress: process.stdout });
    if (check.remembered)
      console.log(
        `Installation check: passed on ${check.date} for this build (${check.passed}/${check.checks} checks of ${check.notebooks} notebooks, ${check.seconds.toFixed(1)} s); --recheck runs it again.`,
      );
    else if (check.failures.length === 0)
      console.log(`Installation check: every check passed (${check.passed}/${check.checks} checks of ${check.notebooks} notebooks) in ${check.seconds.toFixed(1)} s.`);
    else {
      console.error(`Installation check FAILED: ${check.passed}/${check.checks} checks passed in ${check.seconds.toFixed(1)} s. Feedback in ${check.scratch}:`);
      for (const f of check.failures) console.error(`  ${f}`);
      process.exitCode = 1;
    }

    const learner = opts.learner ?? currentLearner();
    mkdirSync(opts.out, { recursive: true });
    const report = await withTracker((t, f) => writeCourseReports(t, f, learner, opts.out));
    console.log(`\nYour skills (${learner}; tracker: ${displayLocation(defaultDbLocation())}):`);
    for (const g of report.gaps) console.log(`  ${g.role.name.padEnd(60)} ${String(g.readiness).padStart(5)}%${g.met ? "  met" : ""}`);
    console.log(
      `Study plan toward the certificate: ${report.planWeeks} weeks at 5 h/week (${path.join(opts.out, "plan.md")}, ${path.join(opts.out, "plan.ics")}); reports: ${report.files
        .filter((f) => f.includes("report"))
        .map((f) => path.relative(process.cwd(), f))
        .join(", ")}.`,
    );
    console.log(`Next: npx parallab lab ${opts.course}   (JupyterLab on your copy; start with 00-welcome.ipynb). Took ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  });

program
  .command("build-mpi")
  .description("build the MPI bindings that %%mpi needs (native/mpi, node-gyp against Open MPI: apt-get install -y openmpi-bin libopenmpi-dev)")
  .option("--force", "rebuild even when up to date")
  .action((opts: { force?: boolean }) => {
    const result = buildMpiBindings({ force: opts.force });
    if (result.ok) console.log(`build-mpi: ${result.built ? "built" : "up to date"} ${result.path}`);
    else {
      console.error(`build-mpi: ${result.reason}`);
      process.exitCode = 1;
    }
  });

program
  .command("lab")
  .description("open JupyterLab on DIR with the parallab kernel: your jupyter-lab when installed, else a built-in JupyterLab 4")
  .argument("[dir]", "the folder to serve (default: the current one)")
  .option("--port <port>", "the port (default: a free one)")
  .option("--no-browser", "only print the URL (the default when no browser is found)")
  .action((dir: string | undefined, opts: { port?: string; browser: boolean }) => runLab(dir, opts));

registerCourseCommands(program);
registerTrackerCommands(program);
registerReportCommands(program);

program.parseAsync().catch((err: Error) => {
  console.error(`parallab: ${err.message}`);
  // By the error's kind: bad data (a notebook, an id, the skills files, a course folder) is 2; a usage error and the rest are 1.
  process.exit(exitCodeOf(err));
});
