// V8's code cache of the TypeScript compiler (kernel/execute/code-cache.ts), through real kernels:
// each starts and answers correctly with an empty, a stale, a truncated and an unwritable cache,
// and two at once on an empty one; type errors still come with the cell's line; a session's
// results are the same with and without the cache.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KERNEL_MAIN, KERNEL_NODE_FLAGS } from "../common/paths.js";
import { errorOf, resultText, startKernel, stripAnsi, type TestKernel } from "./helpers/kernel.js";

const scratch = mkdtempSync(path.join(os.tmpdir(), "parallab-code-cache-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const MAGIC = "parallab-v8-code-cache-1\n";
const PLAIN_NODE = [process.execPath, ...KERNEL_NODE_FLAGS, KERNEL_MAIN, "{connection_file}"];

/**
 * A kernel with its compiler's code cache in `dir` ("off": none), its first cell run. It starts
 * as plain Node, not through kernel.json's launcher: a kernel started from the compiler snapshot
 * (compiler-snapshot.test.ts) has TypeScript compiled already and needs no code cache.
 */
async function kernelWith(dir: string): Promise<TestKernel> {
  const k = await startKernel({ env: { PARALLAB_CACHE_DIR: dir }, argv: PLAIN_NODE });
  expect(resultText((await k.client.execute("1 + 1")).outputs)).toBe("2");
  return k;
}

/** The cache files in `dir` (no temporary files left behind). */
function cacheFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => !f.startsWith(".")) : [];
}

/** True when `file` is a whole cache file: our header, then as many bytes as it says. */
function isWhole(file: string): boolean {
  const bytes = readFileSync(file);
  if (bytes.subarray(0, MAGIC.length).toString() !== MAGIC) return false;
  return bytes.length === MAGIC.length + 4 + bytes.readUInt32LE(MAGIC.length);
}

/** A fresh cache folder holding one whole cache file, written by a first kernel; returns the file. */
async function primed(name: string): Promise<string> {
  const dir = path.join(scratch, name);
  const k = await kernelWith(dir);
  await k.stop();
  const [file] = cacheFiles(dir);
  expect(file).toMatch(/^typescript-\d+\.\d+\.\d+-[0-9a-f]{16}\.v8cache$/);
  return path.join(dir, file!);
}

describe("the compiler's code cache", { timeout: 120_000 }, () => {
  it("is written by the first kernel on an empty cache, and read, not rewritten, by the next", async () => {
    const file = await primed("empty");
    expect(isWhole(file)).toBe(true);
    const before = statSync(file);
    const k = await kernelWith(path.dirname(file));
    await k.stop();
    const after = statSync(file);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it("is written again when V8 rejects it (stale: another build's data under the name) or it is truncated", async () => {
    for (const damage of ["stale", "truncated"] as const) {
      const file = await primed(damage);
      const whole = readFileSync(file);
      // stale: a whole file by our header whose data V8 did not write for this source.
      const damaged = damage === "stale" ? Buffer.concat([whole.subarray(0, MAGIC.length + 4), Buffer.alloc(whole.length - MAGIC.length - 4, 7)]) : whole.subarray(0, whole.length >> 1);
      writeFileSync(file, damaged);
      const k = await kernelWith(path.dirname(file));
      await k.stop();
      expect(isWhole(file), damage).toBe(true);
      expect(readFileSync(file).equals(damaged), damage).toBe(false);
      expect(cacheFiles(path.dirname(file)), damage).toHaveLength(1);
    }
  });

  it("costs nothing but itself where it cannot be written: the kernel works and its log says why", async () => {
    // Root writes through chmod; a folder beneath a regular file cannot be made by anyone.
    const blocker = path.join(scratch, "not-a-folder");
    writeFileSync(blocker, "");
    const k = await kernelWith(path.join(blocker, "cache"));
    try {
      expect(resultText((await k.client.execute("const twice = (n: number) => 2 * n;\ntwice(21)")).outputs)).toBe("42");
      expect(k.kernel.log()).toMatch(/the compiler's code cache was not written \(.*not-a-folder\/cache\/typescript-.*\): .*; the next kernel compiles TypeScript from source again/);
    } finally {
      await k.stop();
    }
  });

  it("serves two kernels starting at once on an empty cache: both answer, one whole file, no temporary left", async () => {
    const dir = path.join(scratch, "together");
    mkdirSync(dir);
    const kernels = await Promise.all([kernelWith(dir), kernelWith(dir)]);
    await Promise.all(kernels.map((k) => k.stop()));
    const files = cacheFiles(dir);
    expect(files).toHaveLength(1);
    expect(isWhole(path.join(dir, files[0]!))).toBe(true);
  });

  it("changes no result: declarations, a type error with its line, a runtime error, with and without the cache", async () => {
    const cells = [
      "const rows = [3, 1, 2];\nfunction largest(xs: number[]): number { return Math.max(...xs); }\nlargest(rows)",
      'const count: number = "three";',
      "function fail(): never {\n  throw new RangeError('no rows');\n}\nfail()",
      "rows.map((r) => r * 10)",
    ];
    const session = async (dir: string) => {
      const k = await kernelWith(dir);
      try {
        const shown: string[] = [];
        for (const cell of cells) {
          const { outputs } = await k.client.execute(cell);
          const error = errorOf(outputs);
          shown.push(error ? `${error.ename}: ${error.evalue}\n${stripAnsi(error.traceback.join("\n"))}` : String(resultText(outputs)));
        }
        return shown;
      } finally {
        await k.stop();
      }
    };
    const cached = path.dirname(await primed("same"));
    const [withCache, without] = [await session(cached), await session("off")];
    expect(withCache).toEqual(without);
    expect(withCache[0]).toBe("3");
    expect(withCache[1]).toMatch(/Type 'string' is not assignable to type 'number'/);
    expect(withCache[1]).toMatch(/line 1\b|1:7/);
    expect(withCache[2]).toMatch(/RangeError: no rows/);
    expect(withCache[3]).toBe("[ 30, 10, 20 ]");
  });
});
