// %%mpi through the real kernel and real mpirun (Open MPI): the same cell gives the same values
// as %%workers, errors and interrupts stop the job, and a run spans two "hosts" (two network
// namespaces joined by a veth pair, reached through Open MPI's rsh launcher).
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mpiMissing } from "../kernel/mpi/addon.js";
import { errorOf, resultText, startKernel, stderr, stdout, type TestKernel } from "./helpers/kernel.js";

const INSTALL = "apt-get install -y openmpi-bin libopenmpi-dev iproute2 && npm run build:mpi";
const missing = mpiMissing();
if (missing) console.warn(`test/mpi.test.ts: the %%mpi tests skip: ${missing}\n  To run them: ${INSTALL}`);

/** Monte Carlo pi (seeded xorshift per rank), collectives on typed arrays, scatter/gather, a ring. */
const SPMD_BODY = [
  "const N = 200000;",
  "let s = ((rank + 1) * 2654435761) >>> 0;",
  "let inside = 0;",
  "for (let i = 0; i < N; i++) {",
  "  s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;",
  "  const x = s / 4294967296;",
  "  s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;",
  "  const y = s / 4294967296;",
  "  if (x * x + y * y <= 1) inside++;",
  "}",
  "console.log(`inside ${inside} of ${N}`);",
  "const pi = (4 * comm.allreduce(inside, 'sum')) / (N * size);",
  "const v = comm.allreduce(Float64Array.from({ length: 4 }, (_, i) => rank * 10 + i + 0.5), 'sum');",
  "const lo = comm.allreduce(Float32Array.of(rank + 0.5, -rank), 'min');",
  "const mine = comm.scatter(rank === 0 ? [[1, 2], [3, 4]] : undefined, 0);",
  "const squares = comm.gather(mine.map((x) => x * x), 0);",
  "const everyone = comm.allgather(`r${rank}`);",
  "const shared = comm.bcast(rank === 0 ? { note: 'from root', data: Int32Array.of(7, 8) } : null, 0);",
  "comm.send({ from: rank, data: Float32Array.of(rank, rank + 0.25) }, (rank + 1) % size, 5);",
  "comm.send(Float64Array.of(rank * 1.5), (rank + 1) % size, 6);",
  "const ring = comm.recv<{ from: number; data: Float32Array }>((rank + size - 1) % size, 5);",
  "const raw = comm.recv<Float64Array>((rank + size - 1) % size, 6);",
  "comm.barrier();",
  "[pi, Array.from(v), Array.from(lo), mine, squares, everyone, shared.note, Array.from(shared.data), ring.from, Array.from(ring.data), raw instanceof Float64Array, raw[0], comm.allreduce(rank + 1, 'max')]",
].join("\n");

describe("%%mpi without MPI", () => {
  it("explains how to get MPI when mpirun is missing", async () => {
    const emptyPath = mkdtempSync(path.join(os.tmpdir(), "parallab-no-mpi-"));
    const k = await startKernel({ env: { PATH: emptyPath } });
    try {
      const { reply, outputs } = await k.client.execute("%%mpi -n 2\nrank");
      expect(reply.content).toMatchObject({ status: "error", ename: "UsageError" });
      const message = errorOf(outputs)!.evalue;
      expect(message).toContain("apt-get install -y openmpi-bin libopenmpi-dev");
      expect(message).toContain("npm run build:mpi");
      const status = await k.client.execute("%mpi");
      expect(stdout(status.outputs)).toMatch(/%%mpi cannot run: MPI is not installed \(no mpirun on PATH\)\. Install Open MPI: apt-get install -y openmpi-bin libopenmpi-dev/);
    } finally {
      await k.stop();
      rmSync(emptyPath, { recursive: true, force: true });
    }
  });
});

describe.skipIf(missing !== null)(missing ? `%%mpi (skipped: ${missing}; to run: ${INSTALL})` : "%%mpi on this machine", () => {
  let k: TestKernel;
  beforeAll(async () => {
    k = await startKernel();
  });
  afterAll(async () => {
    await k?.stop();
  });

  it("%mpi shows Open MPI's version and that the bindings are built", async () => {
    const { outputs } = await k.client.execute("%mpi");
    expect(stdout(outputs)).toMatch(/^mpirun: \S+ \(mpirun \(Open MPI\) [\d.]+\)\n/);
    expect(stdout(outputs)).toMatch(/bindings: \S+mpi\.node; %%mpi is ready\.\n$/);
  });

  it("gives the same values and output as %%workers for the same cell", async () => {
    const threads = await k.client.execute(`%%workers -n 2\n${SPMD_BODY}`);
    const mpi = await k.client.execute(`%%mpi -n 2\n${SPMD_BODY}`, { timeoutMs: 120000 });
    expect(mpi.reply.content).toMatchObject({ status: "ok" });
    expect(threads.reply.content).toMatchObject({ status: "ok" });
    expect(resultText(mpi.outputs)).toBe(resultText(threads.outputs));
    const lines = (o: typeof mpi.outputs) => stdout(o).trimEnd().split("\n").sort();
    expect(lines(mpi.outputs)).toEqual(lines(threads.outputs));
    expect(lines(mpi.outputs)).toEqual([expect.stringMatching(/^\[rank 0\] inside \d+ of 200000$/), expect.stringMatching(/^\[rank 1\] inside \d+ of 200000$/)]);
    const text = resultText(mpi.outputs)!;
    expect(text).toMatch(
      /^\[rank 0\] \[\n {2}3\.1\d+,\n {2}\[ 11, 13, 15, 17 \],\n {2}\[ 0\.5, -1 \],\n {2}\[ 1, 2 \],\n {2}\[ \[ 1, 4 \], \[ 9, 16 \] \],\n {2}\[ 'r0', 'r1' \],\n {2}'from root',\n {2}\[ 7, 8 \],\n {2}1,\n {2}\[ 1, 1\.25 \],\n {2}true,\n {2}1\.5,\n {2}2\n\]\n\[rank 1\] /,
    );
    expect(text).toContain("[rank 1] [\n  3.1");
    const kept = await k.client.execute("[_ranks.length, _ranks[1][8], _ranks[0][4]]");
    expect(resultText(kept.outputs)).toBe("[ 2, 0, [ [ 1, 4 ], [ 9, 16 ] ] ]");
  });

  it("shares notebook variables with --share (copies) and names those it needs", async () => {
    await k.client.execute("const weights = Float64Array.of(0.5, 2);\nconst cfg = { scale: 3 };");
    const { reply, outputs } = await k.client.execute("%%mpi -n 2 --share weights,cfg\ncfg.scale * weights[rank] + comm.Wtime() * 0", { timeoutMs: 120000 });
    expect(reply.content).toMatchObject({ status: "ok" });
    expect(resultText(outputs)).toBe("[rank 0] 1.5\n[rank 1] 6");
    // A large last value (many of mpirun's chunks) arrives whole, after output without a newline.
    const large = await k.client.execute("%%mpi -n 2\nprocess.stdout.write('no newline');\nFloat64Array.from({ length: 300000 }, (_, i) => i * (rank + 1))", { timeoutMs: 120000 });
    expect(stdout(large.outputs)).toMatch(/^(\[rank [01]\] no newline){2}$/);
    const got = await k.client.execute("[_ranks[0].length, _ranks[0][299999], _ranks[1][299999], _ranks[1] instanceof Float64Array]");
    expect(resultText(got.outputs)).toBe("[ 300000, 299999, 599998, true ]");
    const unshared = await k.client.execute("%%mpi -n 2\ncfg.scale");
    expect(unshared.reply.content).toMatchObject({ status: "error", ename: "UsageError" });
    expect(errorOf(unshared.outputs)!.evalue).toContain("Add --share cfg");
  });

  it("reads rank, size and shared values in shorthand properties, as %%workers does", async () => {
    // tslab leaves a shorthand property's name as a plain identifier (not exports.NAME): the ranks must bind it.
    const short = await k.client.execute("%%mpi -n 2\n({ rank })", { timeoutMs: 120000 });
    expect(short.reply.content).toMatchObject({ status: "ok" });
    expect(resultText(short.outputs)).toBe("[rank 0] { rank: 0 }\n[rank 1] { rank: 1 }");
    expect(resultText((await k.client.execute("%%workers -n 2\n({ rank })")).outputs)).toBe(resultText(short.outputs));
    await k.client.execute("const label = 'run';");
    const body = "--share label\nconst me = { rank, size, label };\nconsole.log(me);\nme";
    const mpi = await k.client.execute(`%%mpi -n 2 ${body}`, { timeoutMs: 120000 });
    const threads = await k.client.execute(`%%workers -n 2 ${body}`);
    expect(mpi.reply.content).toMatchObject({ status: "ok" });
    expect(resultText(mpi.outputs)).toBe("[rank 0] { rank: 0, size: 2, label: 'run' }\n[rank 1] { rank: 1, size: 2, label: 'run' }");
    expect(resultText(threads.outputs)).toBe(resultText(mpi.outputs));
    const lines = (o: typeof mpi.outputs) => stdout(o).trimEnd().split("\n").sort();
    expect(lines(mpi.outputs)).toEqual(["[rank 0] { rank: 0, size: 2, label: 'run' }", "[rank 1] { rank: 1, size: 2, label: 'run' }"]);
    expect(lines(threads.outputs)).toEqual(lines(mpi.outputs));
  });

  it("an error on rank 1 aborts the job and shows that rank's error at the cell's line", async () => {
    const { reply, outputs } = await k.client.execute(
      "%%mpi -n 2\nconst before = comm.allreduce(1, 'sum');\nif (rank === 1) throw new RangeError(`rank one broke after ${before}`);\ncomm.barrier();\nrank",
      { timeoutMs: 120000 },
    );
    expect(reply.content).toMatchObject({ status: "error", ename: "RangeError" });
    const error = errorOf(outputs)!;
    expect(error.evalue).toBe("rank 1: rank one broke after 2");
    expect(error.traceback[0]).toBe("rank 1 failed:");
    expect(error.traceback.join("\n")).toMatch(/Cell\[\d+\], line 3/);
    expect(error.traceback.join("\n")).toContain("if (rank === 1) throw new RangeError");
    const exited = await k.client.execute("%%mpi -n 2\nif (rank === 1) process.exit(3);\ncomm.barrier();\nrank", { timeoutMs: 120000 });
    expect(exited.reply.content).toMatchObject({ status: "error", ename: "MpiLaunchError" });
    expect(errorOf(exited.outputs)!.evalue).toMatch(/^rank 1's process exited \(code 3\) before it finished; mpirun stopped the job\./);
    const again = await k.client.execute("%%mpi -n 2\nrank * 100", { timeoutMs: 120000 });
    expect(resultText(again.outputs)).toBe("[rank 0] 0\n[rank 1] 100");
  });

  it("one interrupt reaches everything that runs the user's code: a pool call left running by an earlier cell, and the %%mpi job", async () => {
    await k.client.execute('import { parallel } from "parallab";');
    await k.client.execute("const background = parallel.map(2, () => { while (true) {} }, { chunkSize: 1, progress: false }).then(() => 'finished', (e) => `stopped: ${e.name}`);");
    const running = k.client.execute("%%mpi -n 2\nwhile (true) {}", { timeoutMs: 120000 });
    await new Promise((r) => setTimeout(r, 1500));
    await k.client.request("control", "interrupt_request", {});
    const { reply } = await running;
    expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    const pool = await k.client.execute("await background");
    // The pool's tasks were aborted by the same interrupt (piscina rejects them with AbortError).
    expect(resultText(pool.outputs)).toBe("'stopped: AbortError'");
  }, 120_000);

  it("an interrupt stops the job: its rank processes are gone and the next cell runs", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "parallab-mpi-pids-"));
    await k.client.execute(`const pidDir = ${JSON.stringify(dir)};`);
    const running = k.client.execute("%%mpi -n 2 --share pidDir\nrequire('node:fs').writeFileSync(`${pidDir}/${rank}`, String(process.pid));\nwhile (true) {}", { timeoutMs: 120000 });
    const pidFiles = [0, 1].map((r) => path.join(dir, String(r)));
    while (!pidFiles.every((f) => existsSync(f) && readFileSync(f, "utf8"))) await new Promise((r) => setTimeout(r, 100));
    const pids = pidFiles.map((f) => Number(readFileSync(f, "utf8")));
    await k.client.request("control", "interrupt_request", {});
    const { reply } = await running;
    expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    // mpirun has exited when the cell ends; its ranks may take a moment more to be reaped.
    for (let i = 0; i < 100 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
    expect(pids.filter(alive)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
    const next = await k.client.execute("%%mpi -n 2\nsize", { timeoutMs: 120000 });
    expect(resultText(next.outputs)).toBe("[rank 0] 2\n[rank 1] 2");
  });
});

/** Why this machine cannot make network namespaces for the two-host test (null when it can). */
function namespacesMissing(): string | null {
  if (missing) return missing;
  if (process.getuid?.() !== 0) return "making network namespaces needs root (ip netns add)";
  if (spawnSync("ip", ["-V"], { stdio: "ignore" }).status !== 0) return "the ip command is missing (apt-get install -y iproute2)";
  if (spawnSync("unshare", ["--net", "true"], { stdio: "ignore" }).status !== 0) return "this machine does not allow new network namespaces (unshare --net true failed)";
  return null;
}

const nsMissing = namespacesMissing();
if (nsMissing && !missing) console.warn(`test/mpi.test.ts: the two-namespace %%mpi test skips: ${nsMissing}`);

describe.skipIf(nsMissing !== null)(nsMissing ? `%%mpi across two hosts (skipped: ${nsMissing})` : "%%mpi across two hosts (network namespaces a and b)", () => {
  // Two namespaces joined by a veth pair; their addresses exist only inside them.
  const id = `${process.pid % 100000}`;
  const ns = { a: `plab${id}a`, b: `plab${id}b` };
  const subnet = `10.231.${process.pid % 250}`;
  let dir = "";
  let k: TestKernel | undefined;
  const ip = (...args: string[]) => {
    const r = spawnSync("ip", args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`ip ${args.join(" ")} failed: ${r.stderr}`);
  };

  beforeAll(async () => {
    ip("netns", "add", ns.a);
    ip("netns", "add", ns.b);
    ip("link", "add", `${ns.a}v`, "type", "veth", "peer", "name", `${ns.b}v`);
    ip("link", "set", `${ns.a}v`, "netns", ns.a);
    ip("link", "set", `${ns.b}v`, "netns", ns.b);
    ip("-n", ns.a, "addr", "add", `${subnet}.1/24`, "dev", `${ns.a}v`);
    ip("-n", ns.b, "addr", "add", `${subnet}.2/24`, "dev", `${ns.b}v`);
    for (const n of [ns.a, ns.b]) {
      ip("-n", n, "link", "set", "lo", "up");
      ip("-n", n, "link", "set", `${n}v`, "up");
    }
    dir = mkdtempSync(path.join(os.tmpdir(), "parallab-mpi-hosts-"));
    // Open MPI's rsh agent: `agent HOST command…`, as ssh would run it, in the host's namespace.
    const agent = path.join(dir, "netns-agent.sh");
    writeFileSync(
      agent,
      `#!/bin/sh\nhost="$1"; shift\ncase "$host" in\n  a) ns=${ns.a} ;;\n  b) ns=${ns.b} ;;\n  *) echo "netns-agent: no host $host" >&2; exit 255 ;;\nesac\nexec ip netns exec "$ns" /bin/sh -c "$*"\n`,
    );
    chmodSync(agent, 0o755);
    k = await startKernel({
      env: {
        // mpirun itself runs on "host" a: its daemons on a and b reach it over the veth pair.
        PARALLAB_MPIRUN: `ip netns exec ${ns.a} mpirun`,
        OMPI_MCA_plm_rsh_agent: agent,
        OMPI_MCA_btl: "tcp,self",
        OMPI_MCA_btl_tcp_if_include: `${subnet}.0/24`,
        OMPI_MCA_oob_tcp_if_include: `${subnet}.0/24`,
        // The daemons' hwloc topology sharing (rtc/hwloc shmem) crashes some orted starts in
        // a namespace (a segfault in hwloc_shmem_topology_write); rank binding is not needed.
        OMPI_MCA_rtc: "^hwloc",
      },
    });
  });

  afterAll(async () => {
    await k?.stop();
    for (const n of [ns.a, ns.b]) spawnSync("ip", ["netns", "del", n], { stdio: "ignore" });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs rank 0 on host a and rank 1 on host b, talking over TCP", async () => {
    const { reply, outputs } = await k!.client.execute(
      [
        "%%mpi --hosts a:1,b:1",
        "const nets = require('node:os').networkInterfaces();",
        "const addr = Object.values(nets).flat().map((i: any) => i.address).find((a: string) => a.startsWith('10.231.'));",
        "console.log(`on ${addr}`);",
        "const all = comm.allgather(addr);",
        "const total = comm.allreduce(Float64Array.of(rank + 1, 10), 'sum');",
        "comm.send(`hello from ${addr}`, 1 - rank);",
        "[addr, all, Array.from(total), comm.recv(1 - rank)]",
      ].join("\n"),
      { timeoutMs: 120000 },
    );
    expect(reply.content, `${stdout(outputs)}\n${stderr(outputs)}\n${JSON.stringify(errorOf(outputs))}`).toMatchObject({ status: "ok" });
    expect(stdout(outputs).trimEnd().split("\n").sort()).toEqual([`[rank 0] on ${subnet}.1`, `[rank 1] on ${subnet}.2`]);
    expect(resultText(outputs)).toBe(
      [
        `[rank 0] [\n  '${subnet}.1',\n  [ '${subnet}.1', '${subnet}.2' ],\n  [ 3, 20 ],\n  'hello from ${subnet}.2'\n]`,
        `[rank 1] [\n  '${subnet}.2',\n  [ '${subnet}.1', '${subnet}.2' ],\n  [ 3, 20 ],\n  'hello from ${subnet}.1'\n]`,
      ].join("\n"),
    );
  });
});
