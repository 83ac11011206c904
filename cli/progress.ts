// The progress bar of the notebook runner and the grader (a terminal gets it redrawn in place).

export function progressBar(done: number, total: number, width = 24): string {
  const filled = total ? Math.round((done / total) * width) : width;
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} cells`;
}

export const progressLine = (label: string, done: number, total: number) => `${label} ${progressBar(done, total)}`;
