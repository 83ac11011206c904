import { InterruptError } from "../../common/errors.js";
import { runtimeError } from "../execute/errors.js";
import type { CellContext } from "../execute/output-router.js";
import type { CellMagicCall, CellOutcome } from "../magics/contract.js";
import { toMimeBundle } from "../display/mime.js";
import { planCell } from "../magics/parse.js";
import { CellState, type IncomingRequest } from "../io/bridge.js";
import type { ErrorContent, MimeBundle } from "../protocol/messages.js";
import type { Reply } from "./reply.js";
import type { KernelSession } from "../session.js";

type ExecuteRequestMessage = Extract<IncomingRequest, { msgType: "execute_request" }>;

interface CellResult {
  outcome: CellOutcome;
  payload: Record<string, unknown>[];
}

const ok = (): CellOutcome => ({ ok: true, value: undefined, hasValue: false });
const failure = (err: unknown): CellOutcome => ({ ok: false, error: runtimeError(err, () => undefined), interrupted: false });
const page = (text: string) => ({ source: "page", data: { "text/plain": text }, start: 0 });

/** execute_request: magics, the compiler and executor, results, errors, history. */
export class ExecuteHandler {
  private count = 0;
  private interruptRunning: (() => void) | null = null;

  constructor(private readonly session: KernelSession) {}

  /** A notebook variable: `x = !name` with such a name is TypeScript's negation, not a command. */
  private readonly knownName = (name: string) => this.session.notebook.has(name);

  get executionCount(): number {
    return this.count;
  }

  /** Ends the running cell with a KeyboardInterrupt (the I/O thread stops busy JavaScript first). */
  interrupt(): void {
    this.interruptRunning?.();
    void this.session.adapter().then((a) => a.interrupt());
  }

  async handle(req: ExecuteRequestMessage): Promise<{ reply: Reply; failed: boolean }> {
    const { router, history } = this.session;
    const c = req.content;
    const code = String(c.code ?? "");
    const silent = Boolean(c.silent);
    const storeHistory = silent ? false : (c.store_history ?? true);
    if (storeHistory) this.count++;
    const count = this.count;
    const context: CellContext = { parent: req.header, executionCount: count, allowStdin: Boolean(c.allow_stdin) };
    if (!silent) router.publish("execute_input", { code, execution_count: count }, req.header);
    if (storeHistory) history.begin(count, code);

    const result = await router.run(context, () => this.runCell(code, `Cell[${count}]`));
    const { payload } = result;
    let { outcome } = result;
    let output: string | undefined;
    if (outcome.ok && outcome.hasValue) {
      try {
        // A GPU tensor's values come back asynchronously: read them before showing the value.
        await this.session.tensors.readBack(outcome.value);
        // A value's own display code (custom inspect, mime bundle method) may throw too.
        const data = toMimeBundle(outcome.value);
        output = String(data["text/plain"]);
        if (!silent) router.publish("execute_result", { execution_count: count, data, metadata: {} }, req.header);
      } catch (err) {
        outcome = failure(err);
      }
    }
    if (!outcome.ok) router.publish("error", outcome.error, req.header);
    const userExpressions = await router.run(context, () => this.userExpressions(c.user_expressions ?? {}));
    if (storeHistory) history.append(count, code, output);
    router.flush();

    if (!outcome.ok) {
      return { reply: { msgType: "execute_reply", content: { status: "error", execution_count: count, ...outcome.error, user_expressions: userExpressions, payload: [] } }, failed: true };
    }
    const replyPayload = [...payload, ...(context.payload ?? [])];
    return { reply: { msgType: "execute_reply", content: { status: "ok", execution_count: count, payload: replyPayload, user_expressions: userExpressions } }, failed: false };
  }

  private async runCell(code: string, label: string): Promise<CellResult> {
    const { registry } = this.session;
    let plan;
    try {
      plan = planCell(code, registry, this.knownName);
    } catch (err) {
      return { outcome: failure(err), payload: [] };
    }
    switch (plan.kind) {
      case "code":
        return { outcome: await this.runCode(plan.code, label, code), payload: [] };
      case "magic-help": {
        try {
          const magic = registry.get(plan.name) ?? registry.require(plan.name, "line");
          return { outcome: ok(), payload: [page(registry.usage(magic))] };
        } catch (err) {
          return { outcome: failure(err), payload: [] };
        }
      }
      case "inspect": {
        const text = (await this.session.adapter()).inspect(plan.expr, plan.expr.length);
        if (text) return { outcome: ok(), payload: [page(text)] };
        process.stdout.write(`Object \`${plan.expr}\` not found.\n`);
        return { outcome: ok(), payload: [] };
      }
      case "cell-magic": {
        try {
          const context = { body: plan.body, label, run: (c: string) => this.runBody(c, label, code), ...this.detached(label, code) };
          return { outcome: await registry.runCell(plan.name, plan.args, context, this.session), payload: [] };
        } catch (err) {
          return { outcome: failure(err), payload: [] };
        }
      }
    }
  }

  /**
   * Runs the body of a cell magic: plain code with its line magics, or another cell magic
   * (`%%profile` over `%%workers`). `code` starts with blank lines that keep the body's lines
   * where they are in the cell; a nested magic's body keeps them too.
   */
  private async runBody(code: string, label: string, source: string): Promise<CellOutcome> {
    const blank = /^\n*/.exec(code)![0].length;
    const plan = planCell(code.slice(blank), this.session.registry, this.knownName);
    if (plan.kind === "code") return this.runCode("\n".repeat(blank) + plan.code, label, source);
    if (plan.kind !== "cell-magic") return this.runCode(code, label, source);
    const body = "\n".repeat(blank) + plan.body;
    return this.session.registry.runCell(plan.name, plan.args, { body, label, run: (c) => this.runBody(c, label, source), ...this.detached(label, source) }, this.session);
  }

  /**
   * Runs code with the interrupt armed. The code starts in its own macrotask so that, when the
   * I/O thread has to stop a busy loop, only that task unwinds and this function goes on.
   */
  private async runCode(code: string, label: string, source = code): Promise<CellOutcome> {
    const { io } = this.session;
    // Until the cell's own code starts (the adapter says when), an interrupt waits: loading
    // and running the compiler must never be cut short.
    io.setCellState(CellState.Compiling);
    const stopped: CellOutcome = { ok: false, error: runtimeError(new InterruptError(), () => undefined), interrupted: true };
    let cancelled = false;
    const interrupted = new Promise<CellOutcome>((resolve) => {
      this.interruptRunning = () => {
        cancelled = true;
        resolve(stopped);
      };
    });
    // An interrupt taken before the code started means it never starts.
    const run = Promise.all([this.session.adapter(), this.session.prepare(code)]).then(
      ([adapter]) => new Promise<CellOutcome>((resolve, reject) => setImmediate(() => (cancelled ? resolve(stopped) : adapter.execute(code, label, source).then(resolve, reject)))),
    );
    try {
      return await Promise.race([run, interrupted]);
    } catch (err) {
      return failure(err);
    } finally {
      io.setCellState(CellState.Idle);
      this.interruptRunning = null;
    }
  }

  /** What cell magics that run code elsewhere (on worker threads) need from the compiler. */
  private detached(label: string, source: string): Pick<CellMagicCall, "compile" | "errorContent" | "scope"> {
    const adapter = () => this.session.adapter();
    return {
      compile: async (code, declarations) => (await adapter()).compileDetached(code, label, declarations, source),
      errorContent: async (thrown) => (await adapter()).errorContent(thrown),
      scope: async () => (await adapter()).locals,
    };
  }

  private async userExpressions(expressions: Record<string, string>): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [name, expr] of Object.entries(expressions)) {
      const outcome = await this.runCode(String(expr), `<user expression ${name}>`);
      out[name] = outcome.ok ? { status: "ok", data: toMimeBundle(outcome.value) as MimeBundle, metadata: {} } : { status: "error", ...(outcome.error as ErrorContent) };
    }
    return out;
  }
}
