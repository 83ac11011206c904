#!/usr/bin/env node
// Kernel entry point: `node dist/kernel/main.js CONNECTION_FILE` (what kernel.json runs).
import { randomUUID } from "node:crypto";
import { IoClient } from "./io/io-client.js";
import { kernelInfoReply } from "./kernel-info.js";
import { readConnectionFile } from "./protocol/connection.js";

// Started from the compiler snapshot (kernel/snapshot/), Node 20 leaves Error.stackTraceLimit
// deleted (it takes it out of a snapshot and, here, does not put it back): errors would have no
// stack. TypeScript's own value, which a kernel without the snapshot has once it loads it.
if (Error.stackTraceLimit === undefined) Error.stackTraceLimit = 100;

const connectionFile = process.argv[2];
if (!connectionFile || connectionFile.startsWith("-")) {
  process.stderr.write("usage: node dist/kernel/main.js CONNECTION_FILE\n(Jupyter starts the kernel this way; install it with `npx parallab install`.)\n");
  process.exit(2);
}

let connection: ReturnType<typeof readConnectionFile>;
try {
  connection = readConnectionFile(connectionFile);
} catch (err) {
  process.stderr.write(`parallab: ${(err as Error).message}\n`);
  process.exit(2);
}
// The I/O thread starts before the rest of the kernel loads (its modules took ~250 ms here): it
// answers kernel_info and heartbeats itself, and keeps requests until the session serves them.
const io = new IoClient(connection, randomUUID(), kernelInfoReply());
const { KernelSession } = await import("./session.js");
await KernelSession.start(io);
