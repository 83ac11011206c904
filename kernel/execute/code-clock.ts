// When the current cell's own code began to run (after the compiler): magics that time a cell
// (%%gpu) measure from here, so that compiling the cell does not count as its run time.
let startedAt = 0;

export function markUserCodeStart(): void {
  startedAt = performance.now();
}

export function userCodeStartedAt(): number {
  return startedAt;
}
