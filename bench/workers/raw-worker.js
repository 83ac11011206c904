// piscina worker of the raw baseline: one chunk of either workload per task.
import { assignChunk, piChunk } from "./raw-kernels.js";

export default function run(task) {
  if (task.kind === "pi") return piChunk(task.c, task.perChunk);
  return assignChunk(task.c, task.chunks, task.points, task.centroids, task.labels);
}
