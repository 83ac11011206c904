#!/usr/bin/env node
// Bench dispatcher: `node bench/run.js NAME [args...]` runs bench/NAME/bench.{py,js,mjs}
// with inherited stdio and exits with the benchmark's exit code.
// (`npm run bench -- NAME [args...]` builds first, then calls this.)
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));

// Entry file name -> interpreter. Python benches use Debian's python (it has Jupyter).
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const RUNNERS = [
  ["bench.py", PYTHON],
  ["bench.js", process.execPath],
  ["bench.mjs", process.execPath],
];

function entryOf(name) {
  const dir = join(BENCH_DIR, name);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return null;
  for (const [file, interpreter] of RUNNERS) {
    const path = join(dir, file);
    if (existsSync(path)) return { path, interpreter };
  }
  return null;
}

function available() {
  return readdirSync(BENCH_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && entryOf(d.name))
    .map((d) => d.name)
    .sort();
}

const [name, ...args] = process.argv.slice(2);
const entry = name && !name.startsWith("-") && !name.includes("/") ? entryOf(name) : null;
if (!entry) {
  const list = available();
  console.error(
    (name ? `run.js: unknown benchmark "${name}".` : "run.js: no benchmark named.") +
      `\nusage: node bench/run.js NAME [args...]   (or: npm run bench -- NAME [args...])` +
      `\navailable benchmarks: ${list.length ? list.join(", ") : "(none)"}`,
  );
  process.exit(2);
}

const child = spawn(entry.interpreter, [entry.path, ...args], { stdio: "inherit" });
// Ctrl-C reaches the child through the terminal's process group; let the child clean up
// (shut its kernels down) and exit, then mirror its status. Forward SIGTERM/SIGHUP.
process.on("SIGINT", () => {});
for (const sig of ["SIGTERM", "SIGHUP"]) {
  process.on(sig, () => child.kill(sig));
}
child.on("error", (err) => {
  console.error(`run.js: cannot start ${entry.interpreter}: ${err.message}`);
  process.exit(2);
});
child.on("exit", (code, signal) => {
  process.exit(code ?? 128 + ({ SIGINT: 2, SIGTERM: 15, SIGKILL: 9, SIGHUP: 1 }[signal] ?? 1));
});
