import type { MimeBundle } from "../protocol/messages.js";

/** Where the display API sends what it shows: the kernel session, or stdout outside a kernel. */
export interface DisplaySink {
  display(data: MimeBundle, metadata: Record<string, unknown>, displayId: string | undefined, update: boolean): void;
  clearOutput(wait: boolean): void;
  input(prompt: string, password: boolean): Promise<string>;
}

/** Outside a kernel (a plain Node script) displays fall back to their text. */
export const stdoutSink: DisplaySink = {
  display: (data) => void process.stdout.write(`${String(data["text/plain"] ?? "")}\n`),
  clearOutput: () => {},
  input: () => Promise.reject(new Error("input() needs a running Parallab kernel")),
};
