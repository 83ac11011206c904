import { Session } from "node:inspector";
import type { MessagePort } from "node:worker_threads";
import { SharedSlot } from "./bridge.js";
import { UNWIND_FUNCTION } from "../execute/termination.js";

/** How long the main thread gets to take an interrupt itself before we stop its JavaScript. */
const ACK_WAIT_MS = 50;

/**
 * Interrupts the main thread from the I/O thread. A cell that is awaiting is interrupted by the
 * main thread itself (it is free to read our message). A cell stuck in synchronous code (a busy
 * loop, even one that follows an `await`) cannot read anything, so when it does not answer in
 * time we stop its JavaScript through the inspector (V8's TerminateExecution); the main thread
 * then reads the queued interrupt and ends the cell with a KeyboardInterrupt error.
 */
export class Interrupter {
  private session: Session | null = null;

  constructor(private readonly shared: Int32Array, private readonly toMain: MessagePort) {}

  async interrupt(): Promise<"idle" | "signalled" | "terminated"> {
    if (Atomics.load(this.shared, SharedSlot.Busy) === 0) return "idle";
    const ack = Atomics.load(this.shared, SharedSlot.InterruptAck);
    this.toMain.postMessage({ op: "interrupt" });
    const waited = Atomics.waitAsync(this.shared, SharedSlot.InterruptAck, ack, ACK_WAIT_MS);
    const outcome = waited.async ? await waited.value : waited.value;
    if (outcome !== "timed-out" || Atomics.load(this.shared, SharedSlot.Busy) === 0) return "signalled";
    await this.terminateMainThread();
    return "terminated";
  }

  private terminateMainThread(): Promise<void> {
    if (!this.session) {
      this.session = new Session();
      this.session.connectToMainThread();
    }
    const session = this.session;
    return new Promise((resolve) =>
      session.post("Runtime.evaluate", { expression: `globalThis.${UNWIND_FUNCTION}()` }, () => session.post("Runtime.terminateExecution", () => resolve())),
    );
  }
}
