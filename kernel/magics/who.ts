// %who and %whos: the notebook's variables, in IPython's formats.
import type { KernelSession } from "../session.js";
import type { Magic } from "./contract.js";
import { summary, typeName } from "./variable-summary.js";

const TYPES = `With TYPE names (%who Float64Array Map), only variables of those types: a constructor's
name (Array, Map, Float64Array, Tensor, …), or number, string, boolean, bigint, symbol,
undefined, null, function, class.`;

/** The names %who lists, with their values: every user variable, or those of the types asked for. */
function listed(session: KernelSession, types: string[]): { name: string; value: unknown; type: string }[] {
  const locals = session.notebook.locals;
  const all = session.notebook.userNames().map((name) => ({ name, value: locals[name], type: typeName(locals[name]) }));
  return types.length ? all.filter((v) => types.includes(v.type)) : all;
}

const nothing = (types: string[]) => (types.length ? "No variables match your requested type.\n" : "Interactive namespace is empty.\n");

export const whoMagic: Magic = {
  name: "who",
  description: `Prints the notebook's variables (imports too; names starting with _ are left out).\n${TYPES}`,
  line: {
    args: "[TYPE...]",
    run({ session, args }) {
      const names = listed(session, args).map((v) => v.name);
      if (!names.length) {
        process.stdout.write(nothing(args));
        return;
      }
      // IPython's layout: each name followed by a tab and a space, a new line after every nine.
      let out = "";
      names.forEach((name, i) => {
        out += `${name}\t `;
        if (i % 9 === 8) out += "\n";
      });
      process.stdout.write(`${out}\n`);
    },
  },
};

export const whosMagic: Magic = {
  name: "whos",
  description: `Like %who, as a table: each variable's name, type and a short summary (a typed array's length,
dtype and bytes, and whether it is shared memory; a tensor's shape and dtype; an Array's
length; a Map's or Set's size; else its text).\n${TYPES}`,
  line: {
    args: "[TYPE...]",
    run({ session, args }) {
      const rows = listed(session, args);
      if (!rows.length) {
        process.stdout.write(nothing(args));
        return;
      }
      const colsep = 3;
      const varWidth = Math.max(...rows.map((r) => r.name.length), "Variable".length) + colsep;
      const typeWidth = Math.max(...rows.map((r) => r.type.length), "Type".length) + colsep;
      const lines = [`${"Variable".padEnd(varWidth)}${"Type".padEnd(typeWidth)} Data/Info`, "-".repeat(varWidth + typeWidth + "Data/Info".length + 1)];
      for (const r of rows) lines.push(`${r.name.padEnd(varWidth)}${r.type.padEnd(typeWidth)} ${summary(r.value)}`);
      process.stdout.write(`${lines.join("\n")}\n`);
    },
  },
};
