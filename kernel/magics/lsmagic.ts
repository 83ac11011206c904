import type { Magic } from "./contract.js";
import type { MagicRegistry } from "./registry.js";

export function lsmagicMagic(registry: MagicRegistry): Magic {
  return {
    name: "lsmagic",
    description: "Lists the line magics and cell magics this kernel has.",
    line: {
      run() {
        const line = registry
          .lineMagics()
          .map((n) => `%${n}`)
          .join("  ");
        const cell = registry
          .cellMagics()
          .map((n) => `%%${n}`)
          .join("  ");
        process.stdout.write(`Available line magics:\n${line}\n\nAvailable cell magics:\n${cell}\n\nAutomagic is OFF, % prefix IS needed for line magics.\n`);
      },
    },
  };
}

export function magicMagic(registry: MagicRegistry): Magic {
  return {
    name: "magic",
    description: "Prints the help of every magic. `%NAME?` shows the help of one.",
    line: {
      run() {
        const names = [...new Set([...registry.lineMagics(), ...registry.cellMagics()])].sort();
        const sections = names.map((n) => `${"=".repeat(n.length + 1)}\n%${n}\n${"=".repeat(n.length + 1)}\n${registry.usage(registry.get(n)!)}\n`);
        process.stdout.write(
          `Parallab magics: IPython's syntax for TypeScript cells.\n\n%name args   on its own line runs in place, in the cell's scope.\n%%name args  on the first line owns the cell's body.\n\n${sections.join("\n")}`,
        );
      },
    },
  };
}
