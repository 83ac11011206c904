// Routes everything a cell writes (stdout, stderr, displays) to the cell that started it, also
// when it is written later by the cell's timers or promises: the cell's context travels with
// its async work through AsyncLocalStorage.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Header } from "../protocol/messages.js";
import type { IoClient } from "../io/io-client.js";

export interface CellContext {
  parent: Header;
  executionCount: number;
  allowStdin: boolean;
  /** What the cell adds to its execute_reply's payload (%load's set_next_input). */
  payload?: Record<string, unknown>[];
}

type StreamName = "stdout" | "stderr";
type Write = typeof process.stdout.write;

/** Buffered stream text is sent when it grows past this, or when this much time has passed. */
const FLUSH_CHARS = 64 * 1024;
const FLUSH_MS = 10;

export class OutputRouter {
  private readonly storage = new AsyncLocalStorage<CellContext>();
  private lastContext: CellContext | null = null;
  private pending: { parent: Header; name: StreamName; chunks: string[]; size: number } | null = null;
  private lastFlush = 0;
  private flushScheduled = false;
  /** The process's own writers: kernel logs go there, not to cells. */
  readonly realStderr: Write = process.stderr.write.bind(process.stderr);
  readonly realStdout: Write = process.stdout.write.bind(process.stdout);

  constructor(private readonly io: IoClient) {}

  run<T>(context: CellContext, fn: () => T): T {
    this.lastContext = context;
    return this.storage.run(context, fn);
  }

  /** The cell whose code is running now; for stray output, the last cell that ran. */
  current(): CellContext | null {
    return this.storage.getStore() ?? this.lastContext;
  }

  write(name: StreamName, text: string, parent = this.current()?.parent): void {
    if (text.length === 0) return;
    if (!parent) {
      // Nothing has run yet: this is the kernel's own log.
      this.realStderr(text);
      return;
    }
    const p = this.pending;
    if (p && (p.parent.msg_id !== parent.msg_id || p.name !== name)) this.flush();
    if (!this.pending) this.pending = { parent, name, chunks: [], size: 0 };
    this.pending.chunks.push(text);
    this.pending.size += text.length;
    const now = performance.now();
    // A cell busy in a loop never lets a timer run: flush by size and elapsed time right here.
    if (this.pending.size >= FLUSH_CHARS || now - this.lastFlush >= FLUSH_MS) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  flush(): void {
    const p = this.pending;
    this.lastFlush = performance.now();
    if (!p) return;
    this.pending = null;
    this.io.post({ op: "stream", parent: p.parent, name: p.name, text: p.chunks.join("") });
  }

  /** Sends an iopub message after any buffered stream text, so order is kept. */
  publish(msgType: string, content: unknown, parent = this.current()?.parent ?? null, metadata?: Record<string, unknown>): void {
    this.flush();
    this.io.post({ op: "publish", parent, msgType, content, metadata });
  }

  /** A stand-in for process.stdout/stderr.write (kernel/patches): a cell's writes go to the cell. */
  streamWriter(name: StreamName): Write {
    const router = this;
    const real = name === "stdout" ? this.realStdout : this.realStderr;
    return function write(this: unknown, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
      const parent = router.current()?.parent;
      if (!parent) return (real as (...a: unknown[]) => boolean)(chunk, encoding, callback);
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString(typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
      router.write(name, text, parent);
      const cb = typeof encoding === "function" ? encoding : callback;
      if (typeof cb === "function") queueMicrotask(() => (cb as () => void)());
      return true;
    } as Write;
  }
}
