#!/usr/bin/env node
// The `parallab` command: kernelspec install/uninstall, the kernel itself, the demo, and the
// skills tracker (record, gap, plan, goal, evidence, badge: cli/tracker-commands.ts).
import { Command } from "commander";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { installKernelspec, uninstallKernelspec, type SpecLocation } from "./kernelspec.js";
import { runNotebook, writeNotebook } from "./run-notebook.js";
import { sourceText } from "./notebook.js";
import { KERNEL_MAIN, PACKAGE_ROOT } from "../kernel/paths.js";
import { DataError, registerReportCommands, registerTrackerCommands, UsageError as TrackerUsageError, withTracker } from "./tracker-commands.js";
import { evidenceOf, today } from "../tracker/evidence.js";
import { gapReport } from "../tracker/reports/gap.js";
import { currentLearner, defaultDbPath } from "../tracker/store.js";


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
  .command("demo")
  .description("install the kernelspec and run the demo notebook through the kernel")
  .option("--out <dir>", "where to write the executed notebook", "out")
  .action(async (opts: { out: string }) => {
    const dir = installKernelspec({ user: true });
    console.log(`Kernelspec installed: ${dir}`);
    const source = path.join(PACKAGE_ROOT, "notebooks", "00-welcome.ipynb");
    console.log(`Running ${path.relative(process.cwd(), source)} through the parallab kernel…`);
    const started = Date.now();
    const { notebook, failed } = await runNotebook(source, {
      cwd: path.dirname(source),
      onCell: (n, total, outcome) => console.log(`  cell ${n}/${total} ${outcome === "ok" ? "ok" : "FAILED"}`),
    });
    mkdirSync(opts.out, { recursive: true });
    const target = path.join(opts.out, path.basename(source));
    writeNotebook(target, notebook);
    for (const cell of notebook.cells.filter((c) => c.cell_type === "code")) {
      console.log(`\nIn [${cell.execution_count ?? " "}]: ${sourceText(cell).split("\n")[0]}${sourceText(cell).includes("\n") ? " …" : ""}`);
      for (const out of cell.outputs ?? []) {
        const text = out.output_type === "stream" ? String(out.text) : out.output_type === "error" ? `${String(out.ename)}: ${String(out.evalue)}` : String((out.data as Record<string, unknown>)["text/plain"] ?? "");
        console.log(text.trimEnd().replace(/^/gm, "  "));
      }
    }
    console.log(`\nWrote ${target} (${((Date.now() - started) / 1000).toFixed(1)} s). Open it in Jupyter with the "TypeScript (Parallab)" kernel.`);
    // The notebook's %%check recorded evidence in the tracker (SQLite): say where things stand.
    const learner = currentLearner();
    const report = withTracker((t, framework) => gapReport(framework, evidenceOf(t.db, learner), { role: "certificate-parallel-ml", learner, today: today() }));
    console.log(`Skills tracker (${defaultDbPath()}): ${learner} is ${report.readiness}% of the way to the certificate. Next: npx parallab gap --role certificate-parallel-ml, npx parallab plan --role ml-engineer --hours-per-week 5`);
    if (failed) {
      console.error(`Cell ${failed.cell + 1} of ${source} failed: ${failed.ename}: ${failed.evalue}`);
      process.exitCode = 1;
    }
  });

registerTrackerCommands(program);
registerReportCommands(program);

program.parseAsync().catch((err: Error) => {
  console.error(`parallab: ${err.message}`);
  // A usage error is 1; bad data (a notebook, an id, the skills files) is 2.
  process.exit(err instanceof TrackerUsageError ? 1 : isDataError(err) ? 2 : 1);
});

function isDataError(err: Error): boolean {
  return err instanceof DataError || ["FrameworkError", "NotebookFormatError", "UnknownCheckError", "GoalError"].includes(err.name);
}
