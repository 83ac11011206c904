// What the ranks of an SPMD cell give the kernel, whatever carried it (threads or processes):
// their output, each line prefixed with its rank; their last values, shown one line per rank;
// or the error of the rank that failed.
import { type ErrorKind, ParallabError } from "../../common/errors.js";

export interface RankResult {
  rank: number;
  value: unknown;
  text: string | null;
}

/** A rank's error as it was thrown there (its stack names the cell's script), rebuilt with its kind on this side. */
export class RankError extends ParallabError {
  override readonly kind: ErrorKind;
  constructor(
    readonly rank: number,
    name: string,
    message: string,
    stack: string,
    /** The kind of a ParallabError the rank threw; "cell" for anything else. */
    kind: ErrorKind = "cell",
  ) {
    super(message);
    this.name = name;
    this.stack = stack;
    this.kind = kind;
  }
}

/** The values of every rank, shown one line per rank. */
export class RankValues extends Array<unknown> {
  // map/filter/slice of the ranks' values give a plain array, shown as an array.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  static fromResults(results: RankResult[]): RankValues {
    const values = new RankValues();
    const texts: string[] = [];
    for (const r of results) {
      values.push(r.value);
      texts.push(`[rank ${r.rank}] ${r.text ?? "undefined"}`);
    }
    Object.defineProperty(values, "lines", { value: texts.join("\n"), enumerable: false });
    return values;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return (this as unknown as { lines: string }).lines;
  }
}

/** One rank's output stream: every line that starts in it gets `[rank r] ` (a line written in pieces, once). */
export class RankLines {
  private atLineStart = true;

  constructor(private readonly rank: number) {}

  prefix(text: string): string {
    if (!text) return text;
    const prefixed = text.replace(/^(?=.)/gm, (_x, offset: number) => (offset > 0 || this.atLineStart ? `[rank ${this.rank}] ` : ""));
    this.atLineStart = text.endsWith("\n");
    return prefixed;
  }
}
