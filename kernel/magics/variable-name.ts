// A notebook variable named by a magic's argument (`%%capture out`): it becomes a declaration,
// so it must be a name TypeScript accepts there.

const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for function if " +
    "import in instanceof new null return super switch this throw true try typeof var void while with yield let static " +
    "implements interface package private protected public await arguments eval undefined"
  ).split(" "),
);

export function checkVariableName(name: string, magic: string, usageError: (message: string) => Error): void {
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw usageError(`${magic}: ${JSON.stringify(name)} is not a variable name: use letters, digits, _ and $, not starting with a digit.`);
  if (RESERVED.has(name)) throw usageError(`${magic}: ${JSON.stringify(name)} is a reserved word in TypeScript: choose another variable name.`);
}
