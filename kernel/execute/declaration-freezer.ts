// Keeps the per-cell compile time flat in long sessions.
//
// tslab re-parses, re-binds and re-prints the declarations of every earlier cell on every cell
// (the "prevDecl" text), so a session's cells get slower as it grows. We move older
// declarations into "frozen" ambient files that the compiler keeps between cells unchanged,
// and leave only recent ones in prevDecl. Frozen names become global for the compiler, so at
// run time each gets a global accessor to the value tslab keeps in its exports object.
import type * as TS from "@tslab/typescript-for-tslab";
import type { Converter } from "tslab/dist/converter.js";
import { declaredNames } from "./declarations.js";

/** prevDecl statements kept before we freeze the freezable ones. */
const LIVE_LIMIT = 64;
const CHUNK_PREFIX = "__parallab_frozen_";

interface Chunk {
  name: string;
  /** name → the statement text declaring it (one statement may declare several names). */
  statements: Map<string, string>;
}

export class DeclarationFreezer {
  private readonly chunks: Chunk[] = [];
  /** Names whose freezing failed (they refer to imports, or clash with a global): kept live. */
  private readonly unfreezable = new Set<string>();
  /** Names we made global accessors for (so they are not mistaken for real globals). */
  private readonly exposed = new Set<string>();

  constructor(
    private readonly ts: typeof TS,
    private readonly converter: Converter,
    private readonly locals: Record<string, unknown>,
  ) {}

  /** Returns the prevDecl to compile the next cell with, freezing old declarations first. */
  compact(prevDecl: string): string {
    // Each statement of tslab's declaration output ends a line: this many lines cannot hold more
    // statements, and the parse is skipped (1 ms of a ~12 ms declaration cell).
    if (lineCount(prevDecl) <= LIVE_LIMIT) return prevDecl;
    const file = this.ts.createSourceFile("prev.d.ts", prevDecl, this.ts.ScriptTarget.Latest, true);
    if (file.statements.length <= LIVE_LIMIT) return prevDecl;
    const live: string[] = [];
    const frozen = new Map<string, string>();
    for (const stmt of file.statements) {
      const text = prevDecl.slice(stmt.getStart(file), stmt.end);
      const names = declaredNames(this.ts, stmt);
      if (names.length === 0 || names.some((n) => this.unfreezable.has(n) || (n in globalThis && !this.exposed.has(n)) || n.startsWith("__"))) live.push(text);
      else for (const n of names) frozen.set(n, ambient(text));
    }
    if (frozen.size === 0) return prevDecl;
    const rejected = this.addChunk(frozen);
    for (const name of frozen.keys()) {
      if (rejected.has(name)) this.unfreezable.add(name);
      else this.exposeGlobal(name);
    }
    // Rejected statements stay in prevDecl, in their original form and order.
    const keep = new Set<string>();
    for (const stmt of file.statements) {
      const names = declaredNames(this.ts, stmt);
      if (names.length === 0 || names.some((n) => !frozen.has(n) || rejected.has(n))) keep.add(prevDecl.slice(stmt.getStart(file), stmt.end));
    }
    return `${[...keep].join("\n")}\n`;
  }

  /** Adds a chunk; returns the names the compiler refused there (they were taken out again). */
  private addChunk(decls: Map<string, string>): Set<string> {
    // A name frozen before and declared again since: its old declaration must go.
    for (const chunk of this.chunks) {
      const stale = [...chunk.statements.keys()].filter((n) => decls.has(n));
      if (stale.length === 0) continue;
      for (const n of stale) chunk.statements.delete(n);
      this.converter.addModule(chunk.name, render(chunk.statements));
    }
    const chunk: Chunk = { name: `${CHUNK_PREFIX}${this.chunks.length + 1}__`, statements: new Map(decls) };
    const rejected = new Set<string>();
    for (let attempt = 0; attempt < 3; attempt++) {
      const content = render(chunk.statements);
      const diagnostics = this.converter.addModule(chunk.name, content);
      if (diagnostics.length === 0) break;
      const bad = namesAt(
        content,
        chunk.statements,
        diagnostics.map((d) => d.start.offset),
      );
      if (bad.size === 0 || attempt === 2) {
        // Cannot tell what is wrong: freeze nothing this time.
        for (const n of chunk.statements.keys()) rejected.add(n);
        chunk.statements.clear();
        this.converter.addModule(chunk.name, render(chunk.statements));
        break;
      }
      for (const n of bad) {
        rejected.add(n);
        chunk.statements.delete(n);
      }
    }
    this.chunks.push(chunk);
    return rejected;
  }

  /**
   * %reset: every frozen declaration and every global accessor goes, but those of `keep` (what
   * the notebook's imports bound).
   */
  forgetAllBut(keep: ReadonlySet<string>): void {
    for (const chunk of this.chunks) {
      const gone = [...chunk.statements.keys()].filter((n) => !keep.has(n));
      if (gone.length === 0) continue;
      for (const n of gone) chunk.statements.delete(n);
      this.converter.addModule(chunk.name, render(chunk.statements));
    }
    for (const name of [...this.unfreezable]) if (!keep.has(name)) this.unfreezable.delete(name);
    for (const name of [...this.exposed]) {
      if (keep.has(name)) continue;
      this.exposed.delete(name);
      delete (globalThis as Record<string, unknown>)[name];
    }
  }

  /** Names cells declared, made globals once the notebook has a value for them. */
  private readonly pending = new Set<string>();

  /** The top-level names a compiled cell declares (see exposeDeclared). */
  declared(names: Iterable<string>): void {
    for (const name of names) this.pending.add(name);
  }

  /**
   * Makes the notebook variables that cells declared readable as globals too. Frozen names need
   * it, and tslab misses shorthand properties (`{ x }` with `x` from an earlier cell), which then
   * read the global. Real globals (process, console, …) are never shadowed. Only the names cells
   * declared since the last call are looked at: a scan of every variable cost 0.4 ms a cell
   * after 2 500 declaration cells. `settled`: no cell runs any more, so a name still without a
   * value (its cell failed first) will not get one from it.
   */
  exposeDeclared(settled: boolean): void {
    for (const name of this.pending) {
      if (!Object.hasOwn(this.locals, name)) continue;
      this.pending.delete(name);
      if (!(name in globalThis)) this.exposeGlobal(name);
    }
    if (settled) this.pending.clear();
  }

  /** A variable the kernel gives the notebook (`_exit_code`, `%%capture NAME`), global too. */
  define(name: string, value: unknown): void {
    this.locals[name] = value;
    if (!(name in globalThis)) this.exposeGlobal(name);
  }

  private exposeGlobal(name: string): void {
    if (this.exposed.has(name)) return;
    this.exposed.add(name);
    const locals = this.locals;
    Object.defineProperty(globalThis, name, {
      get: () => locals[name],
      set: (value: unknown) => {
        locals[name] = value;
      },
      configurable: true,
      enumerable: false,
    });
  }
}

function lineCount(text: string): number {
  let lines = 1;
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) lines++;
  return lines;
}

/** `declare const x: T;` → `const x: T;` (already ambient inside `declare global`). */
function ambient(statement: string): string {
  return statement.replace(/^(export\s+)?declare\s+/, "");
}

function render(statements: Map<string, string>): string {
  return `declare global {\n${[...new Set(statements.values())].join("\n")}\n}\n`;
}

/** Names whose statement contains one of the offsets in `content`. */
function namesAt(content: string, statements: Map<string, string>, offsets: number[]): Set<string> {
  const out = new Set<string>();
  let pos = content.indexOf("\n") + 1;
  for (const text of new Set(statements.values())) {
    const start = content.indexOf(text, pos);
    const end = start + text.length;
    pos = end;
    if (offsets.some((o) => o >= start && o <= end)) for (const [n, t] of statements) if (t === text) out.add(n);
  }
  return out;
}
