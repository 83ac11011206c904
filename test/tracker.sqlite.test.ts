// The tracker's suite (test/tracker/suite.ts) on SQLite files, the embedded default; and what
// only SQLite has: WAL, so that the kernel and the CLI write at once.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { describe, expect, it } from "vitest";
import { SqliteStore } from "../tracker/db/sqlite.js";
import { openTracker } from "../tracker/store.js";
import { trackerSuite } from "./tracker/suite.js";

const scratch = mkdtempSync(path.join(os.tmpdir(), "parallab-sqlite-"));

trackerSuite({
  dialect: "sqlite",
  database: async (name) => path.join(scratch, `${name}.db`),
  async databaseAt(name, migrationsFolder) {
    const file = path.join(scratch, `${name}.db`);
    const db = new Database(file);
    try {
      migrate(drizzle(db), { migrationsFolder });
    } finally {
      db.close();
    }
    return file;
  },
  async execute(file, statements) {
    const db = new Database(file);
    try {
      db.transaction(() => {
        for (const s of statements) db.exec(s);
      })();
    } finally {
      db.close();
    }
  },
  async appliedMigrations(file) {
    const db = new Database(file, { readonly: true });
    try {
      return (db.prepare("select count(*) n from __drizzle_migrations").get() as { n: number }).n;
    } finally {
      db.close();
    }
  },
});

describe("SQLite", () => {
  it("opens files in WAL mode with a busy timeout, and a relative PARALLAB_DB is a file", async () => {
    const store = await openTracker(path.join(scratch, "wal.db"));
    expect(store).toBeInstanceOf(SqliteStore);
    const { sqlite } = store as SqliteStore;
    expect(sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(sqlite.pragma("busy_timeout", { simple: true })).toBe(10000);
    await store.close();
  });
});
