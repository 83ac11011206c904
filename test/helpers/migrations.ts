// The tracker's migrations up to (not including) one of them, as a folder drizzle's migrator
// reads: a database migrated with it has the schema of before that migration, to test that the
// migration carries the rows of such a database over.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const MIGRATIONS_ROOT = path.join(import.meta.dirname, "..", "..", "tracker", "migrations");

interface Journal {
  entries: { idx: number; tag: string }[];
}

function journal(folder: string): Journal {
  return JSON.parse(readFileSync(path.join(folder, "meta", "_journal.json"), "utf8")) as Journal;
}

/** How many migrations the dialect has (what a database opened by the store records as applied). */
export function migrationCount(dialect: "sqlite" | "pg"): number {
  return journal(path.join(MIGRATIONS_ROOT, dialect)).entries.length;
}

/** A copy of the dialect's migrations without `tag` and those after it. */
export function migrationsBefore(dialect: "sqlite" | "pg", tag: string): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), `parallab-migrations-${dialect}-`));
  cpSync(path.join(MIGRATIONS_ROOT, dialect), folder, { recursive: true });
  const all = journal(folder);
  const at = all.entries.findIndex((e) => e.tag === tag);
  if (at < 0) throw new Error(`no migration ${tag} in tracker/migrations/${dialect}`);
  for (const e of all.entries.slice(at)) {
    rmSync(path.join(folder, `${e.tag}.sql`));
    rmSync(path.join(folder, "meta", `${String(e.idx).padStart(4, "0")}_snapshot.json`), { force: true });
  }
  writeFileSync(path.join(folder, "meta", "_journal.json"), JSON.stringify({ ...all, entries: all.entries.slice(0, at) }, null, 2));
  return folder;
}
