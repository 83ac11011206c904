// The bench's two workloads as plain functions, for the raw piscina baseline: the same loops
// the kernel runs, with no compiler, no notebook and no parallab in between.

/** Monte Carlo pi: hits inside the unit circle for block `c` (xorshift32 seeded per block). */
export function piChunk(c, perChunk) {
  let s = ((c + 1) * 2654435761) >>> 0;
  let inside = 0;
  for (let i = 0; i < perChunk; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const x = s / 4294967296;
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const y = s / 4294967296;
    if (x * x + y * y <= 1) inside++;
  }
  return inside;
}

/** Hits of blocks [from, to). */
export function piBlocks(from, to, perBlock) {
  let inside = 0;
  for (let c = from; c < to; c++) inside += piChunk(c, perBlock);
  return inside;
}

/** k-means assignment of chunk `c` of the 1e6 x 8 points to the nearest of 16 centroids. */
export function assignChunk(c, chunks, points, centroids, labels) {
  const size = Math.ceil(1_000_000 / chunks);
  const end = Math.min(1_000_000, (c + 1) * size);
  for (let p = c * size; p < end; p++) {
    let best = 0,
      bestD = Infinity;
    for (let k = 0; k < 16; k++) {
      let d = 0;
      for (let j = 0; j < 8; j++) {
        const t = points[p * 8 + j] - centroids[k * 8 + j];
        d += t * t;
      }
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    }
    labels[p] = best;
  }
  return 0;
}

/** k-means assignment of blocks [from, to) of `chunks`. */
export function assignBlocks(from, to, chunks, points, centroids, labels) {
  for (let c = from; c < to; c++) assignChunk(c, chunks, points, centroids, labels);
  return 0;
}
