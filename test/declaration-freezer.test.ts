// kernel/execute/declaration-freezer.ts with tslab's TypeScript and a converter that records the
// modules it is given (and refuses what the test says it should), without a kernel.
import { createRequire } from "node:module";
import { afterEach, describe, expect, it } from "vitest";
import type * as TS from "@tslab/typescript-for-tslab";
import type { Converter } from "tslab/dist/converter.js";
import { DeclarationFreezer } from "../kernel/execute/declaration-freezer.js";

const ts = createRequire(import.meta.url)("@tslab/typescript-for-tslab") as typeof TS;

/** Remembers each module's last content; reports an error at every occurrence of a refused name. */
class RecordingConverter {
  readonly modules = new Map<string, string>();
  readonly refused = new Set<string>();
  addModule(name: string, content: string) {
    this.modules.set(name, content);
    return [...this.refused].flatMap((bad) =>
      [...content.matchAll(new RegExp(`\\b${bad}\\b`, "g"))].map((m) => ({
        start: { offset: m.index!, line: 0, character: 0 },
        end: { offset: m.index! + bad.length, line: 0, character: 0 },
        messageText: `${bad} refused`,
        category: 1,
        code: 1,
      })),
    );
  }
}

// Names unique to this file: the freezer defines globals for what it freezes.
let serial = 0;
const made: string[] = [];
function names(count: number): string[] {
  const out = Array.from({ length: count }, () => `frozenTestVar${++serial}`);
  made.push(...out);
  return out;
}
afterEach(() => {
  for (const n of made.splice(0)) delete (globalThis as Record<string, unknown>)[n];
});

const decl = (n: string) => `declare const ${n}: number;`;

function freezer() {
  const converter = new RecordingConverter();
  const locals: Record<string, unknown> = {};
  return { converter, locals, f: new DeclarationFreezer(ts, converter as unknown as Converter, locals) };
}

describe("DeclarationFreezer", () => {
  it("leaves up to 64 declarations live and adds no module", () => {
    const { converter, f } = freezer();
    const prev = `${names(64).map(decl).join("\n")}\n`;
    expect(f.compact(prev)).toBe(prev);
    expect(converter.modules.size).toBe(0);
  });

  it("moves older declarations into an ambient module and keeps imports live", () => {
    const { converter, f } = freezer();
    const vars = names(70);
    const prev = `import { x } from "somewhere";\n${vars.map(decl).join("\n")}\n`;
    const next = f.compact(prev);
    expect(next).toBe(`import { x } from "somewhere";\n`);
    expect([...converter.modules.keys()]).toEqual(["__parallab_frozen_1__"]);
    const chunk = converter.modules.get("__parallab_frozen_1__")!;
    expect(chunk.startsWith("declare global {\n")).toBe(true);
    // Inside `declare global` the statements are ambient already: `declare` goes.
    expect(chunk).toContain(`\nconst ${vars[0]}: number;\n`);
    expect(chunk).not.toContain("declare const");
  });

  it("makes frozen names global accessors of the notebook's values", () => {
    const { locals, f } = freezer();
    const vars = names(65);
    f.compact(vars.map(decl).join("\n"));
    const g = globalThis as Record<string, unknown>;
    locals[vars[3]!] = 42;
    expect(g[vars[3]!]).toBe(42);
    g[vars[3]!] = 7;
    expect(locals[vars[3]!]).toBe(7);
  });

  it("keeps live what the compiler refuses, and names that shadow globals or start with __", () => {
    const { converter, f } = freezer();
    const vars = names(66);
    converter.refused.add(vars[5]!);
    const prev = [...vars.map(decl), "declare const process: number;", "declare const __inner: number;"].join("\n");
    const next = f.compact(prev);
    expect(next.split("\n").filter(Boolean)).toEqual([decl(vars[5]!), "declare const process: number;", "declare const __inner: number;"]);
    const chunk = converter.modules.get("__parallab_frozen_1__")!;
    expect(chunk).not.toContain(vars[5]);
    expect(chunk).toContain(vars[6]);
    expect(vars[5]! in globalThis).toBe(false);
    // Once refused, a name stays live in later cells.
    converter.refused.clear();
    const later = f.compact([decl(vars[5]!), ...names(70).map(decl)].join("\n"));
    expect(later).toContain(decl(vars[5]!));
  });

  it("takes a frozen name out of its old chunk when a later cell declares it again", () => {
    const { converter, f } = freezer();
    const vars = names(65);
    f.compact(vars.map(decl).join("\n"));
    expect(converter.modules.get("__parallab_frozen_1__")).toContain(`const ${vars[0]}: number;`);
    const more = names(64);
    f.compact([`declare const ${vars[0]}: string;`, ...more.map(decl)].join("\n"));
    expect(converter.modules.get("__parallab_frozen_1__")).not.toContain(`const ${vars[0]}:`);
    expect(converter.modules.get("__parallab_frozen_2__")).toContain(`const ${vars[0]}: string;`);
  });

  it("freezes functions, classes, interfaces and type aliases by name", () => {
    const { converter, f } = freezer();
    const vars = names(61);
    const [fn, cls, iface, alias] = names(4);
    const prev = [...vars.map(decl), `declare function ${fn}(): void;`, `declare class ${cls} {}`, `interface ${iface} { a: number }`, `type ${alias} = string;`].join("\n");
    expect(f.compact(prev).trim()).toBe("");
    const chunk = converter.modules.get("__parallab_frozen_1__")!;
    for (const line of [`function ${fn}(): void;`, `class ${cls} {}`, `interface ${iface} { a: number }`, `type ${alias} = string;`]) expect(chunk).toContain(line);
  });
});
