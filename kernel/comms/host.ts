// How the kernel session runs a front end's comm message: in its own output context (what the
// handlers print or display has the message as parent), with their errors shown there and in
// the kernel's log, waiting for the async work they start, and stopped by an interrupt.
import { InterruptError } from "../../common/errors.js";
import { runtimeError } from "../execute/errors.js";
import type { CellContext, OutputRouter } from "../execute/output-router.js";
import type { InterruptSignal } from "../interrupts.js";
import type { ErrorContent } from "../protocol/messages.js";
import type { CommHost } from "./manager.js";

export interface CommHostParts {
  router: OutputRouter;
  interrupts: InterruptSignal;
  /** A thrown value as an error output, with the notebook's cell lines (the compiler's source maps). */
  errorContent(thrown: unknown): ErrorContent;
}

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as PromiseLike<unknown> | null)?.then === "function";

export const kernelLog = (router: OutputRouter) => (text: string) => void router.realStderr(`[parallab] ${text}\n`);

/**
 * Shows an error in the output of the running cell or comm handler; a handler's error is also
 * logged: the front end that sent the message may show its output nowhere.
 */
export function errorReporter(router: OutputRouter, errorContent: (thrown: unknown) => ErrorContent): (thrown: unknown) => void {
  const log = kernelLog(router);
  return (thrown) => {
    const content = errorContent(thrown);
    router.publish("error", content);
    const handling = router.current();
    if (handling?.pending) log(`a handler of ${handling.parent.msg_type} ${handling.parent.msg_id} failed: ${content.ename}: ${content.evalue}`);
  };
}

export function createCommHost({ router, interrupts, errorContent }: CommHostParts): CommHost {
  const log = kernelLog(router);
  const report = errorReporter(router, errorContent);
  return {
    publish: (msgType, content, metadata, buffers) => router.publish(msgType, content, undefined, metadata, buffers),
    log,
    async handle(parent, fn) {
      const pending: Promise<unknown>[] = [];
      const context: CellContext = { parent, executionCount: router.current()?.executionCount ?? 0, allowStdin: false, pending };
      const invoke = (call: () => unknown) => {
        try {
          const result = call();
          if (isThenable(result)) pending.push(Promise.resolve(result).catch(report));
        } catch (err) {
          report(err);
        }
      };
      const work = router.run(
        context,
        async () => {
          fn(invoke);
          // Work started by the handlers (and by the work they wait for) is waited for too.
          while (pending.length > 0) await Promise.all(pending.splice(0));
        },
        { asLast: false },
      );
      let unsubscribe = () => {};
      const interrupted = new Promise<"interrupted">((resolve) => {
        unsubscribe = interrupts.subscribe(() => resolve("interrupted"));
      });
      try {
        if ((await Promise.race([work.then(() => "done" as const), interrupted])) === "interrupted") {
          // The handler's promise may go on in the background; the kernel takes the next request.
          router.run(
            context,
            () =>
              router.publish(
                "error",
                runtimeError(new InterruptError(), () => undefined),
              ),
            { asLast: false },
          );
          log(`the handling of ${parent.msg_type} ${parent.msg_id} was interrupted`);
        }
      } finally {
        unsubscribe();
        router.flush();
      }
    },
  };
}
