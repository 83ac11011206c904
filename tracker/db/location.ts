// Where the tracker's database is: PARALLAB_DB as a postgres:// URL or a SQLite file, else the
// default file. URLs are shown without their password (messages, logs).
import path from "node:path";
import { parallabDataDir } from "../../common/paths.js";

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

export function resolveLocation(value: string | undefined): string {
  if (value && isPostgresUrl(value)) return value;
  if (value) return value === ":memory:" ? value : path.resolve(value);
  return path.join(parallabDataDir(), "tracker.db");
}

/** The location for messages: a URL's password replaced by ***. */
export function displayLocation(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const url = new URL(location);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    // Not parseable: show only the scheme, the rest may hold a password.
    return `${location.split("//")[0]}//…`;
  }
}
