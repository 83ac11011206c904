// bench/workers: the speed-up of parallel.map over the same code run serially in the kernel,
// measured inside one real kernel (over ZMQ, as a notebook runs it), on this machine's cores.
//   (a) Monte Carlo pi, 2e7 samples      (b) k-means assignment, 1e6 x 8 float32 points, k = 16,
//   in shared memory                     (c) per-item overhead of parallel.map on a no-op, 1e5 items
// The last line is one JSON object: {"pi_speedup", "kmeans_speedup", "map_overhead_us"}.
import os from "node:os";
import { KernelClient } from "../../dist/client/kernel-client.js";
import { launchKernel } from "../../dist/client/launch.js";
import { rank0, text } from "../lib/results.js";
import { RawPiscinaBaseline } from "./raw-piscina.js";

const REPEATS = Number(process.env.BENCH_REPEATS ?? 6);
// A %%workers cell starts fresh threads: its first repeat includes their warm-up.
const SPMD_REPEATS = 3;

const SETUP = `
import { parallel } from "parallab";
/** Best (smallest) wall time of \`repeats\` runs, in ms. */
async function best(repeats: number, run: () => unknown): Promise<number> {
  let min = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await run();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}
await parallel.map(parallel.threads * 4, (i) => i); // start the workers
`;

const PI = `
const SAMPLES = 2e7;
// Blocks of 10 000 samples; parallel.map chooses how many blocks a worker takes at a time.
const piChunks = 2000;
const perChunk = Math.floor(SAMPLES / piChunks);
const piWork = (c: number) => {
  // xorshift32, seeded per block: the same numbers serially and in parallel.
  let s = (c + 1) * 2654435761 >>> 0;
  let inside = 0;
  for (let i = 0; i < perChunk; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    const x = s / 4294967296;
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    const y = s / 4294967296;
    if (x * x + y * y <= 1) inside++;
  }
  return inside;
};
`;

const KMEANS = `
const N = 1_000_000, D = 8, K = 16;
const points = parallel.shared(Float32Array, N * D);
const centroids = parallel.shared(Float32Array, K * D);
const labels = parallel.shared(Int32Array, N);
for (let i = 0; i < points.length; i++) points[i] = Math.sin(i * 12.9898) * 43758.5453 % 1;
for (let i = 0; i < centroids.length; i++) centroids[i] = points[i * 997];
// Blocks of 1000 points; parallel.map chooses how many blocks a worker takes at a time.
const kmChunks = 1000;
const assign = (c: number) => {
  const size = Math.ceil(1_000_000 / kmChunks);
  const end = Math.min(1_000_000, (c + 1) * size);
  for (let p = c * size; p < end; p++) {
    let best = 0, bestD = Infinity;
    for (let k = 0; k < 16; k++) {
      let d = 0;
      for (let j = 0; j < 8; j++) { const t = points[p * 8 + j] - centroids[k * 8 + j]; d += t * t; }
      if (d < bestD) { bestD = d; best = k; }
    }
    labels[p] = best;
  }
  return 0;
};
`;

// One round: each variant once, serial next to parallel, so that the machine's drift (it is
// shared and noisy) touches both alike; the bench keeps the best of every variant over the rounds.
const ROUND = `
await (async () => {
  const chunkIds = (n: number) => Array.from({ length: n }, (_, c) => c);
  const piSerial = await best(1, () => chunkIds(piChunks).map(piWork));
  const piParallel = await best(1, () => parallel.map(piChunks, piWork, { with: { perChunk }, progress: false }));
  const inside = (await parallel.map(piChunks, piWork, { with: { perChunk }, progress: false })).reduce((a, b) => a + b, 0);
  const kmSerial = await best(1, () => chunkIds(kmChunks).map(assign));
  const serialLabels = labels.slice();
  labels.fill(-1);
  const kmParallel = await best(1, () => parallel.map(kmChunks, assign, { with: { points, centroids, labels, kmChunks }, progress: false }));
  const sameLabels = labels.every((l, i) => l === serialLabels[i]);
  return JSON.stringify({ piSerial, piParallel, pi: 4 * inside / (perChunk * piChunks), kmSerial, kmParallel, sameLabels });
})()
`;

const NOOP = `JSON.stringify({ threads: parallel.threads, noopMs: await best(${REPEATS}, () => parallel.map(100_000, (i) => i, { progress: false })) })`;

// The same work as SPMD cells: every rank takes the chunks c ≡ rank (mod size); the time is
// rank 0's, between barriers (thread start-up excluded, as MPI codes time with Wtime).
const SPMD_PI = `%%workers --share perChunk,piChunks
const SPMD_REPEATS = ${SPMD_REPEATS};
let bestMs = Infinity, inside = 0;
for (let r = 0; r < SPMD_REPEATS; r++) {
  comm.barrier();
  const t0 = performance.now();
  let mine = 0;
  for (let c = rank; c < piChunks; c += size) {
    let s = (c + 1) * 2654435761 >>> 0;
    for (let i = 0; i < perChunk; i++) {
      s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
      const x = s / 4294967296;
      s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
      const y = s / 4294967296;
      if (x * x + y * y <= 1) mine++;
    }
  }
  inside = comm.allreduce(mine, "sum");
  bestMs = Math.min(bestMs, performance.now() - t0);
}
JSON.stringify({ bestMs, inside })`;

const SPMD_KMEANS = `%%workers --share points,centroids,labels,kmChunks
const SPMD_REPEATS = ${SPMD_REPEATS};
let bestMs = Infinity;
for (let r = 0; r < SPMD_REPEATS; r++) {
  comm.barrier();
  const t0 = performance.now();
  const chunk = Math.ceil(1_000_000 / kmChunks);
  for (let c = rank; c < kmChunks; c += size) {
    const end = Math.min(1_000_000, (c + 1) * chunk);
    for (let p = c * chunk; p < end; p++) {
      let best = 0, bestD = Infinity;
      for (let k = 0; k < 16; k++) {
        let d = 0;
        for (let j = 0; j < 8; j++) { const t = points[p * 8 + j] - centroids[k * 8 + j]; d += t * t; }
        if (d < bestD) { bestD = d; best = k; }
      }
      labels[p] = best;
    }
  }
  comm.barrier();
  bestMs = Math.min(bestMs, performance.now() - t0);
}
bestMs`;

const kernel = await launchKernel({});
const client = new KernelClient(kernel.connection);
const baseline = new RawPiscinaBaseline(os.availableParallelism());
try {
  await client.ready();
  console.log(`bench/workers: ${os.availableParallelism()} cores, best of ${REPEATS} interleaved rounds`);
  for (const cell of [SETUP, PI, KMEANS]) text(await client.execute(cell, { timeoutMs: 600_000 }));
  const raw = { piSerial: Infinity, piParallel: Infinity, kmSerial: Infinity, kmParallel: Infinity, spmdPiMs: Infinity, spmdKmeansMs: Infinity };
  for (let round = 0; round < REPEATS; round++) {
    const r = JSON.parse(eval(text(await client.execute(ROUND, { timeoutMs: 600_000 }))));
    if (!r.sameLabels) throw new Error("the parallel k-means assignment differs from the serial one");
    for (const key of ["piSerial", "piParallel", "kmSerial", "kmParallel"]) raw[key] = Math.min(raw[key], r[key]);
    if (process.env.BENCH_DEBUG)
      console.error(
        `round ${round}: pi ${r.piSerial.toFixed(0)}/${r.piParallel.toFixed(0)} = ${(r.piSerial / r.piParallel).toFixed(2)}, km ${r.kmSerial.toFixed(0)}/${r.kmParallel.toFixed(0)} = ${(r.kmSerial / r.kmParallel).toFixed(2)}`,
      );
    raw.pi = r.pi;
    raw.spmdPiMs = Math.min(raw.spmdPiMs, rank0(await client.execute(SPMD_PI, { timeoutMs: 600_000 })).bestMs);
    raw.spmdKmeansMs = Math.min(raw.spmdKmeansMs, rank0(await client.execute(SPMD_KMEANS, { timeoutMs: 600_000 })));
    await baseline.round();
  }
  const piscina = baseline.speedups();
  raw.piscina = { ...baseline.best, pi_speedup: +piscina.pi.toFixed(3), kmeans_speedup: +piscina.kmeans.toFixed(3) };
  Object.assign(raw, JSON.parse(eval(text(await client.execute(NOOP, { timeoutMs: 600_000 })))));
  raw.spmd_pi_speedup = +(raw.piSerial / raw.spmdPiMs).toFixed(3);
  raw.spmd_kmeans_speedup = +(raw.kmSerial / raw.spmdKmeansMs).toFixed(3);
  const figures = {
    pi_speedup: +(raw.piSerial / raw.piParallel).toFixed(3),
    kmeans_speedup: +(raw.kmSerial / raw.kmParallel).toFixed(3),
    map_overhead_us: +((raw.noopMs * 1000) / 100_000).toFixed(3),
  };
  console.log(
    `(a) Monte Carlo pi, 2e7 samples:   serial ${raw.piSerial.toFixed(1)} ms, parallel.map ${raw.piParallel.toFixed(1)} ms on ${raw.threads} threads -> ${figures.pi_speedup}x (pi ~ ${raw.pi.toFixed(5)})`,
  );
  console.log(`(b) k-means assignment 1e6x8, k=16: serial ${raw.kmSerial.toFixed(1)} ms, parallel.map ${raw.kmParallel.toFixed(1)} ms (shared memory) -> ${figures.kmeans_speedup}x`);
  console.log(`(c) parallel.map no-op, 1e5 items:  ${raw.noopMs.toFixed(2)} ms -> ${figures.map_overhead_us} us per item`);
  console.log(`    %%workers SPMD:                  pi ${raw.spmdPiMs.toFixed(1)} ms -> ${raw.spmd_pi_speedup}x, k-means ${raw.spmdKmeansMs.toFixed(1)} ms -> ${raw.spmd_kmeans_speedup}x`);
  console.log(
    `    raw piscina (same run, baseline): pi ${raw.piscina.pi_speedup}x, k-means ${raw.piscina.kmeans_speedup}x -> parallel.map reaches ${((figures.pi_speedup / raw.piscina.pi_speedup) * 100).toFixed(0)}% and ${((figures.kmeans_speedup / raw.piscina.kmeans_speedup) * 100).toFixed(0)}% of them`,
  );
  console.log("targets: pi >= 1.9x, k-means >= 1.8x (raw piscina reached 1.92x and 1.81x on a quiet machine), overhead <= 2 us/item");
  console.log(JSON.stringify({ ...figures, raw }));
} finally {
  await baseline.close();
  client.close();
  kernel.process.kill();
}
