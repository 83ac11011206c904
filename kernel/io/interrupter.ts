import { Session } from "node:inspector";
import type { MessagePort } from "node:worker_threads";
import { CellState, SharedSlot } from "./bridge.js";
import { UNWIND_FUNCTION } from "../execute/termination.js";

/** How long the main thread gets to take an interrupt itself before we stop its JavaScript. */
const ACK_WAIT_MS = 50;
/** The same with no cell running: only a stray busy loop (or a long GC pause) is that slow. */
const IDLE_ACK_WAIT_MS = 300;

/**
 * Interrupts the main thread from the I/O thread. A cell that is awaiting is interrupted by the
 * main thread itself (it is free to read our message). A cell stuck in synchronous code (a busy
 * loop, even one that follows an `await`) cannot read anything, so when it does not answer in
 * time we stop its JavaScript through the inspector (V8's TerminateExecution); the main thread
 * then reads the queued interrupt and ends the cell with a KeyboardInterrupt error.
 *
 * A cell that was interrupted while awaiting may go on in the background (promises cannot be
 * cancelled) and start a busy loop later: with no cell running, a main thread that does not
 * answer is stopped the same way. The compiler never is.
 */
export class Interrupter {
  private session: Session | null = null;

  constructor(
    private readonly shared: Int32Array,
    private readonly toMain: MessagePort,
  ) {}

  async interrupt(): Promise<"answered" | "terminated"> {
    if (Atomics.load(this.shared, SharedSlot.Busy) === CellState.Compiling) {
      // The main thread checks this flag right before the cell's code would start.
      Atomics.store(this.shared, SharedSlot.InterruptPending, 1);
      await this.compilerDone();
      if (Atomics.exchange(this.shared, SharedSlot.InterruptPending, 0) === 0) return "answered";
    }
    const running = Atomics.load(this.shared, SharedSlot.Busy) === CellState.RunningUserCode;
    const ack = Atomics.load(this.shared, SharedSlot.InterruptAck);
    this.toMain.postMessage({ op: "interrupt" });
    const waited = Atomics.waitAsync(this.shared, SharedSlot.InterruptAck, ack, running ? ACK_WAIT_MS : IDLE_ACK_WAIT_MS);
    const outcome = waited.async ? await waited.value : waited.value;
    if (outcome !== "timed-out" || Atomics.load(this.shared, SharedSlot.Busy) === CellState.Compiling) return "answered";
    await this.terminateMainThread();
    return "terminated";
  }

  /** Stopping the compiler half-way would break every later cell: let it finish first. */
  private async compilerDone(): Promise<void> {
    while (Atomics.load(this.shared, SharedSlot.Busy) === CellState.Compiling) {
      const waited = Atomics.waitAsync(this.shared, SharedSlot.Busy, CellState.Compiling, 1000);
      if (waited.async) await waited.value;
    }
  }

  private terminateMainThread(): Promise<void> {
    if (!this.session) {
      this.session = new Session();
      this.session.connectToMainThread();
    }
    const session = this.session;
    return new Promise((resolve) => session.post("Runtime.evaluate", { expression: `globalThis.${UNWIND_FUNCTION}()` }, () => session.post("Runtime.terminateExecution", () => resolve())));
  }
}
