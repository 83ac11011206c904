// piscina worker of the raw baseline: one chunk of either workload per task.
import { assignBlocks, piBlocks } from "./raw-kernels.js";

export default function run(task) {
  if (task.kind === "pi") return piBlocks(task.from, task.to, task.perBlock);
  return assignBlocks(task.from, task.to, task.chunks, task.points, task.centroids, task.labels);
}
