/** The notebook's variables (tslab's exports object), set by the running kernel. */
let scope: Record<string, unknown> = {};

export function setNotebookScope(locals: Record<string, unknown>): void {
  scope = locals;
}

export function isNotebookName(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(scope, name);
}
