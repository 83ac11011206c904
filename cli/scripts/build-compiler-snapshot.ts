// `node dist/cli/scripts/build-compiler-snapshot.js [BLOB] [--force]`: builds the kernel's compiler
// snapshot (kernel/snapshot/build.ts). With no BLOB, the one kernel.json names in the cache dir.
// A kernel that finds its blob missing or stale runs this in the background.
import { kernelCacheDir } from "../../common/paths.js";
import { buildCompilerSnapshot, compilerBlobPath } from "../../kernel/snapshot/build.js";

const args = process.argv.slice(2);
const unknown = args.filter((a) => a.startsWith("-") && a !== "--force");
if (unknown.length > 0 || args.filter((a) => !a.startsWith("-")).length > 1) {
  process.stderr.write("usage: build-compiler-snapshot [BLOB] [--force]\n");
  process.exit(2);
}
const cacheDir = kernelCacheDir();
const blob = args.find((a) => !a.startsWith("-")) ?? (cacheDir ? compilerBlobPath(cacheDir) : null);
if (!blob) {
  process.stdout.write("PARALLAB_CACHE_DIR is off: no compiler snapshot\n");
  process.exit(0);
}
const result = buildCompilerSnapshot(blob, { force: args.includes("--force") });
process.stdout.write(`compiler snapshot ${blob}: ${result.reason}\n`);
process.exit(result.built || result.reason === "already current" || result.reason.startsWith("another process") ? 0 : 1);
