import { InterruptError } from "../../common/errors.js";
import { NpmError, runNpm } from "../packages/npm-process.js";
import { loadedPackages } from "../packages/loaded.js";
import { packageNameOfSpec } from "../packages/names.js";
import { createPackageJson, FolderNotWritableError, makeFolder, notWritable, packageJsonPath, readPackageJson, restorePackageJson } from "../packages/project.js";
import { USER_PACKAGES_DIR } from "../package-fallback.js";
import type { KernelSession } from "../session.js";
import type { Magic, OptionSpecs } from "./contract.js";

const DESCRIPTION = `npm for this notebook. Packages go into the notebook's folder (its package.json, created
when missing, and node_modules); the next cell imports them by name, with their types
(completion and type errors), ESM-only packages as well as CommonJS ones. npm's output shows
in the cell as it runs; an interrupt stops npm and the scripts it started.
  %npm install PKG…    install packages (NAME, NAME@VERSION, a folder, a tarball, a git URL);
                       alone, what package.json lists (aliases: i, add)
  %npm uninstall PKG…  remove packages (aliases: remove, rm, un)
  %npm ls              the packages installed (alias: list)
npm's own flags go after \`--\`: %npm install -- --save-dev typescript
When the notebook's folder is not writable, --user installs into your per-user packages,
${USER_PACKAGES_DIR} ($XDG_DATA_HOME/parallab/packages, by default
~/.local/share/parallab/packages): the kernel looks there after the notebook's folder, at run
time (NODE_PATH) and for types. A package loaded before it was installed again or removed stays
as it was loaded until the kernel restarts.`;

const OPTIONS = {
  user: { type: "flag", help: `your per-user packages (${USER_PACKAGES_DIR}) instead of the notebook's folder` },
} satisfies OptionSpecs;

type Command = "install" | "uninstall" | "ls";

const COMMANDS: Readonly<Record<string, Command>> = {
  install: "install",
  i: "install",
  add: "install",
  uninstall: "uninstall",
  remove: "uninstall",
  rm: "uninstall",
  un: "uninstall",
  ls: "ls",
  list: "ls",
};

/** npm's flags that would install somewhere else than the folder %npm chose. */
const ELSEWHERE = /^(-g|--global|--prefix|--location)(=|$)/;

/** Every npm call: short output (no funding or audit lines), in colour (Jupyter shows it). */
const COMMON = ["--no-fund", "--no-audit", "--color=always"];

interface Target {
  dir: string;
  user: boolean;
}

function notWritableMessage(command: "install" | "uninstall", target: Target, problem: string, rest: readonly string[]): string {
  if (target.user) return `${problem}, so %npm cannot change your per-user packages. Make it writable, or set XDG_DATA_HOME to a folder you can write to and restart the kernel.`;
  if (command === "uninstall") return `${problem}, so %npm cannot remove packages from the notebook's folder.`;
  return (
    `${problem}, so %npm cannot install packages into the notebook's folder.\n` +
    `Install them for your user instead: ${["%npm install --user", ...(rest.some((a) => a.startsWith("-")) ? ["--"] : []), ...rest].join(" ")}\n` +
    `That puts them in ${USER_PACKAGES_DIR} ($XDG_DATA_HOME/parallab/packages), where this kernel looks for packages after the notebook's folder: the next cell imports them by name, with their types.`
  );
}

/** `npm install` / `npm uninstall` in the target's project; package.json is as it was when npm fails. */
async function change(command: "install" | "uninstall", target: Target, rest: readonly string[], session: KernelSession): Promise<void> {
  const problem = (target.user ? makeFolder(target.dir) : null) ?? notWritable(target.dir);
  if (problem) throw new FolderNotWritableError(notWritableMessage(command, target, problem, rest));
  const before = readPackageJson(target.dir);
  if (before === null) {
    if (command === "uninstall") {
      process.stdout.write(`Nothing to remove: ${target.dir} has no package.json (no packages were installed there).\n`);
      return;
    }
    createPackageJson(target.dir, target.user ? "parallab-user-packages" : undefined);
    process.stdout.write(`Created ${packageJsonPath(target.dir)}\n`);
  }
  // Install scripts (native builds) show their output as they run, not only when they fail.
  const scripts = command === "install" ? ["--foreground-scripts"] : [];
  const exit = await runNpm([command, ...COMMON, ...scripts, `--prefix=${target.dir}`, ...rest], target.dir, session.interrupts);
  if (exit.interrupted || exit.status !== 0) {
    const restored = restorePackageJson(target.dir, before);
    if (exit.interrupted) throw new InterruptError();
    const how = exit.status === null ? `was ended by ${exit.signal}` : `exited with status ${exit.status}`;
    throw new NpmError(`npm ${command} ${how} (npm's messages are above); ${restored ?? `${packageJsonPath(target.dir)} is as it was`}.`);
  }
  // The compiler's view of node_modules is out of date: the next cell resolves its imports again.
  (await session.adapter()).packagesChanged();
  const names = rest.filter((a) => !a.startsWith("-")).map(packageNameOfSpec);
  const stale = loadedPackages(names.filter((n): n is string => n !== null));
  if (stale.length) {
    process.stderr.write(`Note: ${stale.join(", ")} ${stale.length === 1 ? "was" : "were"} already loaded in this kernel; cells go on using what was loaded until you restart the kernel.\n`);
  }
}

async function list(target: Target, rest: readonly string[], session: KernelSession): Promise<void> {
  if (readPackageJson(target.dir) === null) {
    process.stdout.write(`No packages in ${target.dir} yet (it has no package.json): %npm install${target.user ? " --user" : ""} NAME adds one.\n`);
    return;
  }
  const exit = await runNpm(["ls", ...COMMON, `--prefix=${target.dir}`, ...rest], target.dir, session.interrupts);
  if (exit.interrupted) throw new InterruptError();
  if (exit.status !== 0) throw new NpmError(`npm ls ${exit.status === null ? `was ended by ${exit.signal}` : `exited with status ${exit.status}`} (npm's messages are above).`);
}

export const npmMagic: Magic<typeof OPTIONS> = {
  name: "npm",
  description: DESCRIPTION,
  options: OPTIONS,
  line: {
    args: "COMMAND [PKG…]",
    async run({ session, options, args, usageError }) {
      const [word, ...rest] = args;
      if (!word) throw usageError("%npm needs a command: install, uninstall or ls.");
      const command = COMMANDS[word];
      if (!command) throw usageError(`%npm runs install, uninstall and ls, not ${JSON.stringify(word)}.`);
      const elsewhere = rest.find((a) => ELSEWHERE.test(a));
      if (elsewhere) throw usageError(`%npm installs into the notebook's folder or, with --user, into ${USER_PACKAGES_DIR}; it does not take npm's ${elsewhere.split("=")[0]}.`);
      if (command === "uninstall" && !rest.some((a) => !a.startsWith("-"))) throw usageError("%npm uninstall needs the names of the packages to remove.");
      const target: Target = options.user ? { dir: USER_PACKAGES_DIR, user: true } : { dir: session.notebookDir, user: false };
      if (command === "ls") await list(target, rest, session);
      else await change(command, target, rest, session);
    },
  },
};
