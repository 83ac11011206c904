// V8's sampling CPU profiler on the current thread (the kernel's main thread, a pool worker or
// a rank), through an inspector session: the same profiler Chrome DevTools drives.
import { Session } from "node:inspector";

/** A V8 CPU profile: the `.cpuprofile` format Chrome DevTools and speedscope open. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; scriptId: string; url: string; lineNumber: number; columnNumber: number }; hitCount?: number; children?: number[]; positionTicks?: { line: number; ticks: number }[] }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))));
}

export class CpuSampler {
  private session: Session | null = null;

  /** Starts sampling every `intervalUs` microseconds. */
  async start(intervalUs: number): Promise<void> {
    const session = new Session();
    session.connect();
    this.session = session;
    await post(session, "Profiler.enable");
    await post(session, "Profiler.setSamplingInterval", { interval: intervalUs });
    await post(session, "Profiler.start");
  }

  async stop(): Promise<CpuProfile> {
    const session = this.session;
    if (!session) throw new Error("the profiler was not started");
    this.session = null;
    try {
      const { profile } = await post<{ profile: CpuProfile }>(session, "Profiler.stop");
      return profile;
    } finally {
      await post(session, "Profiler.disable").catch(() => undefined);
      session.disconnect();
    }
  }
}
