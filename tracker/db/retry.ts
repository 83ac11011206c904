// Runs a transaction again when it lost a race with another writer: PostgreSQL's serialization
// failures and deadlocks (the tracker's transactions are SERIALIZABLE), SQLite's busy database
// once the busy timeout ran out. Each try starts afresh, so nothing is half-written or doubled.

const RETRYABLE = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "SQLITE_BUSY",
  "SQLITE_BUSY_SNAPSHOT",
]);

export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && RETRYABLE.has(code)) return true;
  // drizzle wraps the driver's error in its own (DrizzleQueryError), with the original as cause.
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause !== undefined && cause !== err && isRetryable(cause);
}

const MAX_TRIES = 50;

export async function withRetry<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isRetryable(err) || tries >= MAX_TRIES) throw err;
      // Random backoff, growing: writers that collided do not collide again in lockstep.
      const ceiling = Math.min(500, 5 * 2 ** Math.min(tries, 7));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
    }
  }
}
