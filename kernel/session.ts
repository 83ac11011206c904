// One kernel session: everything a running kernel holds, built once by main.ts and handed to the
// request handlers and (through their call objects) to the magics. Data flows one way: socket →
// I/O thread → session → handler or magic → output router → I/O thread → socket.
import { createCommHost, errorReporter, kernelLog } from "./comms/host.js";
import { CommManager } from "./comms/manager.js";
import { createDisplayApi, type DisplayApi } from "./display/api.js";
import { withTextFallback } from "./display/mime.js";
import type { DisplaySink } from "./display/sink.js";
import { CodeClock } from "./execute/code-clock.js";
import { DirectoryHistory } from "./files/directories.js";
import { ScriptCompiler } from "./files/script-compiler.js";
import { InterruptError, ParallabError } from "../common/errors.js";
import { kernelCacheDir } from "../common/paths.js";
import { runtimeError } from "./execute/errors.js";
import { OutputRouter } from "./execute/output-router.js";
import { TslabAdapter } from "./execute/tslab-adapter.js";
import { HistoryStore } from "./history/store.js";
import { InterruptSignal } from "./interrupts.js";
import { CellState } from "./io/bridge.js";
import type { IoClient } from "./io/io-client.js";
import { Kernel } from "./kernel.js";
import { createBuiltinRegistry } from "./magics/builtins.js";
import type { MagicRegistry } from "./magics/registry.js";
import { installMagicRuntime } from "./magics/runtime.js";
import { installProcessPatches } from "./patches/index.js";
import { parallabModule } from "./parallab-module.js";
import { WorkerPool } from "./pool/pool.js";
import { NotebookScope } from "./pool/scope.js";
import { WorkerProfiling } from "./pool/worker-profiling.js";
import type { ErrorContent, MimeBundle } from "./protocol/messages.js";
import { mentionsTensors, TensorRuntime } from "./tensors/runtime.js";
import type { TrackerSession } from "./tracker-session.js";
import type { Framework } from "../tracker/framework/types.js";
import { WidgetManager } from "./widgets/manager.js";

/** How long after the compiler is ready the skills framework loads (~90 ms of work). */
const SKILLS_PRELOAD_DELAY_MS = 2000;

export class KernelSession implements DisplaySink {
  readonly router: OutputRouter;
  readonly registry: MagicRegistry;
  readonly history = new HistoryStore();
  /** Fired by interrupt_request and SIGINT; the running cell, the pool, ranks and mpirun listen. */
  readonly interrupts = new InterruptSignal();
  /** When the running cell's own code started (after the compiler). */
  readonly clock = new CodeClock();
  /** What the worker threads send while %%profile runs. */
  readonly profiling = new WorkerProfiling();
  /** The notebook's variables and where its cells' code is, once the compiler is loaded. */
  readonly notebook = new NotebookScope();
  /** The learner's evidence, for %%check and %skills (opened on first use). */
  private trackerLoad: Promise<TrackerSession> | null = null;
  private skillsLoad: Promise<void> | null = null;
  private skills: typeof import("./skills-framework.js") | null = null;
  /** TensorFlow.js: the backend chain, the WebGPU device, what %%gpu scopes freed. */
  readonly tensors = new TensorRuntime();
  /** The worker pool of parallel.map and %workers. */
  readonly pool = new WorkerPool();
  /** display(), html(), … into the running cell's output: for magics and the parallab module. */
  readonly output: DisplayApi = createDisplayApi(this);
  /** The notebook's folder (the kernel's working directory when it started): where imports resolve from and %npm installs. */
  readonly notebookDir = process.cwd();
  /** The last %profile / %%profile report (`%profile` alone shows it again). */
  lastProfile: MimeBundle | null = null;
  /** Where %cd has taken the kernel (`%cd -` goes back). */
  readonly directories = new DirectoryHistory();
  /** The comms of the messaging spec: targets, open comms, the front end's comm messages. */
  readonly comms: CommManager;
  /** The session's widgets (on comms), and whether a front end with a widget manager is there. */
  readonly widgets: WidgetManager;
  private adapterLoad: Promise<TslabAdapter> | null = null;
  /** The compiler once loaded: an error's traceback names cell lines through it. */
  private loadedAdapter: TslabAdapter | null = null;
  private scriptCompiler: ScriptCompiler | null = null;
  private inputWaiter: ((value: string) => void) | null = null;

  private constructor(
    /** The I/O thread, started by main.ts before this module loaded. */
    readonly io: IoClient,
    /** Node's own process.exit, before the session's patch. */
    readonly realExit: (code?: number | string | null) => never,
  ) {
    this.router = new OutputRouter(this.io);
    this.registry = createBuiltinRegistry();
    const errorContent = (thrown: unknown) => this.errorContent(thrown);
    this.comms = new CommManager(createCommHost({ router: this.router, interrupts: this.interrupts, errorContent }));
    this.widgets = new WidgetManager({
      comms: this.comms,
      router: this.router,
      output: this.output,
      showError: errorReporter(this.router, errorContent),
      log: kernelLog(this.router),
    });
  }

  /** A thrown value as an error output: its frames in cells point at the cells' lines once the compiler is loaded. */
  errorContent(thrown: unknown): ErrorContent {
    return this.loadedAdapter?.errorContent(thrown) ?? runtimeError(thrown, () => undefined);
  }

  /** Starts the I/O thread, installs the process patches, and serves requests once sockets are bound. */
  static async start(io: IoClient): Promise<KernelSession> {
    const session = new KernelSession(io, process.exit.bind(process) as (code?: number | string | null) => never);
    const { router } = session;
    io.on("exit", (code) => session.realExit(code === 0 ? 0 : 1));
    installProcessPatches(session);
    installMagicRuntime(session);
    io.on("input_reply", (value) => {
      session.inputWaiter?.(value);
      session.inputWaiter = null;
    });
    // Load TypeScript (about 2 s) while the I/O thread binds its sockets and answers kernel_info:
    // the first cell then waits as little as possible.
    session
      .adapter()
      .then((a) => {
        session.loadedAdapter = a;
        session.notebook.attach(a);
        // Not at once: that would hold up a first cell waiting for the compiler.
        setTimeout(() => void session.loadSkills(), SKILLS_PRELOAD_DELAY_MS).unref();
      })
      .catch((err) => router.realStderr(`[parallab] cannot load the TypeScript compiler: ${(err as Error).stack}\n`));
    await io.ready;

    const kernel = new Kernel(session, (code) => session.exit(code));
    io.serve((channel, request) => kernel.onRequest(channel, request));
    session.interrupts.subscribe(() => kernel.interrupt());
    // The pool's tasks stop too (their threads are replaced).
    session.interrupts.subscribe(() => session.pool.abortAll());
    io.on("interrupt", () => session.interrupts.fire());
    process.on("SIGINT", () => session.interrupts.fire());
    return session;
  }

  /** The compiler and executor; resolves once TypeScript is loaded. */
  adapter(): Promise<TslabAdapter> {
    this.adapterLoad ??= TslabAdapter.create({
      rootDir: this.notebookDir,
      parallabModule: parallabModule(this),
      codeCacheDir: kernelCacheDir(),
      compilerBlob: process.env.PARALLAB_COMPILER_BLOB || null,
      log: kernelLog(this.router),
      onUserCode: () => {
        // Interrupted while compiling: the cell's code does not start at all.
        if (this.io.takePendingInterrupt()) throw new InterruptError();
        this.io.setCellState(CellState.RunningUserCode);
        this.clock.markUserCodeStart();
      },
      tslabDisplay: (content, update) =>
        this.router.publish(update ? "update_display_data" : "display_data", { data: withTextFallback(content.data), metadata: content.metadata ?? {}, transient: content.transient ?? {} }),
    });
    return this.adapterLoad;
  }

  /**
   * `skillsFramework()` of the "parallab" module. Its loader is imported shortly after the
   * compiler is ready, and before any cell that names it runs (prepare); only code that reaches
   * it another way within the first seconds finds it still loading.
   */
  skillsFramework(): Framework {
    if (!this.skills) throw new ParallabError("the skills framework is still loading: run the cell again");
    return this.skills.skillsFramework();
  }

  private loadSkills(): Promise<void> {
    this.skillsLoad ??= import("./skills-framework.js").then((loaded) => {
      this.skills = loaded;
    });
    return this.skillsLoad;
  }

  /**
   * The skills tracker and the course's checks (%%check, %skills). Loaded on first use: its
   * modules (the framework's schemas, YAML) took 118 ms of every kernel start here.
   */
  tracker(): Promise<TrackerSession> {
    this.trackerLoad ??= import("./tracker-session.js").then(({ TrackerSession }) => new TrackerSession(process.env.PARALLAB_CHECK_MODE === "grade" ? "grade" : "check"));
    return this.trackerLoad;
  }

  /** The type checker of %run's TypeScript scripts (it keeps the libraries it parsed). */
  async scripts(): Promise<ScriptCompiler> {
    this.scriptCompiler ??= new ScriptCompiler((await this.adapter()).typescript);
    return this.scriptCompiler;
  }

  /**
   * IPython's set_next_input: the running cell's reply asks the front end to put `text` in the
   * cell (`replace`) or in a new cell below it. The last call of a cell wins, as in IPython.
   */
  setNextInput(text: string, replace: boolean): void {
    const cell = this.router.current();
    if (!cell) throw new Error("set_next_input needs a running cell");
    cell.payload = [...(cell.payload ?? []).filter((p) => p.source !== "set_next_input"), { source: "set_next_input", text, replace }];
  }

  /** Sets up what a cell's code needs before it runs (tensors, when it uses `tf`). */
  async prepare(code: string): Promise<void> {
    if (mentionsTensors(code)) await this.tensors.ready();
    if (code.includes("skillsFramework")) await this.loadSkills();
  }

  display(data: Record<string, unknown>, metadata: Record<string, unknown>, displayId: string | undefined, update: boolean): void {
    this.router.publish(update ? "update_display_data" : "display_data", { data, metadata, transient: displayId ? { display_id: displayId } : {} });
  }

  clearOutput(wait: boolean): void {
    this.router.publish("clear_output", { wait });
  }

  input(prompt: string, password: boolean): Promise<string> {
    const context = this.router.current();
    if (!context?.allowStdin) return Promise.reject(new Error("input() is not available: this front end did not allow stdin for this cell (allow_stdin is false)"));
    this.router.flush();
    this.io.post({ op: "input_request", parent: context.parent, prompt, password });
    return new Promise((resolve) => (this.inputWaiter = resolve));
  }

  /** Flushes every output on its way to the client, then exits: the client sees a clean death. */
  async exit(code: number): Promise<never> {
    // The GPU device goes first: the driver frees it now, not when the process is reaped.
    this.tensors.release();
    this.router.flush();
    await this.io.flush(2000, true);
    return this.realExit(code);
  }
}
