import type { Magic } from "./contract.js";

const DESCRIPTION = `Gets, sets or lists the kernel's environment variables (IPython's %env).
  %env              the environment as an object (the line's value); names with key, token or
                    secret in them show <hidden>
  %env NAME         the value of NAME (the line's value)
  %env NAME=VALUE   sets NAME (also %env NAME VALUE) and prints env: NAME=VALUE. Worker threads
                    (parallel.map, %%workers) and MPI ranks started afterwards see it.
{expr} and $name in the line take their value from the notebook's variables.`;

/** Hidden when the whole environment is shown, as IPython hides likely secrets. */
const SECRET = /key|token|secret/i;

function environment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = SECRET.test(key) ? "<hidden>" : value;
  return env;
}

export const envMagic: Magic = {
  name: "env",
  description: DESCRIPTION,
  line: {
    args: "[NAME[=VALUE]]",
    run({ args, usageError }) {
      const text = args.join(" ").trim();
      if (!text) return environment();
      // IPython's rule: split at the first `=` when there is one, else at the first space.
      const at = text.includes("=") ? text.indexOf("=") : text.indexOf(" ");
      if (at < 0) {
        if (!Object.hasOwn(process.env, text)) throw usageError(`Environment does not have key: ${text}`);
        return process.env[text];
      }
      const name = text.slice(0, at).trim();
      const value = text.slice(at + 1).trim();
      if (!name) throw usageError(`%env: no variable name before the = in ${JSON.stringify(text)}: write %env NAME=VALUE.`);
      if (/\s/.test(name)) throw usageError(`%env: refusing to set a variable whose name has whitespace (${JSON.stringify(name)}): write %env NAME=VALUE with one name.`);
      if (name.includes("\0") || value.includes("\0")) throw usageError("%env: a name or value cannot hold a NUL character.");
      process.env[name] = value;
      process.stdout.write(`env: ${name}=${value}\n`);
      return undefined;
    },
  },
};
