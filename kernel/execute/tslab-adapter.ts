// The only module that knows tslab. It uses tslab's compiler (createConverter) and executor
// (createExecutor) as they are, and adds what a conformant kernel needs around them: structured
// results instead of console output, source maps back to the cell's lines, the "parallab"
// module inside cells, and tslab's display API routed to our display sink.
import type * as TS from "@tslab/typescript-for-tslab";
import type { Converter, ConvertResult } from "tslab/dist/converter.js";
import type { Executor } from "tslab/dist/executor.js";
import { onlyDeclares } from "./inert-cell.js";
import { literalExpression, parseShortCell } from "./literal-cell.js";
import { DEFINE_EXPORT, rewriteDefineExports } from "./plain-exports.js";
import { InterruptError } from "../../common/errors.js";
import { cellScriptName, diagnosticsError, runtimeError, type CellRecord } from "./errors.js";
import { DeclarationFreezer } from "./declaration-freezer.js";
import { declarationStatements, globalAugmentations } from "./declarations.js";
import { hasTopLevelAwait } from "./top-level-await.js";
import { rebaseRelativeImports } from "./relative-imports.js";
import { CellSourceMap } from "./source-maps.js";
import type { ErrorContent } from "../protocol/messages.js";
import {
  type CompilerHooks,
  forwardParallabTypes,
  loadTypeScriptWithCodeCache,
  nameCellScripts,
  patchTypeScript,
  routeCellRequire,
  usePlainExports,
  useSnapshotTypeScript,
} from "../patches/compiler.js";
import type { CellOutcome, DetachedCell } from "../magics/contract.js";
import { diagnosticWithInstallHint } from "../packages/missing.js";
import { rebuildInBackground, snapshotContentKey } from "../snapshot/build.js";
import type { CompilerSnapshot } from "../snapshot/compiler-snapshot.js";

export interface Completion {
  start: number;
  end: number;
  candidates: string[];
}

/** Typed globals every cell sees: the runtime side lives in kernel/magics/runtime.ts. */
const PRELUDE = `declare global {
  const __parallab__: {
    magic<T>(name: "time", args: string, thunk: () => T): Promise<Awaited<T>>;
    magic(name: "sx", args: string, thunk?: undefined, inCell?: (expression: string) => unknown): Promise<string[]>;
    magic(name: string, args: string, thunk?: () => unknown, inCell?: (expression: string) => unknown): Promise<any>;
  };
  /** Every rank's value from the last %%workers cell, by rank. */
  var _ranks: any[];
  /** The exit status of the last \`!\` command (minus the signal's number when a signal ended it). */
  var _exit_code: number;
}
`;

/** Where the cell's compiled code starts on its first line: tslab's wrapper prefix. */
const SYNC_PREFIX = "(function(exports, require) { ".length;
const ASYNC_PREFIX = "(async function(exports, require) { ".length;

export interface AdapterOptions {
  /** Directory that cells resolve relative imports and node_modules from. */
  rootDir: string;
  /** Value of `import … from "parallab"` inside cells. */
  parallabModule: object;
  /** Called when a cell's compiled code is about to run (the compiler is done with it); may throw to stop it. */
  onUserCode?: () => void;
  /** Where V8's code cache of the compiler lives (null: none). */
  codeCacheDir?: string | null;
  /**
   * The compiler snapshot kernel.json's launcher starts the kernel from (kernel/snapshot/), or
   * null when the kernel was started without the launcher.
   */
  compilerBlob?: string | null;
  /** The kernel's log: what went wrong with the code cache, and what the snapshot gave. */
  log?: (line: string) => void;
  /** Sink for tslab's `display` API (tslab passes a Jupyter display_data content). */
  tslabDisplay: (content: { data: Record<string, unknown>; metadata: object; transient?: object }, update: boolean) => void;
}

export class TslabAdapter {
  private seq = 0;
  private readonly cells = new Map<number, CellRecord>();
  private lastMap: string | null = null;
  /** The cell text tslab compiled last (see compile). */
  private lastCompiledText: string | null = null;
  private lastConvert: ConvertResult | null = null;
  private capture: { value?: unknown; hasValue: boolean; thrown?: { value: unknown } } | null = null;
  private readonly freezer: DeclarationFreezer;
  /** What the patched vm and TypeScript share with this adapter. */
  private readonly hooks: CompilerHooks;
  /** The declarations the executor holds now (it keeps them to itself). */
  private currentDecl = "";
  /**
   * After %reset: the declarations cells compile against instead of the executor's, until a
   * cell succeeds (tslab then holds that cell's, made from these). tslab lets no one set its own.
   */
  private declOverride: string | null = null;
  /** %reset ran in the running cell: its declarations are cut when the cell ends. */
  private resetPending = false;
  /** The compile result of the cell running now, while it runs code of its own (`%run -i`). */
  private enclosing: ConvertResult | null = null;
  /** The folder the code being compiled means its relative imports from (null: the working directory). */
  private importsFrom: string | null = null;

  private constructor(
    private readonly ts: typeof TS,
    private readonly executor: Executor,
    private readonly isCompleteCode: (code: string) => { completed: boolean; indent?: string },
    private readonly real: Converter,
    hooks: CompilerHooks,
    /** Where tslab resolves relative imports from: the folder the kernel started in. */
    private readonly rootDir: string,
  ) {
    this.freezer = new DeclarationFreezer(ts, real, executor.locals);
    this.hooks = hooks;
  }

  /** Loads TypeScript and builds the compiler: the slow part of start-up (~1 s), done once. */
  static async create(options: AdapterOptions): Promise<TslabAdapter> {
    const hooks: CompilerHooks = {
      nextScriptName: null,
      onUserCode: options.onUserCode ?? null,
      pendingMap: null,
      modules: null,
      nextScriptWatchesSigint: true,
      compiling: false,
      commonJs: new Set(),
      declared: [],
    };
    // Before tslab's converter loads TypeScript: it must get the patched module (compiled from
    // the code cache where there is one).
    const snapshot = options.compilerBlob ? useSnapshotTypeScript(snapshotContentKey()) : null;
    const compiler = !snapshot && options.codeCacheDir ? loadTypeScriptWithCodeCache(options.codeCacheDir) : null;
    const ts = patchTypeScript(hooks, snapshot);
    forwardParallabTypes(ts);
    const { createConverter, isCompleteCode } = await import("tslab/dist/converter.js");
    const { createExecutor } = await import("tslab/dist/executor.js");
    let adapter: TslabAdapter | null = null;
    const real = createConverter();
    if (options.compilerBlob) reportSnapshot(options.compilerBlob, snapshot, options.log);
    // The first program is built: V8's cache now holds the functions that took, not just the module's top level.
    const unsaved = compiler?.save();
    if (unsaved) options.log?.(`the compiler's code cache was not written (${compiler!.file}): ${unsaved}; the next kernel compiles TypeScript from source again`);
    const converter: Converter = {
      convert: (prev, src) => adapter!.convert(real, prev, src),
      inspect: (prev, src, pos) => real.inspect(PRELUDE + adapter!.declarations(prev), src, pos),
      complete: (prev, src, pos) => real.complete(PRELUDE + adapter!.declarations(prev), src, pos),
      addModule: (name, content, meta) => real.addModule(name, content, meta),
      close: () => real.close(),
    };
    const console = {
      log: (value: unknown) => adapter!.captureValue(value),
      error: (first: unknown, ...rest: unknown[]) => adapter!.captureError(first, rest),
    };
    // One compiler serves both tslab modes: a second one would double start-up and memory.
    const executor = createExecutor(options.rootDir, { node: converter, browser: converter, close: () => real.close() }, console);
    // tslab compiles references to earlier declarations as `exports.NAME`: the magic runtime
    // declared in PRELUDE is read from there too.
    executor.locals.__parallab__ = (globalThis as { __parallab__?: unknown }).__parallab__;
    usePlainExports(executor.locals, DEFINE_EXPORT);
    adapter = new TslabAdapter(ts, executor, isCompleteCode, real, hooks, options.rootDir);
    routeCellRequire({ ...options, notebookDir: options.rootDir });
    nameCellScripts(hooks);
    return adapter;
  }

  /**
   * Compiles and runs one cell. `label` names it in tracebacks ("Cell[3]"); `source` is the
   * text the user wrote, when `code` is a rewrite of it with the same lines (magics).
   * `importsFrom` is the folder its relative imports start from (default: the working directory).
   */
  async execute(code: string, label: string, source = code, importsFrom?: string): Promise<CellOutcome> {
    // Called again while a cell runs (a line magic that runs a file in the notebook's scope):
    // the running cell's state is put back afterwards.
    const outer = this.capture ? { capture: this.capture, convert: this.lastConvert, map: this.lastMap, enclosing: this.enclosing } : null;
    if (outer) this.enclosing = outer.convert;
    const seq = ++this.seq;
    const record: CellRecord = { label, lines: source.split("\n"), map: null };
    this.cells.set(seq, record);
    this.capture = { hasValue: false };
    this.lastConvert = null;
    this.lastMap = null;
    const capture = this.capture;
    this.hooks.nextScriptName = cellScriptName(seq);
    let succeeded = false;
    let converted: ConvertResult | null = null;
    // tslab compiles the code before its first await: the compiler reads this right away.
    this.importsFrom = importsFrom ?? null;
    try {
      succeeded = await this.executor.execute(code);
      converted = this.lastConvert as ConvertResult | null;
      // As tslab does: the declarations move on when the cell ran (or only declared).
      if (succeeded) {
        this.currentDecl = converted?.declOutput ?? "";
        this.declOverride = null;
      }
    } finally {
      this.hooks.nextScriptName = null;
      if (this.resetPending) this.cutDeclarations();
      this.freezer.exposeDeclared(outer === null);
      if (outer) {
        // The running cell was compiled on the declarations before this code's: once it ends,
        // tslab keeps its declarations, so they must now hold this code's too.
        if (succeeded && outer.convert && converted?.declOutput) outer.convert.declOutput = converted.declOutput;
        this.capture = outer.capture;
        this.lastConvert = outer.convert;
        this.lastMap = outer.map;
        this.enclosing = outer.enclosing;
      } else {
        this.capture = null;
      }
    }
    const diagnostics = converted?.diagnostics ?? [];
    if (diagnostics.length > 0) {
      const flat = diagnostics.map((d) => ({ ...d, messageText: diagnosticWithInstallHint(d.code, d.messageText, this.rootDir), line: d.start.line, character: d.start.character }));
      return { ok: false, error: diagnosticsError(flat, record), interrupted: false };
    }
    if (!succeeded || capture.thrown) {
      const thrown = capture.thrown?.value ?? new Error("the cell failed without an error value");
      const interrupted = thrown instanceof InterruptError || isTslabInterrupt(thrown) || isSigintError(thrown);
      const error = interrupted ? runtimeError(new InterruptError(), () => undefined) : runtimeError(thrown, (s) => this.cells.get(s));
      return { ok: false, error, interrupted, thrown };
    }
    let { value, hasValue } = capture;
    // tslab prints only non-null last values; a `null` result still belongs to the cell.
    const lastVar = converted?.lastExpressionVar;
    if (!hasValue && lastVar && lastVar in this.executor.locals) {
      value = this.executor.locals[lastVar];
      delete this.executor.locals[lastVar];
      hasValue = value !== undefined;
    }
    return { ok: true, value, hasValue };
  }

  /** Packages were installed or removed (%npm): the next cells resolve their imports afresh. */
  packagesChanged(): void {
    this.hooks.modules?.forget();
  }

  /** Ends a cell that is awaiting; a cell in synchronous code is stopped by the I/O thread. */
  interrupt(): void {
    this.executor.interrupt();
  }

  complete(code: string, cursor: number): Completion {
    const info = this.executor.complete(code, cursor);
    return { start: info.start, end: info.end, candidates: info.candidates };
  }

  /** Type and documentation of the symbol at `cursor`, as plain text, or null. */
  inspect(code: string, cursor: number): string | null {
    const info = this.executor.inspect(code, cursor);
    if (!info) return null;
    const signature = this.ts.displayPartsToString(info.displayParts);
    const docs = this.ts.displayPartsToString(info.documentation);
    const tags = (info.tags ?? []).map((t) => `@${t.name} ${this.ts.displayPartsToString(t.text)}`.trim());
    return [signature, docs, ...tags].filter((s) => s.length > 0).join("\n\n");
  }

  isComplete(code: string): { status: "complete" | "incomplete" | "invalid"; indent?: string } {
    const result = this.isCompleteCode(code);
    if (!result.completed) return { status: "incomplete", indent: result.indent ?? "" };
    const file = this.ts.createSourceFile("cell.ts", code, this.ts.ScriptTarget.Latest, false, this.ts.ScriptKind.TS);
    const parseErrors = (file as unknown as { parseDiagnostics?: { code: number }[] }).parseDiagnostics ?? [];
    // An open template literal goes on over lines, as an open bracket does.
    if (parseErrors.some((d) => d.code === UNTERMINATED_TEMPLATE)) return { status: "incomplete", indent: "" };
    return { status: parseErrors.length > 0 ? "invalid" : "complete" };
  }

  /** The TypeScript compiler the cells are compiled with. */
  get typescript(): typeof TS {
    return this.ts;
  }

  /** Names and values the cells have defined. */
  get locals(): Record<string, unknown> {
    return this.executor.locals;
  }

  /** Gives the notebook a variable that no cell declared (the compiler is told by a declaration). */
  define(name: string, value: unknown): void {
    this.freezer.define(name, value);
  }

  /**
   * %reset: forgets the notebook's variables, functions, classes and types; the names its
   * imports bound stay (so do their imports). It runs inside a cell (a line magic): the values
   * go now, the compiler's declarations when the cell ends, as tslab would put them back.
   */
  forgetVariables(): void {
    const decl = this.lastConvert?.declOutput ?? this.declarations(this.currentDecl);
    const keep = new Set(["__parallab__", ...declarationStatements(this.ts, decl).flatMap((s) => s.imports)]);
    const forgotten = Object.keys(this.locals).filter((n) => !keep.has(n));
    for (const name of forgotten) delete this.locals[name];
    this.freezer.forgetAllBut(keep);
    this.resetPending = true;
  }

  /**
   * The end of a cell that ran %reset: its declarations keep the imports and what the cell
   * assigned after %reset (names that have a value again).
   */
  private cutDeclarations(): void {
    this.resetPending = false;
    const decl = this.lastConvert?.declOutput ?? this.declarations(this.currentDecl);
    const kept = declarationStatements(this.ts, decl).filter((s) => s.isImport || s.declares.some((n) => Object.hasOwn(this.locals, n)));
    this.currentDecl = this.declOverride = kept.map((s) => `${s.text}\n`).join("");
  }

  /** The declarations cells compile against: tslab's, or ours after a %reset. */
  private declarations(prevDecl: string): string {
    return this.declOverride ?? prevDecl;
  }

  /** Where tslab keeps the running (or last) cell's value: a notebook variable to no one. */
  get resultVariable(): string | undefined {
    return this.lastConvert?.lastExpressionVar;
  }

  close(): void {
    this.executor.close();
  }

  private convert(real: Converter, prevDecl: string, src: string): ConvertResult {
    this.hooks.pendingMap = null;
    // Code run from inside a running cell sees that cell's declarations too.
    const declarations = this.enclosing?.declOutput ?? this.declarations(prevDecl);
    const parsed = parseShortCell(this.ts, src);
    const literal = parsed && literalExpression(this.ts, parsed);
    this.hooks.nextScriptWatchesSigint = !parsed || !onlyDeclares(this.ts, parsed);
    const result = literal === null ? this.compileCell(real, declarations, src) : literalResult(declarations, literal);
    this.lastConvert = result;
    this.lastMap = this.hooks.pendingMap;
    // Known before the cell runs, so that a profile or a stack taken while it runs maps too.
    const record = this.cells.get(this.seq);
    if (record && this.lastMap) {
      record.map = new CellSourceMap(this.lastMap, result.hasToplevelAwait ? ASYNC_PREFIX : SYNC_PREFIX);
      record.script = `${result.hasToplevelAwait ? "(async function(exports, require) { " : "(function(exports, require) { "}${result.output ?? ""}`;
    }
    return result;
  }

  private compileCell(real: Converter, declarations: string, src: string): ConvertResult {
    const result = this.compile(real, PRELUDE + this.freezer.compact(declarations), this.rebaseImports(src));
    if (result.output) result.output = rewriteDefineExports(result.output);
    if (!result.hasToplevelAwait && result.diagnostics.length === 0) result.hasToplevelAwait = hasTopLevelAwait(this.ts, src);
    if (result.declOutput !== undefined && declarations.includes("declare global")) result.declOutput += keptAugmentations(this.ts, declarations, result.declOutput);
    return result;
  }

  /** tslab's compile of a cell; its first program may be the names-only one (../execute/lean-builder.ts). */
  private compile(real: Converter, prevDecl: string, src: string): ConvertResult {
    this.hooks.compiling = true;
    this.hooks.declared = [];
    // The same text twice in a row would get a real first program, whose names TypeScript
    // escapes (`__x` as `___x`, which tslab then exports): a trailing newline makes it new.
    const text = src === this.lastCompiledText ? `${src}\n` : src;
    this.lastCompiledText = text;
    try {
      return real.convert(prevDecl, text);
    } finally {
      this.hooks.compiling = false;
      this.freezer.declared(this.hooks.declared);
    }
  }

  /** The code with its relative imports pointed from the folder they mean (after %cd) to tslab's root. */
  private rebaseImports(src: string): string {
    let from = this.importsFrom;
    try {
      from ??= process.cwd();
    } catch {
      // The working directory was deleted: the imports stay as written.
      return src;
    }
    return rebaseRelativeImports(this.ts, src, from, this.rootDir);
  }

  /**
   * Compiles a cell against the notebook's declarations without running it or changing them
   * (a %%workers body runs elsewhere). `declarations` adds names only this cell sees.
   */
  compileDetached(code: string, label: string, declarations: string, source = code): DetachedCell {
    const seq = ++this.seq;
    const record: CellRecord = { label, lines: source.split("\n"), map: null };
    this.cells.set(seq, record);
    this.hooks.pendingMap = null;
    const result = this.compile(this.real, PRELUDE + declarations + this.currentDecl, code);
    if (!result.hasToplevelAwait && result.diagnostics.length === 0) result.hasToplevelAwait = hasTopLevelAwait(this.ts, code);
    if (result.diagnostics.length > 0) {
      const flat = result.diagnostics.map((d) => ({ ...d, messageText: diagnosticWithInstallHint(d.code, d.messageText, this.rootDir), line: d.start.line, character: d.start.character }));
      return { ok: false, error: diagnosticsError(flat, record) };
    }
    const prefix = result.hasToplevelAwait ? ASYNC_PREFIX : SYNC_PREFIX;
    if (this.hooks.pendingMap) record.map = new CellSourceMap(this.hooks.pendingMap, prefix);
    return { ok: true, js: result.output ?? "", async: Boolean(result.hasToplevelAwait), lastExpressionVar: result.lastExpressionVar, scriptName: cellScriptName(seq) };
  }

  /**
   * Where a function's source text sits in the scripts of the cells (newest first): a worker
   * compiles it at that place, so its stack frames map back to the cell's lines.
   */
  locateFunction(source: string): { filename: string; line: number; column: number } | null {
    for (const [seq, record] of [...this.cells].reverse()) {
      const at = record.script?.indexOf(source) ?? -1;
      if (at < 0) continue;
      const before = record.script!.slice(0, at);
      const line = before.split("\n").length;
      return { filename: cellScriptName(seq), line, column: at - (before.lastIndexOf("\n") + 1) };
    }
    return null;
  }

  /**
   * A position in a cell's compiled script (a stack frame's or a CPU profile's: script name,
   * 1-based line, 0-based column) → the cell's label, its 1-based line and its source lines.
   */
  cellPosition(script: string, line: number, column: number): { cell: string; line: number; lines: string[] } | null {
    const seq = /^cell-(\d+)$/.exec(script)?.[1];
    const record = seq ? this.cells.get(Number(seq)) : undefined;
    if (!record) return null;
    // The script's first line opens tslab's wrapper function: the cell's top level.
    const cellLine = record.map?.cellLine(line, column) ?? (line === 1 ? 1 : null);
    // Inlined code of other scripts can carry line numbers past the cell's end.
    return cellLine && cellLine <= record.lines.length ? { cell: record.label, line: cellLine, lines: record.lines } : null;
  }

  /** A thrown error (from any thread) with frames of our cells mapped to their lines. */
  errorContent(thrown: unknown): ErrorContent {
    return runtimeError(thrown, (s) => this.cells.get(s));
  }

  private captureValue(value: unknown): void {
    if (this.capture) {
      this.capture.value = value;
      this.capture.hasValue = true;
    }
  }

  private captureError(first: unknown, rest: unknown[]): void {
    // tslab prints diagnostics as a format string; we read them from the convert result instead.
    if (typeof first === "string" && first.startsWith("%s%d:%d") && rest.length > 0) return;
    if (this.capture && !this.capture.thrown) this.capture.thrown = { value: first };
  }
}

/**
 * A kernel that could not start from its snapshot says why in its log and has the blob rebuilt
 * in the background for the next kernel. Files the snapshot lacks (a notebook's own
 * @types/node) are parsed as usual and need no rebuild.
 */
function reportSnapshot(blob: string, snapshot: CompilerSnapshot | null, log: ((line: string) => void) | undefined): void {
  if (snapshot) return;
  const say = log ?? (() => {});
  const loaded = process.env.PARALLAB_COMPILER_SNAPSHOT === "loaded";
  say(`compiler started without its snapshot (${loaded ? "made from another TypeScript or @types/node" : `${blob} is missing or was built for another Node`}); rebuilding it in the background`);
  rebuildInBackground(blob, say);
}

const UNTERMINATED_TEMPLATE = 1160;
const isTslabInterrupt = (e: unknown) => e instanceof Error && e.message === "Interrupted asynchronously";
const isSigintError = (e: unknown) => e instanceof Error && (e as { code?: string }).code === "ERR_SCRIPT_EXECUTION_INTERRUPTED";

/** What tslab's compile gives for a cell that is one literal expression (./literal-cell.ts): the declarations stay. */
function literalResult(declarations: string, expression: string): ConvertResult {
  return {
    output: `exports.${LAST_EXPRESSION} = ${expression};\n`,
    declOutput: declarations,
    diagnostics: [],
    hasToplevelAwait: false,
    lastExpressionVar: LAST_EXPRESSION,
  };
}

/** The variable tslab's compile puts a cell's last value in. */
const LAST_EXPRESSION = "tsLastExpr";

/**
 * The earlier cells' `declare global { … }` blocks that tslab left out of a cell's declarations
 * (it carries on variables, functions, classes, interfaces and imports only).
 */
function keptAugmentations(ts: typeof TS, before: string, after: string): string {
  return globalAugmentations(ts, before)
    .filter((block) => !after.includes(block))
    .map((block) => `${block}\n`)
    .join("");
}
