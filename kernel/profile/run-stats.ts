// What a profiled run cost besides CPU samples: wall and CPU time, event-loop utilization,
// garbage collection, and the heap.
import { performance, PerformanceObserver, type EventLoopUtilization, type PerformanceEntry } from "node:perf_hooks";

export interface RunStats {
  wallMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** Share of the wall time the main thread's event loop was busy (not waiting for I/O or workers). */
  eventLoopUtilization: number;
  gc: { count: number; ms: number };
  heap: { beforeBytes: number; afterBytes: number; peakBytes: number };
}

export class RunStatsRecorder {
  private readonly started = performance.now();
  private readonly cpu = process.cpuUsage();
  private readonly elu: EventLoopUtilization = performance.eventLoopUtilization();
  private readonly heapBefore = process.memoryUsage().heapUsed;
  private peak = this.heapBefore;
  private gcCount = 0;
  private gcMs = 0;
  private readonly observer: PerformanceObserver;

  constructor() {
    this.observer = new PerformanceObserver((list) => this.count(list.getEntries()));
    this.observer.observe({ entryTypes: ["gc"] });
  }

  private count(entries: PerformanceEntry[]): void {
    for (const entry of entries) {
      this.gcCount++;
      this.gcMs += entry.duration;
    }
  }

  /** Stops the clocks; then waits a turn of the event loop for the GC entries to arrive. */
  async finish(): Promise<RunStats> {
    const wallMs = performance.now() - this.started;
    const cpu = process.cpuUsage(this.cpu);
    const elu = performance.eventLoopUtilization(this.elu);
    // Node queues GC entries from the collector and hands them over on a later turn.
    await new Promise((resolve) => setImmediate(resolve));
    this.count(this.observer.takeRecords());
    this.observer.disconnect();
    const memory = process.memoryUsage();
    // The heap's committed size bounds what was in use at the peak: V8 grows it for the peak
    // and gives it back only later.
    this.peak = Math.max(this.peak, memory.heapUsed, memory.heapTotal);
    return {
      wallMs,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      eventLoopUtilization: elu.utilization,
      gc: { count: this.gcCount, ms: this.gcMs },
      heap: { beforeBytes: this.heapBefore, afterBytes: memory.heapUsed, peakBytes: this.peak },
    };
  }
}
