// Cells run against the plain target of tslab's exports Proxy (kernel/patches/compiler.ts says
// why): the Proxy's one trap, defineProperty, is asked for by name in the compiled code instead.

/** The global that stands in for `Object.defineProperty` on `exports` (same length: columns keep). */
export const DEFINE_EXPORT = "__parallab_defineProp";
const CALL = /\bObject\.defineProperty\(exports,/g;

export function rewriteDefineExports(output: string): string {
  return output.replace(CALL, `${DEFINE_EXPORT}(exports,`);
}
