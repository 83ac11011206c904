// The PostgreSQL store: node-postgres (a small pool) and drizzle-orm's node-postgres driver.
// Several machines' kernels write into one database at once, so every transaction is
// SERIALIZABLE and runs again when PostgreSQL reports that it lost a race (db/retry.ts); the
// evidence table's unique index with ON CONFLICT DO NOTHING keeps a doubled write one row.
import path from "node:path";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { PACKAGE_ROOT } from "../../common/paths.js";
import * as schema from "../schema/pg.js";
import type { TrackerDb, TrackerStore, TrackerTx, TransactionOptions } from "../store.js";
import { checkPostgresUrl, explainConnectionError } from "./errors.js";
import { displayLocation } from "./location.js";
import { withRetry } from "./retry.js";

const MIGRATIONS = path.join(PACKAGE_ROOT, "tracker", "migrations", "pg");

/** pg_advisory_lock key of the migrations ("parallab" in ASCII, trimmed to an int8). */
const MIGRATION_LOCK = 0x706172616c6c61n;

export class PostgresStore implements TrackerStore {
  readonly dialect = "postgres";
  readonly location: string;
  readonly db: NodePgDatabase<typeof schema>;

  constructor(
    readonly pool: pg.Pool,
    private readonly url: string,
  ) {
    this.location = displayLocation(url);
    this.db = drizzle(pool, { schema });
  }

  async transaction<T>(fn: (tx: TrackerTx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    try {
      return await withRetry(() =>
        this.db.transaction((tx) => fn({ db: tx as unknown as TrackerDb, tables: schema }), {
          isolationLevel: "serializable",
          accessMode: options.readOnly ? "read only" : "read write",
        }),
      );
    } catch (err) {
      // The server gone since the store opened: say so as on opening.
      throw explainConnectionError(err, this.url);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

export async function openPostgres(url: string): Promise<PostgresStore> {
  checkPostgresUrl(url);
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 15_000, application_name: "parallab" });
  // An idle connection the server dropped (a restart) is replaced on the next query; without a
  // listener its error event would end the process (the kernel).
  pool.on("error", () => undefined);
  try {
    await migrateOnce(pool);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw explainConnectionError(err, url);
  }
  return new PostgresStore(pool, url);
}

/** Applies the pending migrations; processes opening a new database at once take turns. */
async function migrateOnce(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK.toString()]);
    try {
      await migrate(drizzle(client), { migrationsFolder: MIGRATIONS });
    } finally {
      await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK.toString()]);
    }
  } finally {
    client.release();
  }
}
