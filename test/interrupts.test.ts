// The session's one interrupt signal, without a kernel: every subscriber hears each interrupt,
// one that fails does not keep the others from hearing it, and an unsubscribed one hears nothing.
import { describe, expect, it } from "vitest";
import { InterruptSignal } from "../kernel/interrupts.js";

describe("InterruptSignal", () => {
  it("tells every subscriber, also after one throws, and no one who unsubscribed", () => {
    const signal = new InterruptSignal();
    const heard: string[] = [];
    signal.subscribe(() => heard.push("cell"));
    signal.subscribe(() => {
      throw new Error("a broken listener");
    });
    const leave = signal.subscribe(() => heard.push("ranks"));
    signal.subscribe(() => heard.push("pool"));
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    signal.fire();
    leave();
    signal.fire();
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        process.off("warning", onWarning);
        expect(heard).toEqual(["cell", "ranks", "pool", "cell", "pool"]);
        expect(warnings).toEqual(["an interrupt listener failed: a broken listener", "an interrupt listener failed: a broken listener"]);
        resolve();
      }),
    );
  });
});
