#!/usr/bin/env node
// bench/frontends: the round trip of a trivial cell through a Jupyter server, as a front end
// sees it (websocket → jupyter_server 1.x → ZMQ → the parallab kernel and back), with and
// without lab/nodelay_config.py, in one run: rounds alternate between the two servers so that
// a noisy machine affects both alike. Last line: {"server_p50_ms": …, "server_nodelay_p50_ms": …}.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { KernelManager } from "@jupyterlab/services";
import { installKernelspec } from "../../dist/cli/kernelspec.js";
import { startJupyterServer } from "../../dist/cli/runner/local-server.js";
import { serverSettings } from "../../dist/cli/runner/jupyter-server.js";
import { PACKAGE_ROOT } from "../../dist/common/paths.js";
import { KernelClient } from "../../dist/client/kernel-client.js";
import { launchKernel } from "../../dist/client/launch.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 25);

console.debug = () => undefined; // @jupyterlab/services logs every websocket it opens.
const tmp = mkdtempSync(path.join(os.tmpdir(), "parallab-bench-frontends-"));
installKernelspec({ prefix: tmp });
const env = {
  HOME: tmp,
  PYTHONNOUSERSITE: "1",
  JUPYTER_PATH: path.join(tmp, "share", "jupyter"),
  JUPYTER_DATA_DIR: path.join(tmp, "data"),
  JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"),
  PARALLAB_DB: path.join(tmp, "tracker.db"),
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function connect(server) {
  const manager = new KernelManager({ serverSettings: serverSettings({ baseUrl: server.baseUrl, token: server.token }) });
  const kernel = await manager.startNew({ name: "parallab" });
  await kernel.info;
  return { manager, kernel };
}

async function roundTrips(kernel, n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await kernel.requestExecute({ code: "1", silent: false, store_history: true }).done;
    times.push(performance.now() - started);
  }
  return times;
}

/** The same cell straight over ZMQ with our own client: what the servers add to it. */
async function directRoundTrips(n) {
  const kernel = await launchKernel({ env: { ...process.env, PARALLAB_DB: env.PARALLAB_DB } });
  const client = new KernelClient(kernel.connection);
  try {
    await client.ready();
    for (let i = 0; i < 5; i++) await client.execute("1");
    const times = [];
    for (let i = 0; i < n; i++) {
      const started = performance.now();
      await client.execute("1");
      times.push(performance.now() - started);
    }
    return times;
  } finally {
    client.close();
    kernel.process.kill();
  }
}

const servers = { plain: null, nodelay: null };
const sessions = {};
try {
  [servers.plain, servers.nodelay] = await Promise.all([
    startJupyterServer({ rootDir: tmp, env }),
    startJupyterServer({ rootDir: tmp, env, configFiles: [path.join(PACKAGE_ROOT, "lab", "nodelay_config.py")] }),
  ]);
  for (const name of ["plain", "nodelay"]) {
    sessions[name] = await connect(servers[name]);
    await roundTrips(sessions[name].kernel, 5); // warm-up: the first cells compile tslab's state
  }
  const times = { plain: [], nodelay: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 ? ["nodelay", "plain"] : ["plain", "nodelay"]) times[name].push(...(await roundTrips(sessions[name].kernel, PER_ROUND)));
  }
  const direct = median(await directRoundTrips(ROUNDS * PER_ROUND));
  const p50 = { plain: median(times.plain), nodelay: median(times.nodelay) };
  console.log(`trivial cell "1", ${ROUNDS * PER_ROUND} executes per server, through jupyter_server 1.x and the parallab kernel:`);
  console.log(`  default server         p50 ${p50.plain.toFixed(2)} ms`);
  console.log(`  with nodelay_config.py p50 ${p50.nodelay.toFixed(2)} ms  (${(p50.plain / p50.nodelay).toFixed(1)}× faster)`);
  console.log(`  straight over ZMQ      p50 ${direct.toFixed(2)} ms  (no server: our own client)`);
  console.log(
    JSON.stringify({
      server_p50_ms: Number(p50.plain.toFixed(2)),
      server_nodelay_p50_ms: Number(p50.nodelay.toFixed(2)),
      nodelay_speedup: Number((p50.plain / p50.nodelay).toFixed(2)),
      direct_zmq_p50_ms: Number(direct.toFixed(2)),
    }),
  );
} finally {
  for (const s of Object.values(sessions)) {
    await s.kernel.shutdown().catch(() => undefined);
    s.manager.dispose();
  }
  await Promise.all(
    Object.values(servers)
      .filter(Boolean)
      .map((s) => s.stop()),
  );
  rmSync(tmp, { recursive: true, force: true });
}
