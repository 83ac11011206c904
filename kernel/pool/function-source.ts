// The source text of a function a parallel call sends to worker threads, where it is compiled
// again: only functions written in the cell (arrows, function expressions) survive that.

export function functionSource(fn: unknown, what: string): string {
  if (typeof fn !== "function") throw new TypeError(`${what} must be a function written in the cell, e.g. (x) => x * x`);
  const source = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}$/.test(source)) throw new TypeError(`${what} is a native or bound function: write it as an arrow or function expression in the cell`);
  if (!/^(async\s+)?(function\b|\(|[A-Za-z_$][\w$]*\s*=>)/.test(source))
    throw new TypeError(`${what} must be an arrow function or a function expression (methods and classes cannot be sent to workers)`);
  return source;
}
