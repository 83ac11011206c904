import type { CellMagicContext, CellOutcome, ExpandInCell, Magic, MagicForm, OptionSpecs } from "./contract.js";
import type { KernelSession } from "../session.js";
import { expandArgs } from "./expand.js";
import { activeOptions, type FormKind, readArgs, resolveArgs, usageText } from "./options.js";
import { closest } from "../../common/text.js";
import { UsageError } from "../../common/errors.js";

export class MagicRegistry {
  private readonly magics = new Map<string, Magic>();

  register<S extends OptionSpecs>(magic: Magic<S>): void {
    if (this.magics.has(magic.name)) throw new Error(`magic %${magic.name} is already registered`);
    const names = Object.entries(magic.options ?? {}).flatMap(([key, s]) => [key, ...(s.short ? [s.short] : []), ...(s.aliases ?? [])]);
    if (new Set(names).size !== names.length) throw new Error(`magic %${magic.name} declares an option name twice`);
    this.magics.set(magic.name, magic);
  }

  get(name: string): Magic | undefined {
    return this.magics.get(name);
  }

  lineMagics(): string[] {
    return [...this.magics.values()]
      .filter((m) => m.line)
      .map((m) => m.name)
      .sort();
  }

  cellMagics(): string[] {
    return [...this.magics.values()]
      .filter((m) => m.cell)
      .map((m) => m.name)
      .sort();
  }

  /** `%name` when it exists as the kind asked for, else a UsageError naming the closest ones. */
  require(name: string, kind: "line" | "cell"): Magic {
    const magic = this.magics.get(name);
    if (magic?.[kind]) return magic;
    const prefix = kind === "line" ? "%" : "%%";
    const pool = kind === "line" ? this.lineMagics() : this.cellMagics();
    const close = closest(name, pool).map((n) => prefix + n);
    const other = magic ? ` (%${kind === "line" ? "%" : ""}${name} exists as a ${kind === "line" ? "cell" : "line"} magic)` : "";
    const hint = close.length ? ` Did you mean ${close.join(" or ")}?` : "";
    throw new UsageError(`${kind === "line" ? "Line" : "Cell"} magic \`${prefix}${name}\` not found${other}.${hint} %lsmagic lists them all.`);
  }

  /** The usage text of `%name?`, `%magic` and UsageErrors, written from the magic's declaration. */
  usage(magic: Magic): string {
    return usageText(magic);
  }

  /**
   * When a cell is compiled: a line magic's text → its options and its code, both as written (the
   * options are expanded when the line runs; the code is compiled into the cell).
   */
  splitLine(magic: Magic, text: string): { options: string; code: string } {
    const form = magic.line!;
    if (!form.code) return { options: text, code: "" };
    const raw = readArgs(text, magic.options, "line", form, this.failure(magic));
    return { options: raw.optionsText, code: raw.code };
  }

  /** `%name options`: expands and parses the options, then runs the magic; `inCell` evaluates expansions where the line is. */
  runLine(name: string, text: string, thunk: (() => unknown) | undefined, session: KernelSession, inCell?: ExpandInCell): unknown {
    const magic = this.require(name, "line");
    const { options, args } = this.parse(magic, "line", text, session.notebook.locals, inCell);
    return magic.line!.run({ session, options, args, thunk, usageError: this.failure(magic) });
  }

  /** `%%name header` over a body: expands and parses the header, then runs the magic. */
  runCell(name: string, header: string, context: CellMagicContext, session: KernelSession): Promise<CellOutcome> {
    const magic = this.require(name, "cell");
    const { options, args, code } = this.parse(magic, "cell", header, session.notebook.locals);
    return magic.cell!.run({ ...context, session, header, code, options, args, usageError: this.failure(magic) });
  }

  /** The same parsing for both forms: read as written, check the words, then expand and type. */
  private parse(magic: Magic, kind: FormKind, text: string, scope: Record<string, unknown>, inCell?: ExpandInCell): { options: Record<string, unknown>; args: string[]; code: string } {
    const form: MagicForm = magic[kind]!;
    const fail = this.failure(magic);
    const raw = readArgs(text, magic.options, kind, form, fail);
    if (raw.words.length && !form.args) {
      const got = JSON.stringify(raw.words.join(" "));
      const hasOptions = activeOptions(magic.options, kind).length > 0;
      if (kind === "cell") throw fail(`%%${magic.name} takes ${hasOptions ? "only options" : "nothing"} on its first line, got ${got}.`);
      throw fail(hasOptions ? `%${magic.name} takes only options, got ${got}.` : `%${magic.name} takes no arguments${magic.cell ? ` (the cell magic %%${magic.name} runs code)` : ""}.`);
    }
    const expand = (t: string) => expandArgs(t, scope, inCell);
    const resolved = resolveArgs(raw, magic.options, kind, expand, fail);
    // A command is one argument, expanded whole (its quotes and spaces are the shell's to read).
    if (form.command) return { ...resolved, args: [expand(raw.code)], code: "" };
    return { ...resolved, code: raw.code };
  }

  private failure(magic: Magic): (message: string) => UsageError {
    return (message) => new UsageError(`${message}\n${usageText(magic)}`);
  }
}
