import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { jupyterDataDir } from "../../common/paths.js";
import type { HistoryRequest } from "../protocol/messages.js";

interface Entry {
  s: number; // session
  n: number; // line (execution count)
  i: string; // input
  o?: string; // output, text/plain
}

type HistoryItem = [number, number, string | [string, string | null]];

/** One cell of the history, for %history. */
export interface HistoryLine {
  session: number;
  line: number;
  input: string;
  /** Its value's text/plain, when it had one. */
  output?: string;
}

/** Keeps at most this many entries: older ones are dropped when the whole history is read. */
const MAX_ENTRIES = 20000;
/** A history file past this size is read whole (and so cut to MAX_ENTRIES) when a session starts. */
const TRIM_AT_BYTES = 8 * 1024 * 1024;
/** How much of the file's end a new session reads for its number. */
const TAIL_BYTES = 64 * 1024;

/**
 * Input history across kernel restarts: one JSON line per cell in the Jupyter data dir. A
 * session's number comes from the file's end; the whole file is read only when history is asked
 * for (reading 20 000 entries, 5 MB, took 119 ms of a kernel's first cell).
 */
export class HistoryStore {
  private entries: Entry[] | null = null;
  private sessionNumber = 0;
  /** The cell running now, stored when it ends: %history sees it, as IPython stores a cell before running it. */
  private running: Entry | null = null;

  constructor(readonly file = path.join(jupyterDataDir(), "parallab", "history.jsonl")) {}

  get session(): number {
    this.startSession();
    return this.sessionNumber;
  }

  /** A cell starts (one that will be stored). */
  begin(line: number, input: string): void {
    this.startSession();
    this.running = { s: this.sessionNumber, n: line, i: input };
  }

  append(line: number, input: string, output?: string): void {
    this.startSession();
    this.running = null;
    const entry: Entry = { s: this.sessionNumber, n: line, i: input, ...(output !== undefined ? { o: output } : {}) };
    this.entries?.push(entry);
    try {
      appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
    } catch (err) {
      process.stderr.write(`[parallab] cannot write history to ${this.file}: ${(err as Error).message}\n`);
    }
  }

  query(req: HistoryRequest): HistoryItem[] {
    this.load();
    const all = this.entries!;
    let picked: Entry[];
    switch (req.hist_access_type) {
      case "tail":
        picked = all.slice(-Math.max(0, req.n ?? 10));
        break;
      case "range": {
        // Session 0 (or none) is this session; negative numbers count back from it.
        const s = !req.session ? this.sessionNumber : req.session < 0 ? this.sessionNumber + req.session : req.session;
        const start = req.start ?? 0;
        const stop = req.stop ?? Infinity;
        picked = all.filter((e) => e.s === s && e.n >= start && e.n < stop);
        break;
      }
      case "search":
        picked = matching(all, req.pattern ?? "*", req.n, Boolean(req.unique));
        break;
      default:
        throw new Error(`unknown hist_access_type ${JSON.stringify((req as { hist_access_type: unknown }).hist_access_type)}: use tail, range or search`);
    }
    return picked.map((e) => [e.s, e.n, req.output ? [e.i, e.o ?? null] : e.i]);
  }

  /** %history: this session's cells, the running one last. */
  thisSession(): HistoryLine[] {
    this.load();
    return this.withRunning(this.entries!.filter((e) => e.s === this.sessionNumber)).map(toHistoryLine);
  }

  /** %history -l N: the last N cells of all sessions, before the running one (IPython's get_tail). */
  tail(n: number): HistoryLine[] {
    this.load();
    return n > 0 ? this.entries!.slice(-n).map(toHistoryLine) : [];
  }

  /** %history -g: cells of all sessions (the running one too) whose input matches the glob; the last `n`. */
  search(pattern: string, n: number | undefined, unique: boolean): HistoryLine[] {
    this.load();
    return matching(this.withRunning(this.entries!), pattern, n, unique).map(toHistoryLine);
  }

  private withRunning(entries: Entry[]): Entry[] {
    return this.running ? [...entries, this.running] : entries;
  }

  /** This session's number: one past the highest in the file's end (or the whole file, when read). */
  private startSession(): void {
    if (this.sessionNumber > 0) return;
    let highest = 0;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      const size = existsSync(this.file) ? statSync(this.file).size : 0;
      if (size > TRIM_AT_BYTES) {
        this.load();
        return;
      }
      if (size > 0) {
        const tail = Buffer.alloc(Math.min(size, TAIL_BYTES));
        const fd = openSync(this.file, "r");
        try {
          readSync(fd, tail, 0, tail.length, size - tail.length);
        } finally {
          closeSync(fd);
        }
        // The first line may be cut off; a torn one fails to parse and is skipped.
        for (const entry of parseLines(tail.toString("utf8"))) highest = Math.max(highest, entry.s);
      }
    } catch (err) {
      process.stderr.write(`[parallab] cannot read history from ${this.file}: ${(err as Error).message}\n`);
    }
    this.sessionNumber = highest + 1;
  }

  private load(): void {
    if (this.entries) return;
    this.entries = [];
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      if (existsSync(this.file)) {
        this.entries = parseLines(readFileSync(this.file, "utf8"));
      }
      if (this.entries.length > MAX_ENTRIES) {
        this.entries = this.entries.slice(-MAX_ENTRIES);
        writeFileSync(this.file, `${this.entries.map((e) => JSON.stringify(e)).join("\n")}\n`);
      }
    } catch (err) {
      process.stderr.write(`[parallab] cannot read history from ${this.file}: ${(err as Error).message}\n`);
    }
    this.sessionNumber ||= this.entries.reduce((max, e) => Math.max(max, e.s), 0) + 1;
  }
}

/** The entries in `text`, one JSON object per line; a torn line (a crash, a cut tail) is skipped. */
function parseLines(text: string): Entry[] {
  const entries: Entry[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    try {
      entries.push(JSON.parse(line) as Entry);
    } catch {
      // skipped
    }
  }
  return entries;
}

const toHistoryLine = (e: Entry): HistoryLine => ({ session: e.s, line: e.n, input: e.i, ...(e.o !== undefined ? { output: e.o } : {}) });

/** Entries whose input matches the glob, the latest of equal inputs when unique; the last `n` of them. */
function matching(entries: Entry[], pattern: string, n: number | undefined, unique: boolean): Entry[] {
  const re = globToRegExp(pattern);
  let matches = entries.filter((e) => re.test(e.i));
  if (unique) {
    const seen = new Set<string>();
    matches = matches
      .reverse()
      .filter((e) => {
        if (seen.has(e.i)) return false;
        seen.add(e.i);
        return true;
      })
      .reverse();
  }
  return n ? matches.slice(-n) : matches;
}

/** fnmatch-style glob (`*`, `?`) as IPython's history search uses, matched against the whole input. */
function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[\\s\\S]*")
    .replace(/\?/g, "[\\s\\S]");
  return new RegExp(`^${body}$`);
}
