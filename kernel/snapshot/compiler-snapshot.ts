// What a kernel started from the compiler snapshot (./compiler-entry.cts) finds in its heap:
// tslab's TypeScript already evaluated, and the lib and @types/node declarations parsed and bound.
import { statSync } from "node:fs";
import type * as TS from "@tslab/typescript-for-tslab";

/** The global the snapshot's entry script sets; taken (and removed) once by the compiler. */
const GLOBAL = "__parallab_compiler_snapshot__";

interface SnapshotGlobal {
  ts: typeof TS;
  typescript: string;
  files: Map<string, TS.SourceFile>;
  key: string;
}

/** The snapshot's compiler, when this process was started from one built for `typescriptPath`. */
export function takeCompilerSnapshot(typescriptPath: string): CompilerSnapshot | null {
  const found = (globalThis as Record<string, unknown>)[GLOBAL] as SnapshotGlobal | undefined;
  delete (globalThis as Record<string, unknown>)[GLOBAL];
  if (!found || found.typescript !== typescriptPath) return null;
  return new CompilerSnapshot(found.ts, found.files, found.key);
}

export class CompilerSnapshot {
  /** The path each snapshot file was handed out under: one SourceFile can serve only one path. */
  private readonly handedOut = new Map<TS.SourceFile, string>();

  constructor(
    readonly ts: typeof TS,
    private readonly files: Map<string, TS.SourceFile>,
    readonly key: string,
  ) {}

  /**
   * The parsed and bound file for `fileName` when the snapshot has one with the same text and
   * parse settings; undefined otherwise (the compiler parses it as usual).
   */
  sourceFile(fileName: string, settings: TS.ScriptTarget | TS.CreateSourceFileOptions, currentText: () => string | undefined): TS.SourceFile | undefined {
    const file = this.files.get(fileName);
    if (!file) return undefined;
    const target = typeof settings === "number" ? settings : settings.languageVersion;
    const format = typeof settings === "number" ? undefined : settings.impliedNodeFormat;
    const owner = this.handedOut.get(file);
    // Checked once: every program a cell builds asks again for every file.
    if (owner === fileName) return file;
    if (file.languageVersion !== target || file.impliedNodeFormat !== format || owner !== undefined || currentText() !== file.text) {
      return undefined;
    }
    this.handedOut.set(file, fileName);
    return file;
  }
}

/** Size and mtime of a file, for the snapshot's key: a changed TypeScript or Node makes a new blob. */
export function fileStamp(file: string): string {
  const s = statSync(file);
  return `${s.size}:${Math.trunc(s.mtimeMs)}`;
}
