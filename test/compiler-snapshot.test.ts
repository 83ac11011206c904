// The compiler snapshot (kernel/snapshot/), through real kernels started the way kernel.json
// starts them (sh launch.sh BLOB node … main.js): an empty cache, two kernels at once on it, a
// truncated blob, a blob for another Node, one made from another TypeScript, and an unwritable
// cache each give a working kernel and, where it can, a rebuilt blob; a kernel started from the
// snapshot gives the same values and type errors (with the cell's line) as one without it.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KERNEL_NODE_FLAGS } from "../common/paths.js";
import { blobIsCurrent, buildCompilerSnapshot, compilerBlobPath, typeScriptFile } from "../kernel/snapshot/build.js";
import type { Message } from "../kernel/protocol/messages.js";
import { errorOf, resultText, startKernel, stripAnsi, type TestKernel } from "./helpers/kernel.js";

const scratch = mkdtempSync(path.join(os.tmpdir(), "parallab-snapshot-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const kernels: TestKernel[] = [];
afterAll(async () => {
  await Promise.all(kernels.map((k) => k.stop()));
});

/** A kernel started through the launcher with its cache in `cacheDir`, its first cell run. */
async function kernelWith(cacheDir: string): Promise<TestKernel> {
  const k = await startKernel({ env: { PARALLAB_CACHE_DIR: cacheDir } });
  kernels.push(k);
  expect(resultText((await k.client.execute("1 + 1")).outputs)).toBe("2");
  return k;
}

const run = (k: TestKernel, code: string) => k.client.execute(code, { timeoutMs: 60_000 });
const startedFromBlob = async (k: TestKernel) => resultText((await run(k, 'process.execArgv.includes("--snapshot-blob")')).outputs);

/** Waits for the kernel's background build to leave a current blob and nothing else behind. */
async function rebuilt(blob: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!blobIsCurrent(blob) || existsSync(`${blob}.lock`)) {
    if (Date.now() > deadline) throw new Error(`${blob} was not rebuilt within 120 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
  // No partial blob, entry script or lock left behind (kernels started without it keep a code cache there).
  expect(readdirSync(path.dirname(blob)).filter((f) => f.startsWith(path.basename(blob)))).toEqual([path.basename(blob), `${path.basename(blob)}.key`]);
}

/** The text of a cell's outputs, for comparing two kernels. */
function shown(outputs: Message[]): string {
  const error = errorOf(outputs);
  return error ? stripAnsi(error.traceback.join("\n")) : (resultText(outputs) ?? "");
}

const emptyCache = path.join(scratch, "empty");
const blob = compilerBlobPath(emptyCache);

describe("the compiler snapshot", { timeout: 240_000 }, () => {
  it("an empty cache: two kernels at once start without it, say why, and it is built in the background (one builder at a time)", async () => {
    const [a, b] = await Promise.all([kernelWith(emptyCache), kernelWith(emptyCache)]);
    for (const k of [a, b]) {
      expect(await startedFromBlob(k)).toBe("false");
      expect(k.kernel.log()).toContain("compiler started without its snapshot");
    }
    await rebuilt(blob);
  });

  it("the next kernel starts from it, with the same values and type errors (at the cell's line) as a kernel without it", async () => {
    expect(buildCompilerSnapshot(blob).reason).toMatch(/^(built|already current)$/); // built by the test above, unless run alone
    const fromBlob = await kernelWith(emptyCache);
    expect(await startedFromBlob(fromBlob)).toBe("true");
    expect(fromBlob.kernel.log()).not.toContain("without its snapshot");
    const plain = await kernelWith("off");
    expect(await startedFromBlob(plain)).toBe("false");
    // A package in the notebook's folder (its working directory), with its types.
    for (const k of [fromBlob, plain]) {
      const pkg = path.join(k.cwd, "node_modules", "tiny-units");
      mkdirSync(pkg, { recursive: true });
      writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "tiny-units", version: "1.0.0", main: "index.js", types: "index.d.ts" }));
      writeFileSync(path.join(pkg, "index.js"), "exports.km = (m) => m / 1000;\n");
      writeFileSync(path.join(pkg, "index.d.ts"), "export declare function km(metres: number): number;\n");
    }
    const cells = [
      'import { km } from "tiny-units";\nkm(2500)',
      'km("far")',
      'import { readFileSync } from "node:fs";\nconst text: string = readFileSync("/proc/self/stat", "utf8");\ntypeof text',
      "const xs = [3, 1, 2].toSorted?.() ?? [1, 2, 3];\nxs.map((x) => x * 2)",
      "const n: number = 1;\nconst s: string = n;\ns",
      "Buffer.from('hi').toString('hex')",
      'import { Worker } from "node:worker_threads";\nawait new Promise((done) => new Worker("require(\'node:worker_threads\').parentPort.postMessage(6 * 7)", { eval: true }).on("message", done))',
      "new URL('https://example.org/a?b=1').searchParams.get('b')",
      // A runtime error's traceback (Node leaves a snapshot's Error.stackTraceLimit out: kernel/main.ts).
      "function boom(n: number): number {\n  throw new RangeError(`too big: ${n}`);\n}\nboom(5)",
      "Promise.reject(new Error('nobody catches me')); 'sent'",
    ];
    for (const code of cells) {
      const [a, b] = [shown((await run(fromBlob, code)).outputs), shown((await run(plain, code)).outputs)];
      expect(a, code).toBe(b);
    }
    const typeError = shown((await run(fromBlob, "const ok = 1;\nconst bad: string = ok;")).outputs);
    expect(typeError).toContain("Type 'number' is not assignable to type 'string'");
    expect(typeError).toMatch(/2:7|line 2/);
  });

  it("a truncated blob, or one built for another Node, is not loaded: the kernel starts as usual and rebuilds it", async () => {
    expect(buildCompilerSnapshot(blob).reason).toMatch(/^(built|already current)$/);
    for (const damage of ["truncated", "another node"] as const) {
      if (damage === "truncated") truncateSync(blob, 1_000_000);
      else {
        const [launcherLine, content] = readFileSync(`${blob}.key`, "utf8").split("\n");
        writeFileSync(`${blob}.key`, `${launcherLine!.split(" ")[0]} 1:1\n${content}\n`);
      }
      const k = await kernelWith(emptyCache);
      expect(await startedFromBlob(k)).toBe("false");
      expect(k.kernel.log()).toContain("is missing or was built for another Node");
      await rebuilt(blob);
    }
  });

  it("a blob made from another TypeScript or @types/node is loaded but not used, and rebuilt", async () => {
    const dir = path.join(scratch, "stale");
    const stale = compilerBlobPath(dir);
    mkdirSync(dir, { recursive: true });
    // What a blob from before an update holds: a whole snapshot whose content key differs.
    const entry = path.join(dir, "entry.cjs");
    writeFileSync(entry, `var exports = {};\n${readFileSync(path.resolve("dist", "kernel", "snapshot", "compiler-entry.cjs"), "utf8")}`);
    const typeRoots = [path.resolve("node_modules", "@types")];
    const request = { typescript: typeScriptFile(), typeRoots, target: "ES2022", lib: ["es2022"], key: "0:0 0:0" };
    const built = spawnSync(process.execPath, [...KERNEL_NODE_FLAGS, "--snapshot-blob", stale, "--build-snapshot", entry], {
      env: { ...process.env, PARALLAB_SNAPSHOT_REQUEST: JSON.stringify(request) },
      encoding: "utf8",
    });
    expect(built.status, built.stderr).toBe(0);
    rmSync(entry);
    const node = statSync(process.execPath);
    writeFileSync(`${stale}.key`, `${statSync(stale).size} ${node.size}:${Math.trunc(node.mtimeMs / 1000)}\n0:0 0:0\n`);
    const k = await kernelWith(dir);
    expect(await startedFromBlob(k)).toBe("true");
    expect(k.kernel.log()).toContain("made from another TypeScript or @types/node");
    expect(shown((await run(k, "const t: string = 3;")).outputs)).toContain("Type 'number' is not assignable to type 'string'");
    await rebuilt(stale);
  });

  it("an unwritable cache: the kernel starts and answers", async () => {
    const file = path.join(scratch, "a-file");
    writeFileSync(file, "not a folder");
    const k = await kernelWith(path.join(file, "cache"));
    expect(await startedFromBlob(k)).toBe("false");
    expect(resultText((await run(k, "[1, 2, 3].length")).outputs)).toBe("3");
  });
});
