// The baseline the issue names: the same workloads on a bare piscina pool from this process,
// one task per chunk, against the same loops on this thread. Rounds alternate with the
// kernel's, so both see the machine in the same state.
import { Piscina } from "piscina";
import { assignBlocks, piBlocks } from "./raw-kernels.js";

export class RawPiscinaBaseline {
  constructor(threads) {
    this.threads = threads;
    this.pool = new Piscina({ filename: new URL("./raw-worker.js", import.meta.url).href, minThreads: threads, maxThreads: threads });
    const n = 1_000_000,
      d = 8,
      k = 16;
    this.points = new Float32Array(new SharedArrayBuffer(n * d * 4));
    this.centroids = new Float32Array(new SharedArrayBuffer(k * d * 4));
    this.labels = new Int32Array(new SharedArrayBuffer(n * 4));
    // The kernel cell's data, generated the same way.
    for (let i = 0; i < this.points.length; i++) this.points[i] = (Math.sin(i * 12.9898) * 43758.5453) % 1;
    for (let i = 0; i < this.centroids.length; i++) this.centroids[i] = this.points[i * 997];
    this.best = { piSerial: Infinity, piParallel: Infinity, kmSerial: Infinity, kmParallel: Infinity };
  }

  /** One timed run of each variant; keeps the best. */
  async round() {
    // The kernel's blocks, 32 tasks per thread (as many chunks as parallel.map makes of them).
    const blocks = 2000,
      perBlock = Math.floor(2e7 / blocks),
      piTasks = this.threads * 32,
      blocksPerTask = Math.ceil(blocks / piTasks);
    const kmBlocks = 1000,
      kmTasks = this.threads * 32,
      kmPerTask = Math.ceil(kmBlocks / kmTasks);
    const ids = (n) => Array.from({ length: n }, (_, c) => c);
    const time = async (key, run) => {
      const t0 = performance.now();
      await run();
      this.best[key] = Math.min(this.best[key], performance.now() - t0);
    };
    await time("piSerial", () => piBlocks(0, blocks, perBlock));
    await time("piParallel", () => Promise.all(ids(piTasks).map((t) => this.pool.run({ kind: "pi", from: t * blocksPerTask, to: Math.min(blocks, (t + 1) * blocksPerTask), perBlock }))));
    const { points, centroids, labels } = this;
    await time("kmSerial", () => assignBlocks(0, kmBlocks, kmBlocks, points, centroids, labels));
    await time("kmParallel", () =>
      Promise.all(ids(kmTasks).map((t) => this.pool.run({ kind: "kmeans", from: t * kmPerTask, to: Math.min(kmBlocks, (t + 1) * kmPerTask), chunks: kmBlocks, points, centroids, labels }))),
    );
  }

  speedups() {
    return { pi: this.best.piSerial / this.best.piParallel, kmeans: this.best.kmSerial / this.best.kmParallel };
  }

  close() {
    return this.pool.destroy();
  }
}
