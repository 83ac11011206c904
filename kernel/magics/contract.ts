// The contract between the kernel and a magic: what a magic declares (its options, once, and the
// forms it has), and what it gets when it runs. The registry reads the declaration to expand and
// parse the arguments and to write the usage text; a magic never parses its own line.
import type { ErrorContent } from "../protocol/messages.js";
import type { KernelSession } from "../session.js";

/** How a cell (or a magic's body) ended. */
export type CellOutcome =
  | { ok: true; value: unknown; hasValue: boolean }
  | { ok: false; error: ErrorContent; interrupted: boolean /** The value the cell threw, when it threw one. */; thrown?: unknown };

/** A cell compiled to run elsewhere (a worker thread, an MPI rank). */
export type DetachedCell = { ok: true; js: string; async: boolean; lastExpressionVar?: string; scriptName: string } | { ok: false; error: ErrorContent };

/** One option of a magic. A one-letter key is a short option (`-n`), a longer one a long option (`--top`). */
export interface OptionSpec {
  type: "flag" | "string" | "int" | "number";
  help: string;
  /** A one-letter alias of a long option (`-b` for `--backend`). */
  short?: string;
  /** Other long names it answers to. */
  aliases?: readonly string[];
  /** The value's name in the usage text ("N", "FILE"). */
  value?: string;
  default?: string | number;
  /** int and number: the smallest value allowed (1: a positive whole number). */
  min?: number;
  /** Only in this form of the magic. */
  only?: "line" | "cell";
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The parsed options of a declaration: flags are booleans, values are typed, absent ones take their default. */
export type OptionValues<S extends OptionSpecs> = string extends keyof S
  ? Record<string, unknown> // a magic seen through the registry: its declaration is not known
  : {
      [K in keyof S]: S[K] extends { type: "flag" }
        ? boolean
        : S[K] extends { type: "int" | "number" }
          ? S[K] extends { default: number }
            ? number
            : number | undefined
          : S[K] extends { default: string }
            ? string
            : string | undefined;
    };

/** What a form of a magic takes after its options. */
export interface MagicForm {
  /** The arguments' names in the usage text ("STATEMENT", "[N]"); without it the form takes options only. */
  args?: string;
  /** What follows the options is code: kept as written (never expanded), and options stop where it starts. */
  code?: boolean;
  /**
   * What follows is a shell command: kept whole as written (quotes, spaces), expanded as one
   * string into `args[0]`. The magic's own options are taken from anywhere in it (as argparse's
   * parse_known_args does); any other word, `-x` included, belongs to the command.
   */
  command?: boolean;
  /** Shown after the usage line, in parentheses. */
  note?: string;
  /** Options stop at the first argument: what follows belongs to it (a script's own options). */
  optionsBeforeArgs?: boolean;
  /** Arguments may be quoted ("my file.ts", 'a b'): quotes keep spaces in one argument and are removed. */
  quoted?: boolean;
  /**
   * The arguments are paths: completion offers the kernel's folder's entries (folders with a
   * trailing `/`): every entry, only folders, or folders and files with these extensions.
   */
  paths?: "all" | "folders" | readonly string[];
}

interface CallBase<V> {
  /** The running kernel: its output, pool, clock, notebook scope, tracker and interrupt signal. */
  session: KernelSession;
  options: V;
  /** The positional arguments, expanded (forms that take arguments, not code). */
  args: string[];
  /** A UsageError whose message ends with the magic's usage. */
  usageError(message: string): Error;
}

export interface LineMagicCall<V = Record<string, unknown>> extends CallBase<V> {
  /** The line's code, compiled in the cell's scope (forms that take code). */
  thunk?: () => unknown;
}

/** Evaluates an expansion's expression where the line is (a loop's variable, a function's parameter). */
export type ExpandInCell = (expression: string) => unknown;

export interface CellMagicCall<V = Record<string, unknown>> extends CallBase<V> {
  /** The first line after `%%name`, as written. */
  header: string;
  /** Code after the options on the first line, as written (forms that take code). */
  code: string;
  body: string;
  /** The cell's label in tracebacks and profiles ("Cell[3]"). */
  label: string;
  /** Runs TypeScript in the notebook's scope; lines of `code` map 1:1 to the cell's lines. */
  run(code: string): Promise<CellOutcome>;
  /** Compiles without running (code that runs elsewhere); `declarations` are extra names. */
  compile(code: string, declarations: string): Promise<DetachedCell>;
  /** An error thrown anywhere, with frames of the cells mapped to their lines. */
  errorContent(thrown: unknown): Promise<ErrorContent>;
  /** The notebook's variables. */
  scope(): Promise<Record<string, unknown>>;
}

/** What the kernel gives a cell magic; the registry adds the parsed arguments. */
export type CellMagicContext = Pick<CellMagicCall, "body" | "label" | "run" | "compile" | "errorContent" | "scope">;

export interface Magic<S extends OptionSpecs = OptionSpecs> {
  name: string;
  /** What it does, shown under the usage lines by `%name?` and `%magic`. */
  description: string;
  options?: S;
  line?: MagicForm & { run(call: LineMagicCall<OptionValues<S>>): unknown };
  cell?: MagicForm & { run(call: CellMagicCall<OptionValues<S>>): Promise<CellOutcome> };
}
