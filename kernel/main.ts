#!/usr/bin/env node
// Kernel entry point: `node dist/kernel/main.js CONNECTION_FILE` (what kernel.json runs).
import { readConnectionFile } from "./protocol/connection.js";
import { KernelSession } from "./session.js";

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
await KernelSession.start(connection);
