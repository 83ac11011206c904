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
  /** Set while %%capture runs its body: what the body writes and displays goes there instead. */
  capture?: OutputCapture;
  /** What the cell adds to its execute_reply's payload (%load's set_next_input). */
  payload?: Record<string, unknown>[];
  /**
   * Set while a comm handler runs (a front end's comm message): the async work its code starts
   * (an observer that awaits), which the kernel waits for before it goes idle.
   */
  pending?: Promise<unknown>[];
}

export type StreamName = "stdout" | "stderr";

/** Takes a cell's output in place of the front end (%%capture); false: it goes to the cell as usual. */
export interface OutputCapture {
  stream(name: StreamName, text: string): boolean;
  /** display_data, update_display_data and clear_output contents. */
  display(msgType: string, content: unknown): boolean;
}

const DISPLAY_MESSAGES = new Set(["display_data", "update_display_data", "clear_output"]);
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

  /**
   * Runs `fn` with its output (and its async work's) going to `context`'s parent. A comm
   * handler's context does not become the last cell (`asLast: false`): stray output afterwards
   * still goes to the cell that ran last, not to a front end's comm message.
   */
  run<T>(context: CellContext, fn: () => T, { asLast = true } = {}): T {
    if (asLast) this.lastContext = context;
    return this.storage.run(context, fn);
  }

  /**
   * Hands async work that code started to the comm handler running it, which waits for it
   * before the kernel goes idle; false outside a handler (a cell does not wait for it).
   */
  waitFor(work: Promise<unknown>): boolean {
    const pending = this.storage.getStore()?.pending;
    if (!pending) return false;
    pending.push(work);
    return true;
  }

  /**
   * Runs `fn` with the running cell's output taken by `capture` (its async work too). The last
   * cell stays the last cell: stray output after the capture ends is not the capture's.
   */
  capturing<T>(capture: OutputCapture, fn: () => T): T {
    const context = this.current();
    return context ? this.storage.run({ ...context, capture }, fn) : fn();
  }

  /** The cell whose code is running now; for stray output, the last cell that ran. */
  current(): CellContext | null {
    return this.storage.getStore() ?? this.lastContext;
  }

  write(name: StreamName, text: string, parent = this.current()?.parent): void {
    if (text.length === 0) return;
    if (this.storage.getStore()?.capture?.stream(name, text)) return;
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
  publish(msgType: string, content: unknown, parent = this.current()?.parent ?? null, metadata?: Record<string, unknown>, buffers?: Uint8Array[]): void {
    if (DISPLAY_MESSAGES.has(msgType) && this.storage.getStore()?.capture?.display(msgType, content)) return;
    this.flush();
    this.io.post({ op: "publish", parent, msgType, content, metadata, ...(buffers?.length ? { buffers } : {}) });
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
