// Close names: "did you mean" suggestions for magics, skills-framework ids and the like.

/** Levenshtein distance: the fewest single-character insertions, deletions and substitutions from `a` to `b`. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** Names within a small edit distance of `name`, or starting with it (or it with them), closest first. */
export function closest(name: string, pool: string[], max = 3): string[] {
  return pool
    .map((candidate) => ({ candidate, d: candidate.startsWith(name) || name.startsWith(candidate) ? 1 : editDistance(name, candidate) }))
    .filter(({ d, candidate }) => d <= Math.max(2, Math.floor(candidate.length / 3)))
    .sort((a, b) => a.d - b.d || a.candidate.localeCompare(b.candidate))
    .slice(0, max)
    .map(({ candidate }) => candidate);
}
