// The SQLite store: better-sqlite3 (WAL, so that the kernel and the CLI can write at once),
// drizzle-orm on top. Opening applies the pending migrations of tracker/migrations/sqlite.
import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { PACKAGE_ROOT } from "../../common/paths.js";
import * as schema from "../schema/sqlite.js";
import type { TrackerDb, TrackerStore, TrackerTables, TrackerTx, TransactionOptions } from "../store.js";
import { withRetry } from "./retry.js";
import { Serial } from "./serial.js";

const MIGRATIONS = path.join(PACKAGE_ROOT, "tracker", "migrations", "sqlite");

export class SqliteStore implements TrackerStore {
  readonly dialect = "sqlite";
  readonly db: BetterSQLite3Database<typeof schema>;
  private readonly serial = new Serial();
  private readonly tx: TrackerTx;

  constructor(
    /** The connection itself, for what only SQLite has (pragmas, bulk loads in bench/). */
    readonly sqlite: Database.Database,
    readonly location: string,
  ) {
    this.db = drizzle(sqlite, { schema });
    // The shared query code is typed for drizzle's PostgreSQL builder (see TrackerDb in store.ts).
    this.tx = { db: this.db as unknown as TrackerDb, tables: schema as unknown as TrackerTables };
  }

  transaction<T>(fn: (tx: TrackerTx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.serial.run(() =>
      withRetry(async () => {
        // IMMEDIATE takes the write lock first (waiting up to busy_timeout for another process):
        // a deferred transaction that reads and then writes could fail with SQLITE_BUSY midway.
        this.sqlite.exec(options.readOnly ? "BEGIN" : "BEGIN IMMEDIATE");
        try {
          const result = await fn(this.tx);
          this.sqlite.exec("COMMIT");
          return result;
        } catch (err) {
          if (this.sqlite.inTransaction) this.sqlite.exec("ROLLBACK");
          throw err;
        }
      }),
    );
  }

  async close(): Promise<void> {
    // After the transactions already asked for.
    await this.serial.run(async () => this.sqlite.close());
  }
}

export function openSqlite(file: string): SqliteStore {
  if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  try {
    // Another process writing (the kernel and the CLI at once) waits its turn instead of failing;
    // set first, so that switching a new file to WAL waits too.
    sqlite.pragma("busy_timeout = 10000");
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("foreign_keys = ON");
    const store = new SqliteStore(sqlite, file);
    try {
      migrate(store.db, { migrationsFolder: MIGRATIONS });
    } catch {
      // Processes opening a new file at once both see it unmigrated; the one that waited for the
      // write lock fails on the tables the other just made (and rolls back). Looking again, it
      // finds the migrations applied. Any other failure fails again, and is thrown.
      migrate(store.db, { migrationsFolder: MIGRATIONS });
    }
    return store;
  } catch (err) {
    sqlite.close();
    throw err;
  }
}
