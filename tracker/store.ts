// The tracker's database: SQLite through better-sqlite3 (WAL, so that the kernel and the CLI
// can write at once), drizzle-orm on top. Opening applies pending migrations.
import { mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { PACKAGE_ROOT } from "../kernel/paths.js";
import * as schema from "./schema.js";

export type TrackerDb = BetterSQLite3Database<typeof schema>;

export interface Tracker {
  db: TrackerDb;
  sqlite: Database.Database;
  path: string;
  close(): void;
}

const MIGRATIONS = path.join(PACKAGE_ROOT, "tracker", "migrations");

/** PARALLAB_DB, else $XDG_DATA_HOME/parallab/tracker.db (~/.local/share/parallab/tracker.db). */
export function defaultDbPath(): string {
  if (process.env.PARALLAB_DB) return path.resolve(process.env.PARALLAB_DB);
  const dataHome = process.env.XDG_DATA_HOME || path.join(os.homedir(), ".local", "share");
  return path.join(dataHome, "parallab", "tracker.db");
}

export function openTracker(file = defaultDbPath()): Tracker {
  if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  // Another process writing (the kernel and the CLI at once) waits its turn instead of failing.
  sqlite.pragma("busy_timeout = 10000");
  sqlite.pragma("foreign_keys = ON");
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS });
  return { db, sqlite, path: file, close: () => sqlite.close() };
}

/** The learner the kernel and the CLI record for: PARALLAB_LEARNER, else the user's login name. */
export function currentLearner(): string {
  return process.env.PARALLAB_LEARNER || os.userInfo().username || "learner";
}
