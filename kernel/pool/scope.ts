/** The notebook's variables (tslab's exports object), set by the running kernel. */
let scope: Record<string, unknown> = {};

export function setNotebookScope(locals: Record<string, unknown>): void {
  scope = locals;
}

export function isNotebookName(name: string): boolean {
  return Object.hasOwn(scope, name);
}

/** The notebook's variables as they are now (the live object: later cells add to it). */
export function notebookScope(): Record<string, unknown> {
  return scope;
}

export function notebookValue(name: string): unknown {
  return isNotebookName(name) ? scope[name] : undefined;
}

export interface SourceOrigin {
  filename: string;
  line: number;
  column: number;
}

let locate: (source: string) => SourceOrigin | null = () => null;

/** The kernel tells where a function's source came from (the cell script that defined it). */
export function setSourceLocator(locator: (source: string) => SourceOrigin | null): void {
  locate = locator;
}

export function originOf(source: string): SourceOrigin | null {
  return locate(source);
}
