// A PostgreSQL URL that is wrong, or a server that cannot be used, as one sentence that says
// what to do, instead of the driver's stack trace.
import { displayLocation } from "./location.js";
import { type ErrorKind, ParallabError } from "../../common/errors.js";

export class TrackerConnectionError extends ParallabError {
  override readonly kind: ErrorKind = "connection";
  override name = "TrackerConnectionError";
}

const FORM = "postgres://USER:PASSWORD@HOST:PORT/DATABASE";
const OR_SQLITE = "or unset PARALLAB_DB to use the embedded SQLite database";

/** Throws for a PARALLAB_DB that cannot be a PostgreSQL URL. */
export function checkPostgresUrl(location: string): void {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new TrackerConnectionError(`PARALLAB_DB is not a valid PostgreSQL URL (${displayLocation(location)}): write it as ${FORM}, ${OR_SQLITE}`);
  }
  if (!url.hostname && !url.searchParams.get("host")) throw new TrackerConnectionError(`PARALLAB_DB names no server (${displayLocation(location)}): write it as ${FORM}, ${OR_SQLITE}`);
  if (url.port && !(Number(url.port) > 0 && Number(url.port) < 65536)) throw new TrackerConnectionError(`PARALLAB_DB has a bad port "${url.port}" (${displayLocation(location)}): write it as ${FORM}`);
}

/** A connection's failure explained (on opening, or a server gone since); other errors unchanged. */
export function explainConnectionError(err: unknown, location: string): Error {
  // drizzle wraps a failed query's error (DrizzleQueryError): the driver's is its cause.
  const cause = (err as { cause?: unknown } | null)?.cause;
  const e = (cause instanceof Error ? cause : err) as { code?: string; message?: string };
  const where = `the PostgreSQL database ${displayLocation(location)}`;
  const reason = e.message ?? String(err);
  switch (e.code) {
    case "ECONNREFUSED":
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "ETIMEDOUT":
    case "ECONNRESET":
    case "ENOENT": // a Unix socket that is not there
      return new TrackerConnectionError(`cannot reach ${where} (${reason}): start the server, or correct the host and port in PARALLAB_DB (${FORM}), ${OR_SQLITE}`);
    case "28P01":
    case "28000":
      return new TrackerConnectionError(`${where} refused the login (${reason}): correct the user and password in PARALLAB_DB (${FORM})`);
    case "3D000":
      return new TrackerConnectionError(`${where} does not exist (${reason}): create it (createdb NAME) or name an existing database in PARALLAB_DB`);
    case "42501":
      return new TrackerConnectionError(`${where} denied the user (${reason}): grant it CREATE on the database and the use of the tracker's tables, or use another user in PARALLAB_DB`);
  }
  if (/^(Connection terminated|timeout exceeded when trying to connect)/i.test(reason))
    return new TrackerConnectionError(`cannot reach ${where} (${reason}): start the server, or correct PARALLAB_DB (${FORM}), ${OR_SQLITE}`);
  return err instanceof Error ? err : new Error(reason);
}
