// parallel.map / parallel.reduce / parallel.shared and %workers, through the real kernel and
// real worker threads.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, resultText, startKernel, stderr, stdout, type TestKernel } from "./helpers/kernel.js";

let k: TestKernel;
beforeAll(async () => {
  k = await startKernel();
  await k.client.execute('import { parallel } from "parallab";');
});
afterAll(async () => {
  await k?.stop();
});

describe("parallel.map", () => {
  it("maps a count, an array and a typed array, results in input order", async () => {
    const { outputs } = await k.client.execute(
      "const a = await parallel.map(1000, (i) => i * i);\nconst b = await parallel.map(['x', 'yy', 'zzz'], (s) => s.length);\nconst c = await parallel.map(Float32Array.of(1, 2, 3), (v, i) => v * 10 + i);\n[a.length, a[999], a.every((v, i) => v === i * i), b, c]",
    );
    expect(resultText(outputs)).toBe("[ 1000, 998001, true, [ 1, 2, 3 ], [ 10, 21, 32 ] ]");
  });

  it("keeps input order whether workers claim ranges (small inputs) or get a chunk each (large plain inputs)", async () => {
    const { outputs } = await k.client.execute(
      [
        "const words = Array.from({ length: 20000 }, (_, i) => `w${i}`);",
        "const lengths = await parallel.map(words, (w, i) => w.length * 100000 + i);",
        "const letters = (n: number) => parallel.reduce(n, (s, i) => s + String.fromCharCode(97 + (i % 26)), (a, b) => a + b, '', { chunkSize: 7 });",
        "const serial = Array.from({ length: 3000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');",
        "[lengths.every((v, i) => v === words[i].length * 100000 + i), (await letters(3000)) === serial]",
      ].join("\n"),
    );
    expect(resultText(outputs)).toBe("[ true, true ]");
  });

  it("runs async functions and honours chunkSize", async () => {
    const { outputs } = await k.client.execute("await parallel.map(7, async (i) => { await new Promise((r) => setTimeout(r, 1)); return i + 1; }, { chunkSize: 2 })");
    expect(resultText(outputs)).toBe("[\n  1, 2, 3, 4,\n  5, 6, 7\n]");
  });

  it("really uses worker threads", async () => {
    const { outputs } = await k.client.execute(
      "const ids = await parallel.map(64, () => require('node:worker_threads').threadId, { chunkSize: 1 });\n[ids.every((id) => id !== 0), new Set(ids).size >= 1]",
    );
    expect(resultText(outputs)).toBe("[ true, true ]");
  });

  it("fails at once, naming a notebook variable the function uses without `with`, and shows the fix", async () => {
    await k.client.execute("const scale = 3;");
    const { reply, outputs } = await k.client.execute("await parallel.map([1, 2, 3], (x) => x * scale)");
    expect(reply.content).toMatchObject({ status: "error", ename: "ParallelScopeError" });
    expect(errorOf(outputs)!.evalue).toContain("`scale`");
    expect(errorOf(outputs)!.evalue).toContain("{ with: { scale } }");
    const fixed = await k.client.execute("await parallel.map([1, 2, 3], (x) => x * scale, { with: { scale } })");
    expect(resultText(fixed.outputs)).toBe("[ 3, 6, 9 ]");
  });

  it("uses each call's own `with` values", async () => {
    await k.client.execute("let factor = 2;\nconst times = (x: number) => x * factor;");
    const first = await k.client.execute("await parallel.map([1, 2], times, { with: { factor: 2 } })");
    const second = await k.client.execute("await parallel.map([1, 2], times, { with: { factor: 10 } })");
    expect([resultText(first.outputs), resultText(second.outputs)]).toEqual(["[ 2, 4 ]", "[ 10, 20 ]"]);
  });

  it("binds `with` values afresh where a copy could differ, and reuses them only where it cannot", async () => {
    // Shared memory changed between calls: the second call reads the new contents.
    await k.client.execute("const cells = parallel.shared(Int32Array, 4);\nconst read = (i: number) => cells[i] * step;\nconst step = 2;");
    const first = await k.client.execute("await parallel.map(4, read, { with: { cells, step } })");
    const second = await k.client.execute("cells.fill(5);\nawait parallel.map(4, read, { with: { cells, step } })");
    expect([resultText(first.outputs), resultText(second.outputs)]).toEqual(["[ 0, 0, 0, 0 ]", "[ 10, 10, 10, 10 ]"]);
    // A plain object is a copy per call: what one call did to it does not reach the next.
    await k.client.execute("const counter = { n: 0 };\nconst bump = (_i: number) => ++counter.n;");
    const a = await k.client.execute("await parallel.map(3, bump, { with: { counter }, chunkSize: 3 })");
    const b = await k.client.execute("await parallel.map(3, bump, { with: { counter }, chunkSize: 3 })");
    expect([resultText(a.outputs), resultText(b.outputs)]).toEqual(["[ 1, 2, 3 ]", "[ 1, 2, 3 ]"]);
    // A notebook variable the function assigns stays assignable (in the worker's copy).
    await k.client.execute("let tally = 10;\nconst addUp = (i: number) => { tally = tally + i; return tally; };");
    const written = await k.client.execute("await parallel.map(3, addUp, { with: { tally }, chunkSize: 3 })");
    const again = await k.client.execute("await parallel.map(3, addUp, { with: { tally }, chunkSize: 3 })");
    expect([resultText(written.outputs), resultText(again.outputs)]).toEqual(["[ 10, 11, 13 ]", "[ 10, 11, 13 ]"]);
  });

  it("does not mistake the function's own names for notebook variables", async () => {
    await k.client.execute("const total = 1; const i = 2;");
    const { outputs } = await k.client.execute("await parallel.map(3, (n) => { let total = 0; for (let i = 0; i <= n; i++) total += i; const { max } = Math; return max(total, 0); })");
    expect(resultText(outputs)).toBe("[ 0, 1, 3 ]");
  });

  it("names the failing item when the function throws, and the pool works on", async () => {
    const { reply, outputs } = await k.client.execute("await parallel.map([1, 2, 3], (x) => { if (x === 2) throw new RangeError('bad item'); return x; })");
    expect(reply.content).toMatchObject({ status: "error", ename: "RangeError" });
    expect(errorOf(outputs)!.evalue).toBe("item 1: bad item");
    const again = await k.client.execute("await parallel.map(2, (i) => i)");
    expect(resultText(again.outputs)).toBe("[ 0, 1 ]");
  });

  it("maps a worker's stack to the line of the cell that defined the function", async () => {
    await k.client.execute("const check = (x: number) => {\n  // validate\n  if (x === 2) throw new RangeError(`bad ${x}`);\n  return x;\n};");
    const { outputs } = await k.client.execute("await parallel.map([1, 2, 3], check)");
    const error = errorOf(outputs)!;
    expect(error.evalue).toBe("item 1: bad 2");
    expect(error.traceback.join("\n")).toMatch(/Cell\[\d+\], line 3/);
    expect(error.traceback.join("\n")).toContain("if (x === 2) throw new RangeError");
  });

  it("survives a worker that exits: the error names the items, and the pool works on", async () => {
    const { outputs } = await k.client.execute("await parallel.map(4, (i) => { if (i === 2) process.exit(7); return i; }, { chunkSize: 1 })");
    expect(errorOf(outputs)!.evalue).toBe("parallel.map: a worker thread exited (code 7) while running items 2–2; the pool replaced it and works on");
    const again = await k.client.execute("await parallel.map(4, (i) => i + 1)");
    expect(resultText(again.outputs)).toBe("[ 1, 2, 3, 4 ]");
  });

  it("compiles functions passed in `with` again in the workers, and checks what they use", async () => {
    await k.client.execute("const sq = (x: number) => x * x; // a line comment\nconst K = 3;\nfunction cube(x: number) {\n  return sq(x) * x * K;\n}");
    const ok = await k.client.execute("await parallel.map([1, 2, 3], (x) => cube(x) + sq(x), { with: { sq, cube, K } })");
    expect(resultText(ok.outputs)).toBe("[ 4, 28, 90 ]");
    const missing = await k.client.execute("await parallel.map([1, 2], (x) => cube(x), { with: { cube } })");
    expect(errorOf(missing.outputs)!.evalue).toContain("with.cube uses the notebook variables `sq`, `K`");
  });

  it("explains imports, modules and values that cannot be copied to a worker", async () => {
    const named = await k.client.execute('import { cpus } from "node:os";\nawait parallel.map([1], () => cpus().length)');
    expect(errorOf(named.outputs)!.evalue).toMatch(/imported .* imports do not cross into worker threads\. Import it inside the function/);
    const namespace = await k.client.execute('import * as os from "node:os";\nawait parallel.map([1], () => os.cpus().length)');
    expect(errorOf(namespace.outputs)!.evalue).toContain("uses `os`, an object with methods");
    const inside = await k.client.execute('await parallel.map([1], () => require("node:os").cpus().length > 0)');
    expect(resultText(inside.outputs)).toBe("[ true ]");
    const symbol = await k.client.execute('await parallel.map([1], (x) => x, { with: { tag: Symbol("t") } })');
    expect(errorOf(symbol.outputs)!.evalue).toMatch(/with\.tag cannot be copied to a worker thread .*Pass plain data/);
  });

  it("rejects what cannot run in a worker with a clear error", async () => {
    const { outputs } = await k.client.execute("await parallel.map(3, Math.sqrt)");
    expect(errorOf(outputs)!.evalue).toMatch(/native or bound function/);
    const bad = await k.client.execute("await parallel.map(-1, (i) => i)");
    expect(errorOf(bad.outputs)!.evalue).toMatch(/whole number ≥ 0/);
  });
});

describe("output and progress", () => {
  it("streams each worker's output into the calling cell, prefixed with the worker id", async () => {
    const { outputs } = await k.client.execute("await parallel.map(4, (i) => { console.log(`item ${i}`); return i; }, { chunkSize: 1 })");
    const lines = stdout(outputs)
      .trimEnd()
      .split("\n")
      .sort((a, b) => a.slice(-1).localeCompare(b.slice(-1)));
    expect(lines).toHaveLength(4);
    for (const [i, line] of lines.entries()) expect(line).toMatch(new RegExp(`^\\[worker \\d+\\] item ${i}$`));
  });

  it("shows a progress bar for a long map that updates in place and ends at 100%", async () => {
    const { outputs } = await k.client.execute("(await parallel.map(5000, (i) => i)).length");
    const shown = outputs.filter((m) => m.header.msg_type === "display_data");
    const updates = outputs.filter((m) => m.header.msg_type === "update_display_data");
    expect(shown).toHaveLength(1);
    const id = (shown[0]!.content as { transient: { display_id: string } }).transient.display_id;
    const last = updates[updates.length - 1]!.content as { data: Record<string, string>; transient: { display_id: string } };
    expect(last.transient.display_id).toBe(id);
    expect(last.data["text/plain"]).toMatch(/^parallel\.map 100% \|█+\| 5000\/5000 items/);
    expect(last.data["text/html"]).toContain('<progress value="5000" max="5000"');
    expect(resultText(outputs)).toBe("5000");
    const quiet = await k.client.execute("(await parallel.map(5000, (i) => i, { progress: false })).length");
    expect(quiet.outputs.some((m) => m.header.msg_type === "display_data")).toBe(false);
  });
});

describe("shared memory and reductions", () => {
  it("parallel.shared arrays are written in place by the workers (zero-copy)", async () => {
    const { outputs } = await k.client.execute(
      "const out = parallel.shared(Float64Array, 10000);\nawait parallel.map(out, (_v, i) => { out[i] = i * 0.5; return null; }, { with: { out } });\n[out.buffer instanceof SharedArrayBuffer, out[9999], out.reduce((s, v) => s + v, 0)]",
    );
    expect(resultText(outputs)).toBe("[ true, 4999.5, 24997500 ]");
  });

  it("plain typed arrays are copied, never shared", async () => {
    const { outputs } = await k.client.execute(
      "const plain = new Float64Array(100);\nawait parallel.map(plain, (_v, i) => { plain[i] = 1; return 0; }, { with: { plain } });\nplain.reduce((s, v) => s + v, 0)",
    );
    expect(resultText(outputs)).toBe("0");
  });

  it("parallel.reduce folds chunks and combines their results", async () => {
    const { outputs } = await k.client.execute(
      "const hist = await parallel.reduce(10000, (h, i) => { h[i % 4]++; return h; }, (a, b) => a.map((v, j) => v + b[j]), [0, 0, 0, 0]);\nconst sum = await parallel.reduce(Float64Array.from({ length: 1000 }, (_, i) => i), (s, v) => s + v, (a, b) => a + b, 0);\n[hist, sum]",
    );
    expect(resultText(outputs)).toBe("[ [ 2500, 2500, 2500, 2500 ], 499500 ]");
  });
});

describe("%workers and interrupts", () => {
  it("shows the pool's state, resizes it and resets it", async () => {
    const state = await k.client.execute("%workers");
    expect(stdout(state.outputs)).toMatch(
      /^Worker pool: \d+ threads \(\d+ started\), \d+ busy, \d+ queued\ntasks: \d+ completed, \d+ failed; utilization [\d.]+%\nrun time p50 [\d.]+ ms, p99 [\d.]+ ms; wait time p50 [\d.]+ ms, p99 [\d.]+ ms\n$/,
    );
    const resized = await k.client.execute("%workers 3\nparallel.threads");
    expect(stdout(resized.outputs)).toBe("Worker pool resized to 3 threads.\n");
    expect(resultText(resized.outputs)).toBe("3");
    const ids = await k.client.execute(
      "new Set(await parallel.map(300, () => { const t = Date.now(); while (Date.now() - t < 2) {} return require('node:worker_threads').threadId; }, { chunkSize: 1 })).size",
    );
    expect(Number(resultText(ids.outputs))).toBe(3);
    const reset = await k.client.execute("%workers --reset");
    expect(stdout(reset.outputs)).toBe("Worker pool reset: 3 threads.\n");
    const bad = await k.client.execute("%workers lots");
    expect(bad.reply.content).toMatchObject({ status: "error", ename: "UsageError" });
    await k.client.execute("%workers 2");
  });

  it("an interrupt stops a long map within a second and the next map works at once", async () => {
    const running = k.client.execute("await parallel.map(8, () => { const t = Date.now(); while (Date.now() - t < 60000) {} return 1; }, { chunkSize: 1 })");
    await new Promise((r) => setTimeout(r, 800));
    const sent = Date.now();
    await k.client.request("control", "interrupt_request", {});
    const { reply } = await running;
    expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    expect(Date.now() - sent).toBeLessThan(1000);
    const next = await k.client.execute("await parallel.map(4, (i) => i * 2)");
    expect(resultText(next.outputs)).toBe("[ 0, 2, 4, 6 ]");
    expect(stderr(next.outputs)).toBe("");
  });
});

describe("%%workers SPMD cells", () => {
  it("runs the body on N ranks with collectives, streams [rank r] output and shows every rank's value", async () => {
    const { reply, outputs } = await k.client.execute(
      [
        "%%workers -n 3",
        "console.log(`hello from ${rank} of ${size}`);",
        "const total = comm.allreduce(rank + 1, 'sum');",
        "const arr = Float64Array.of(rank, rank * 2);",
        "comm.allreduce(arr, 'max');",
        "const got = comm.bcast(rank === 0 ? 'root says hi' : null, 0);",
        "const mine = comm.scatter(rank === 0 ? ['a', 'b', 'c'] : undefined, 0);",
        "const all = comm.allgather(mine);",
        "comm.send(`ring ${rank}`, (rank + 1) % size, 7);",
        "const prev = comm.recv<string>((rank + size - 1) % size, 7);",
        "comm.barrier();",
        "await new Promise((r) => setTimeout(r, 5));",
        "[total, Array.from(arr), got, all.join(''), prev]",
      ].join("\n"),
    );
    expect(reply.content).toMatchObject({ status: "ok" });
    const hello = stdout(outputs).trimEnd().split("\n").sort();
    expect(hello).toEqual(["[rank 0] hello from 0 of 3", "[rank 1] hello from 1 of 3", "[rank 2] hello from 2 of 3"]);
    const kept = await k.client.execute("[_ranks.length, _ranks[1][4]]");
    expect(resultText(kept.outputs)).toBe("[ 3, 'ring 0' ]");
    // Derived arrays are plain arrays, shown as such.
    const mapped = await k.client.execute("_ranks.map((r) => r[0])");
    expect(resultText(mapped.outputs)).toBe("[ 6, 6, 6 ]");
    expect(resultText(outputs)).toBe(
      ["[rank 0] [ 6, [ 2, 4 ], 'root says hi', 'abc', 'ring 2' ]", "[rank 1] [ 6, [ 2, 4 ], 'root says hi', 'abc', 'ring 0' ]", "[rank 2] [ 6, [ 2, 4 ], 'root says hi', 'abc', 'ring 1' ]"].join(
        "\n",
      ),
    );
  });

  it("shares notebook variables with --share: shared memory stays shared, plain data is cloned", async () => {
    await k.client.execute("const sums = parallel.shared(Int32Array, 4);\nconst config = { step: 10 };");
    const { reply } = await k.client.execute("%%workers -n 4 --share sums,config\nAtomics.add(sums, rank, config.step * rank);\nconfig.step = 0;");
    expect(reply.content).toMatchObject({ status: "ok" });
    const after = await k.client.execute("[Array.from(sums), config.step]");
    expect(resultText(after.outputs)).toBe("[ [ 0, 10, 20, 30 ], 10 ]");
  });

  it("allreduce on typed arrays: every op, sizes that grow and shrink between calls, NaN kept", async () => {
    const { outputs } = await k.client.execute(
      [
        "%%workers -n 3",
        "const out: number[][] = [];",
        "for (const n of [4, 1000, 2, 1000]) {",
        "  for (const op of ['sum', 'min', 'max', 'prod'] as const) {",
        "    const a = Float64Array.from({ length: n }, (_, i) => (i % 7) + rank + 1);",
        "    comm.allreduce(a, op);",
        "    out.push([n, a[0], a[n - 1]]);",
        "  }",
        "}",
        "const nan = Float32Array.of(rank === 1 ? NaN : 1);",
        "comm.allreduce(nan, 'max');",
        "const ints = Int32Array.of(rank * 10);",
        "comm.allreduce(ints, 'sum');",
        "[out.map((r) => r.join(':')).join(' '), nan[0], ints[0]]",
      ].join("\n"),
    );
    // Element i of rank r is (i % 7) + r + 1: ranks 0..2 give (x+1, x+2, x+3).
    const expected = (n: number) => {
      const last = (n - 1) % 7;
      const at = (x: number) => ({ sum: 3 * x + 6, min: x + 1, max: x + 3, prod: (x + 1) * (x + 2) * (x + 3) });
      return (["sum", "min", "max", "prod"] as const).map((op) => `${n}:${at(0)[op]}:${at(last)[op]}`);
    };
    const line = [4, 1000, 2, 1000].flatMap(expected).join(" ");
    expect(resultText(outputs)).toBe([0, 1, 2].map((r) => `[rank ${r}] [\n  '${line}',\n  NaN,\n  30\n]`).join("\n"));
  });

  it("reads rank, size and shared values in shorthand properties", async () => {
    await k.client.execute("const label = 'run';");
    const { outputs } = await k.client.execute("%%workers -n 2 --share label\nconst me = { rank, size, label };\nme");
    expect(resultText(outputs)).toBe("[rank 0] { rank: 0, size: 2, label: 'run' }\n[rank 1] { rank: 1, size: 2, label: 'run' }");
  });

  it("names a notebook variable the body needs but was not shared", async () => {
    const { reply, outputs } = await k.client.execute("%%workers -n 2\nconfig.step + rank");
    expect(reply.content).toMatchObject({ status: "error", ename: "UsageError" });
    expect(errorOf(outputs)!.evalue).toContain("Add --share config");
  });

  it("reports type errors at the cell's own lines", async () => {
    const { outputs } = await k.client.execute("%%workers -n 2\nconst fine = 1;\nconst bad: number = 'text';");
    const error = errorOf(outputs)!;
    expect(error.ename).toBe("TSError");
    expect(error.traceback.join("\n")).toMatch(/line 3, col 7/);
  });

  it("fails fast with the failing rank's error when a peer is left waiting in a collective", async () => {
    const started = Date.now();
    const { reply, outputs } = await k.client.execute("%%workers -n 3\nif (rank === 1) throw new Error('rank one broke');\nconst s = comm.allreduce(Float32Array.of(rank), 'sum');\ns[0]");
    expect(Date.now() - started).toBeLessThan(3000);
    expect(reply.content).toMatchObject({ status: "error", ename: "Error" });
    const error = errorOf(outputs)!;
    expect(error.evalue).toBe("rank 1: rank one broke");
    expect(error.traceback.join("\n")).toMatch(/Cell\[\d+\], line 2/);
  });

  it("an interrupt stops spinning ranks within a second", async () => {
    const running = k.client.execute("%%workers -n 2\nwhile (true) {}");
    await new Promise((r) => setTimeout(r, 800));
    const sent = Date.now();
    await k.client.request("control", "interrupt_request", {});
    const { reply } = await running;
    expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    expect(Date.now() - sent).toBeLessThan(1000);
    const again = await k.client.execute("%%workers -n 2\nrank * 100");
    expect(resultText(again.outputs)).toBe("[rank 0] 0\n[rank 1] 100");
  });
});

describe("workers that run out of memory", () => {
  it("lose only that worker: the cell fails clearly and the kernel and pool live on", async () => {
    const small = await startKernel({ env: { PARALLAB_WORKER_HEAP_MB: "64" } });
    try {
      await small.client.execute('import { parallel } from "parallab";');
      const hog = "const hog: number[][] = []; for (;;) hog.push(new Array(1e5).fill(1));";
      const { outputs } = await small.client.execute(`await parallel.map(2, () => { ${hog} }, { chunkSize: 1 })`);
      expect(errorOf(outputs)!.evalue).toMatch(/^parallel\.map: a worker thread ran out of memory \(heap limit 64 MB\)/);
      const rankCell = await small.client.execute(`%%workers -n 2\nif (rank === 1) { ${hog} }\ncomm.barrier();`);
      expect(errorOf(rankCell.outputs)!.evalue).toMatch(/^rank 1: .*memory/);
      const after = await small.client.execute("await parallel.map(3, (i) => i * 3)");
      expect(resultText(after.outputs)).toBe("[ 0, 3, 6 ]");
    } finally {
      await small.stop();
    }
  });
});
