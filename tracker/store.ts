// The tracker's database, behind one small interface so that the domain code (evidence, goals,
// ingest, sync) is written once for both dialects: SQLite (embedded, the default) and
// PostgreSQL (PARALLAB_DB=postgres://…, one database for several machines). Every read and
// write runs in `transaction(fn)`; the dialect makes that atomic and safe against other writers.
import os from "node:os";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { isPostgresUrl, resolveLocation } from "./db/location.js";
import type * as tables from "./schema/pg.js";

/** The tables a query names: the dialect's own objects, column for column the same (schema/). */
export type TrackerTables = typeof tables;

/**
 * The query builder the domain code writes to. Typed as drizzle's PostgreSQL builder; SQLite's
 * has the same awaitable API for what the tracker uses (select, insert … on conflict …
 * returning, update, delete), and the shared test suite runs every query on both.
 */
export type TrackerDb = PgDatabase<PgQueryResultHKT, TrackerTables>;

export interface TrackerTx {
  db: TrackerDb;
  tables: TrackerTables;
}

export interface TransactionOptions {
  /** Only reads: SQLite need not take the write lock, PostgreSQL runs it READ ONLY. */
  readOnly?: boolean;
}

export interface TrackerStore {
  readonly dialect: "sqlite" | "postgres";
  /** The file, or the URL without its password: for messages. */
  readonly location: string;
  /** Runs fn in one transaction: all of it is written or none. It may run fn again after a conflict with another writer, so fn only touches the database. */
  transaction<T>(fn: (tx: TrackerTx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

/** PARALLAB_DB (a postgres:// URL or a file), else $XDG_DATA_HOME/parallab/tracker.db. */
export function defaultDbLocation(): string {
  return resolveLocation(process.env.PARALLAB_DB);
}

/** Opens the store PARALLAB_DB names (or `location`) and applies its pending migrations. */
export async function openTracker(location = defaultDbLocation()): Promise<TrackerStore> {
  // Loaded on demand: a SQLite user never loads pg, nor a PostgreSQL user better-sqlite3.
  if (isPostgresUrl(location)) return (await import("./db/postgres.js")).openPostgres(location);
  return (await import("./db/sqlite.js")).openSqlite(location);
}

/** The learner the kernel and the CLI record for: PARALLAB_LEARNER, else the user's login name. */
export function currentLearner(): string {
  return process.env.PARALLAB_LEARNER || os.userInfo().username || "learner";
}
