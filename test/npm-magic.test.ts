// %npm through the real kernel and the real npm (the npm registry must be reachable): packages go
// into the notebook's folder, the next cell imports them by name with their types, npm's errors
// fail the cell and leave package.json as it was, an interrupt stops npm's process group, and a
// folder the user cannot write to is met with the per-user location.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KERNEL_MAIN, KERNEL_NODE_FLAGS } from "../common/paths.js";
import type { Message } from "../kernel/protocol/messages.js";
import { errorOf, resultText, startKernel, stderr, stdout, stripAnsi, type TestKernel } from "./helpers/kernel.js";

/** Small packages without dependencies, pinned: camelcase 6 is CommonJS, decamelize 6 is ESM only. */
const COMMONJS = "camelcase@6.3.0";
const ESM_ONLY = "decamelize@6.0.0";
const INSTALL_TIMEOUT = 180_000;

const packageJson = (dir: string) => path.join(dir, "package.json");
const read = (file: string) => readFileSync(file, "utf8");
const dependencies = (dir: string) => Object.keys((JSON.parse(read(packageJson(dir))) as { dependencies?: object }).dependencies ?? {});

/** A package folder: `files` relative to it, package.json from `manifest`. */
function makePackage(dir: string, manifest: object, files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(packageJson(dir), JSON.stringify(manifest));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const scratch = mkdtempSync(path.join(os.tmpdir(), "parallab-npm-"));
let k: TestKernel;
beforeAll(async () => {
  k = await startKernel({ env: { XDG_DATA_HOME: path.join(scratch, "xdg") } });
});
afterAll(async () => {
  await k?.stop();
  // An install script the interrupt test started, should that test have failed before stopping it.
  const pidFile = path.join(scratch, "slow-install", "pid");
  if (existsSync(pidFile) && isAlive(Number(read(pidFile)))) process.kill(Number(read(pidFile)), "SIGKILL");
  rmSync(scratch, { recursive: true, force: true });
});

describe("%npm install", () => {
  it(
    "creates the notebook folder's package.json and installs a CommonJS package; the next cell imports it with its types",
    async () => {
      expect(existsSync(packageJson(k.cwd))).toBe(false);
      const { outputs } = await k.client.execute(`%npm install ${COMMONJS}`);
      expect(errorOf(outputs)).toBeUndefined();
      expect(stdout(outputs)).toContain(`Created ${packageJson(k.cwd)}`);
      expect(stripAnsi(stdout(outputs))).toMatch(/added 1 package/);
      expect(dependencies(k.cwd)).toEqual(["camelcase"]);
      expect(JSON.parse(read(packageJson(k.cwd)))).toMatchObject({ private: true });

      const used = await k.client.execute('import camelCase from "camelcase";\ncamelCase("foo-bar")');
      expect(errorOf(used.outputs)).toBeUndefined();
      expect(resultText(used.outputs)).toBe("'fooBar'");
      // Its types: a wrong argument is a compile error, and the cell does not run.
      const wrong = await k.client.execute('camelCase(42);\nconsole.log("ran")');
      expect(errorOf(wrong.outputs)?.ename).toBe("TSError");
      expect(errorOf(wrong.outputs)?.evalue).toMatch(/^TS2345: Argument of type 'number' is not assignable to parameter of type 'string \| readonly string\[\]'/);
      expect(stdout(wrong.outputs)).toBe("");
      // Completion knows them too.
      const { reply } = await k.client.request("shell", "complete_request", { code: "camelCase(", cursor_pos: 10 });
      expect((reply.content as { status: string }).status).toBe("ok");
      const inspected = await k.client.request("shell", "inspect_request", { code: "camelCase", cursor_pos: 9, detail_level: 0 });
      expect(JSON.stringify((inspected.reply.content as { data: object }).data)).toContain("string | readonly string[]");
    },
    INSTALL_TIMEOUT,
  );

  it(
    "installs an ESM-only package: the next cell imports it (and require()s it) with its types",
    async () => {
      const { outputs } = await k.client.execute(`%npm install ${ESM_ONLY}`);
      expect(errorOf(outputs)).toBeUndefined();
      const manifest = JSON.parse(read(path.join(k.cwd, "node_modules", "decamelize", "package.json"))) as { type?: string; main?: string };
      expect(manifest.type).toBe("module");
      expect(manifest.main).toBeUndefined();

      const used = await k.client.execute('import decamelize from "decamelize";\ndecamelize("fooBar")');
      expect(errorOf(used.outputs)).toBeUndefined();
      expect(resultText(used.outputs)).toBe("'foo_bar'");
      const wrong = await k.client.execute("decamelize(3)");
      expect(errorOf(wrong.outputs)?.evalue).toMatch(/^TS2345: Argument of type 'number' is not assignable to parameter of type 'string'/);
      const required = await k.client.execute('require("decamelize").default("barBaz")');
      expect(resultText(required.outputs)).toBe("'bar_baz'");
    },
    INSTALL_TIMEOUT,
  );

  it(
    "imports a package whose types and entry points only its package.json exports name (subpaths too)",
    async () => {
      const dir = makePackage(
        path.join(scratch, "exports-only"),
        {
          name: "exports-only-types",
          version: "1.0.0",
          type: "module",
          exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" }, "./extra": { types: "./dist/extra.d.ts", default: "./dist/extra.js" } },
        },
        {
          "dist/index.js": "export function twice(n) { return n * 2; }\n",
          "dist/index.d.ts": "export declare function twice(n: number): number;\n",
          "dist/extra.js": "export const answer = 42;\n",
          "dist/extra.d.ts": "export declare const answer: 42;\n",
        },
      );
      const { outputs } = await k.client.execute(`%npm install ${dir}`);
      expect(errorOf(outputs)).toBeUndefined();
      const used = await k.client.execute('import { twice } from "exports-only-types";\nimport { answer } from "exports-only-types/extra";\ntwice(answer)');
      expect(errorOf(used.outputs)).toBeUndefined();
      expect(resultText(used.outputs)).toBe("84");
      expect(errorOf((await k.client.execute('twice("21")')).outputs)?.evalue).toMatch(/^TS2345: Argument of type 'string' is not assignable to parameter of type 'number'/);
      expect(errorOf((await k.client.execute("const notIt: 43 = answer")).outputs)?.evalue).toMatch(/^TS2322: Type '42' is not assignable to type '43'/);
    },
    INSTALL_TIMEOUT,
  );

  it(
    "a package that does not exist: npm's error in the cell, the cell fails, package.json is unchanged, the kernel lives",
    async () => {
      const before = read(packageJson(k.cwd));
      const missing = `parallab-test-no-such-package-${randomBytes(6).toString("hex")}`;
      const { outputs, reply } = await k.client.execute(`%npm install ${missing}`);
      expect((reply.content as { status: string }).status).toBe("error");
      expect(stripAnsi(stderr(outputs))).toMatch(/npm error code E404/);
      expect(stripAnsi(stderr(outputs))).toContain(missing);
      const error = errorOf(outputs)!;
      expect(error.ename).toBe("NpmError");
      expect(error.evalue).toBe(`npm install exited with status 1 (npm's messages are above); ${packageJson(k.cwd)} is as it was.`);
      expect(read(packageJson(k.cwd))).toBe(before);
      expect(resultText((await k.client.execute("camelCase('still-here')")).outputs)).toBe("'stillHere'");
    },
    INSTALL_TIMEOUT,
  );
});

describe("%npm ls and %npm uninstall", () => {
  it(
    "%npm ls lists what is installed",
    async () => {
      const { outputs } = await k.client.execute("%npm ls");
      expect(errorOf(outputs)).toBeUndefined();
      const listed = stripAnsi(stdout(outputs));
      expect(listed).toContain(k.cwd);
      expect(listed).toContain("camelcase@6.3.0");
      expect(listed).toContain("decamelize@6.0.0");
      expect(listed).toContain("exports-only-types@");
    },
    INSTALL_TIMEOUT,
  );

  it(
    "%npm uninstall removes a package: from package.json, node_modules and %npm ls; a new import says how to install it",
    async () => {
      const { outputs } = await k.client.execute("%npm uninstall decamelize");
      expect(errorOf(outputs)).toBeUndefined();
      expect(stripAnsi(stdout(outputs))).toMatch(/removed 1 package/);
      // This kernel has loaded it: it stays loaded, and the cell says so.
      expect(stderr(outputs)).toContain("decamelize was already loaded in this kernel");
      expect(dependencies(k.cwd)).not.toContain("decamelize");
      expect(existsSync(path.join(k.cwd, "node_modules", "decamelize"))).toBe(false);
      expect(stripAnsi(stdout((await k.client.execute("%npm ls")).outputs))).not.toContain("decamelize");
      const again = errorOf((await k.client.execute('import decamelizeAgain from "decamelize"')).outputs);
      expect(again?.evalue).toContain("TS2307: Cannot find module 'decamelize'");
      expect(again?.evalue).toContain("`%npm install decamelize`");
    },
    INSTALL_TIMEOUT,
  );
});

describe("a package that is not installed", () => {
  it("`import` fails at compile time and says `%npm install NAME` (the package's name for a subpath)", async () => {
    const plain = errorOf((await k.client.execute('import leftPad from "left-pad";')).outputs)!;
    expect(plain.ename).toBe("TSError");
    expect(plain.evalue).toBe(
      `TS2307: Cannot find module 'left-pad' or its corresponding type declarations. The package is not installed. Run \`%npm install left-pad\` in a cell before this one; it installs into this notebook's folder (${k.cwd}).`,
    );
    const scoped = errorOf((await k.client.execute('import { thing } from "@parallab-test/absent/sub/path";')).outputs)!;
    expect(scoped.evalue).toContain("`%npm install @parallab-test/absent`");
    // A subpath an installed package does not have is not a missing package.
    const subpath = errorOf((await k.client.execute('import nope from "camelcase/nope";')).outputs)!;
    expect(subpath.evalue).toMatch(/^TS2307: /);
    expect(subpath.evalue).not.toContain("%npm install");
  });

  it("`require` fails at run time and says `%npm install NAME`; the kernel lives", async () => {
    const { outputs } = await k.client.execute('const leftPad = require("left-pad");');
    const error = errorOf(outputs)!;
    expect(error.ename).toBe("Error");
    expect(error.evalue).toBe(`Cannot find module 'left-pad': the package is not installed. Run \`%npm install left-pad\`; it installs into this notebook's folder (${k.cwd}).`);
    expect(resultText((await k.client.execute("1 + 1")).outputs)).toBe("2");
  });

  it(
    "once installed, the import that failed works in the next cell",
    async () => {
      expect(errorOf((await k.client.execute('import decamelizeEarly from "decamelize";')).outputs)?.evalue).toContain("`%npm install decamelize`");
      expect(errorOf((await k.client.execute(`%npm install ${ESM_ONLY}`)).outputs)).toBeUndefined();
      const { outputs } = await k.client.execute('import decamelizeNow from "decamelize";\ndecamelizeNow("oneTwo")');
      expect(errorOf(outputs)).toBeUndefined();
      expect(resultText(outputs)).toBe("'one_two'");
    },
    INSTALL_TIMEOUT,
  );
});

describe("npm's process", () => {
  it(
    "streams npm's output into the cell while it runs; an interrupt stops npm's process group and leaves package.json as it was",
    async () => {
      // An install script that says something, then waits: npm's output must show before npm ends.
      const dir = makePackage(
        path.join(scratch, "slow-install"),
        { name: "slow-install", version: "1.0.0", scripts: { postinstall: "node wait.js" } },
        {
          "wait.js": 'require("fs").writeFileSync(require("path").join(__dirname, "pid"), String(process.pid));\nconsole.log("slow-install: waiting");\nsetTimeout(() => {}, 600000);\n',
        },
      );
      const pidFile = path.join(dir, "pid");
      const before = read(packageJson(k.cwd));
      let interruptSent = false;
      const done = k.client.execute(`%npm install ${dir}`, {
        timeoutMs: INSTALL_TIMEOUT,
        onOutput: (msg: Message) => {
          const text = msg.header.msg_type === "stream" ? (msg.content as { text: string }).text : "";
          if (text.includes("slow-install: waiting") && !interruptSent) {
            interruptSent = true;
            void k.client.request("control", "interrupt_request", {});
          }
        },
      });
      const { outputs } = await done;
      // The script's line came while npm ran: it is what made the test interrupt.
      expect(interruptSent).toBe(true);
      expect(stdout(outputs)).toContain("slow-install: waiting");
      expect(errorOf(outputs)?.ename).toBe("KeyboardInterrupt");
      const pid = Number(read(pidFile));
      await until("the install script to be stopped", () => !isAlive(pid));
      await until("package.json to be as it was", () => read(packageJson(k.cwd)) === before);
      expect(resultText((await k.client.execute("camelCase('alive-after-interrupt')")).outputs)).toBe("'aliveAfterInterrupt'");
    },
    INSTALL_TIMEOUT,
  );
});

describe("help and bad use", () => {
  it("%lsmagic, %magic and %npm? cover it", async () => {
    expect(stdout((await k.client.execute("%lsmagic")).outputs)).toMatch(/%npm\b/);
    expect(stdout((await k.client.execute("%magic")).outputs)).toContain("%npm [--user] COMMAND [PKG…]");
    const { reply } = await k.client.execute("%npm?");
    const page = (reply.content as { payload: { data: Record<string, string> }[] }).payload[0]?.data["text/plain"];
    expect(page).toContain("%npm install PKG…");
    expect(page).toContain("--user");
    expect(page).toContain("$XDG_DATA_HOME/parallab/packages");
  });

  it("bad commands are UsageErrors that say what %npm runs", async () => {
    const cases: [string, string][] = [
      ["%npm", "%npm needs a command: install, uninstall or ls."],
      ["%npm publish", '%npm runs install, uninstall and ls, not "publish".'],
      ["%npm uninstall", "%npm uninstall needs the names of the packages to remove."],
      ["%npm install -- -g left-pad", "it does not take npm's -g."],
      ["%npm install --save-dev left-pad", "unknown option --save-dev."],
    ];
    for (const [code, message] of cases) {
      const error = errorOf((await k.client.execute(code)).outputs)!;
      expect(error.ename, code).toBe("UsageError");
      expect(error.evalue, code).toContain(message);
    }
  });
});

describe("a notebook folder the user cannot write to", () => {
  let locked: TestKernel;
  const folder = path.join(scratch, "read-only-notebooks");
  const xdg = path.join(scratch, "xdg-locked");
  const userPackages = path.join(xdg, "parallab", "packages");
  beforeAll(async () => {
    mkdirSync(folder);
    chmodSync(folder, 0o555);
    // root writes anywhere (CAP_DAC_OVERRIDE): run that kernel without that power, as a user would be.
    const asUser = process.getuid?.() === 0 ? ["setpriv", "--bounding-set=-dac_override", "--"] : [];
    locked = await startKernel({ cwd: folder, argv: [...asUser, process.execPath, ...KERNEL_NODE_FLAGS, KERNEL_MAIN, "{connection_file}"], env: { XDG_DATA_HOME: xdg } });
  });
  afterAll(async () => {
    await locked?.stop();
    chmodSync(folder, 0o755);
  });

  it("the kernel really cannot write there", async () => {
    const { outputs } = await locked.client.execute('require("fs").writeFileSync("probe.txt", "x")');
    expect(errorOf(outputs)?.evalue).toMatch(/EACCES/);
  });

  it(
    "%npm install says so and offers the per-user location; installed there, the next cell imports the package with its types",
    async () => {
      const refused = await locked.client.execute(`%npm install ${COMMONJS}`);
      const error = errorOf(refused.outputs)!;
      expect(error.ename).toBe("FolderNotWritableError");
      expect(error.evalue).toContain(`${folder} is not writable (EACCES)`);
      expect(error.evalue).toContain(`%npm install --user ${COMMONJS}`);
      expect(error.evalue).toContain(`${userPackages} ($XDG_DATA_HOME/parallab/packages), where this kernel looks for packages after the notebook's folder`);
      expect(existsSync(packageJson(folder))).toBe(false);

      const { outputs } = await locked.client.execute(`%npm install --user ${COMMONJS}`);
      expect(errorOf(outputs)).toBeUndefined();
      expect(stdout(outputs)).toContain(`Created ${packageJson(userPackages)}`);
      expect(dependencies(userPackages)).toEqual(["camelcase"]);
      const used = await locked.client.execute('import camelCase from "camelcase";\ncamelCase("user-wide")');
      expect(resultText(used.outputs)).toBe("'userWide'");
      expect(errorOf((await locked.client.execute("camelCase(7)")).outputs)?.evalue).toMatch(/^TS2345: /);
      expect(resultText((await locked.client.execute('require("camelcase")("at-run-time")')).outputs)).toBe("'atRunTime'");
      expect(stripAnsi(stdout((await locked.client.execute("%npm ls --user")).outputs))).toContain("camelcase@6.3.0");
    },
    INSTALL_TIMEOUT,
  );
});
