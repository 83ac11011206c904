// V8's sampling CPU profiler on the current thread (the kernel's main thread, a pool worker or
// a rank), through an inspector session: the same profiler Chrome DevTools drives.
import { Session } from "node:inspector";

import type { CpuProfile } from "./analysis.js";

export type { CpuProfile };

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))));
}

/**
 * Starting V8's profiler logs every function already compiled: with TypeScript loaded, that is
 * 150–200 ms on the kernel's main thread, every time. A profile that V8 keeps running (opened
 * with console.profile on the same session) keeps that log alive, so the next start costs
 * 0.2 ms. The main thread keeps one warm for a minute after each use.
 */
const KEEP_WARM_MS = 60_000;
const KEEP_WARM_TITLE = "parallab: profiler kept warm";

interface WarmSession {
  session: Session;
  intervalUs: number;
  timer: NodeJS.Timeout | null;
}

let warm: WarmSession | null = null;

function syncPost(session: Session, method: string, params: object = {}): void {
  session.post(method, params, (err) => {
    if (err) throw err;
  });
}

function closeWarm(): void {
  if (!warm) return;
  if (warm.timer) clearTimeout(warm.timer);
  console.profileEnd(KEEP_WARM_TITLE);
  warm.session.disconnect();
  warm = null;
}

function warmSession(intervalUs: number): Session {
  if (warm && warm.intervalUs !== intervalUs) closeWarm();
  if (!warm) {
    const session = new Session();
    session.connect();
    syncPost(session, "Profiler.enable");
    syncPost(session, "Profiler.setSamplingInterval", { interval: intervalUs });
    console.profile(KEEP_WARM_TITLE);
    warm = { session, intervalUs, timer: null };
  }
  if (warm.timer) clearTimeout(warm.timer);
  warm.timer = null;
  return warm.session;
}

export class CpuSampler {
  private session: Session | null = null;
  private warm = false;

  /** `keepWarm`: keep the profiler's code log alive between uses (the main thread). */
  constructor(private readonly options: { keepWarm?: boolean } = {}) {}

  /**
   * Starts sampling every `intervalUs` microseconds. On the thread's own inspector session the
   * commands run synchronously, so the profile starts exactly here (at a cell's first line).
   */
  startNow(intervalUs: number): void {
    if (this.options.keepWarm) {
      this.session = warmSession(intervalUs);
      this.warm = true;
    } else {
      this.session = new Session();
      this.session.connect();
      syncPost(this.session, "Profiler.enable");
      syncPost(this.session, "Profiler.setSamplingInterval", { interval: intervalUs });
    }
    syncPost(this.session, "Profiler.start");
  }

  async start(intervalUs: number): Promise<void> {
    this.startNow(intervalUs);
  }

  get running(): boolean {
    return this.session !== null;
  }

  async stop(): Promise<CpuProfile> {
    const session = this.session;
    if (!session) throw new Error("the profiler was not started");
    this.session = null;
    try {
      const { profile } = await post<{ profile: CpuProfile }>(session, "Profiler.stop");
      return profile;
    } finally {
      if (!this.warm) {
        await post(session, "Profiler.disable").catch(() => undefined);
        session.disconnect();
      } else if (warm) {
        warm.timer = setTimeout(closeWarm, KEEP_WARM_MS);
        warm.timer.unref();
      }
    }
  }
}
