// A real PostgreSQL 15 server for the tests: initdb in a temp dir, postgres on a free port of
// 127.0.0.1 with its socket in that dir, a database per name asked for, stopped by stop().
// PostgreSQL refuses to run as root: then initdb and pg_ctl run as the `postgres` system user.
import { execFile } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "../../client/free-port.js";

const run = promisify(execFile);
const BIN = "/usr/lib/postgresql/15/bin";
const USER = "parallab";

export interface PgServer {
  port: number;
  /** The URL of database `name` (not created). */
  url(name: string): string;
  /** Creates an empty database; returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** Runs one of PostgreSQL's programs, as `postgres` when we are root. Async: initdb takes seconds, and a blocked worker misses vitest's heartbeat. */
async function pgTool(tool: string, args: string[]): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  const [command, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", path.join(BIN, tool), ...args]] : [path.join(BIN, tool), args];
  try {
    await run(command, argv, { encoding: "utf8" });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${tool} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

export async function startPostgres(): Promise<PgServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "parallab-pg-"));
  if (process.getuid?.() === 0) {
    const { stdout } = await run("id", ["-u", "postgres"], { encoding: "utf8" });
    const { stdout: gid } = await run("id", ["-g", "postgres"], { encoding: "utf8" });
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = path.join(dir, "data");
  await pgTool("initdb", ["-D", data, "-U", USER, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"]);
  let port = 0;
  // Another process may take the free port between our look and postgres' bind: try again then.
  for (let tries = 0; ; tries++) {
    port = await freePort();
    try {
      // -F: no fsync, a throwaway cluster. Listens only on 127.0.0.1; the socket stays in dir.
      await pgTool("pg_ctl", ["-D", data, "-l", path.join(dir, "server.log"), "-w", "-t", "60", "-o", `-h 127.0.0.1 -p ${port} -k ${dir} -F`, "start"]);
      break;
    } catch (err) {
      if (tries >= 2) throw err;
    }
  }
  const url = (name: string) => `postgres://${USER}@127.0.0.1:${port}/${name}`;
  return {
    port,
    url,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url("postgres") });
      await client.connect();
      try {
        await client.query(`create database "${name.replace(/"/g, '""')}"`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    async stop() {
      try {
        await pgTool("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
