// Package names from what a cell writes: an import's specifier, or a spec given to %npm install.
import { isBuiltin } from "node:module";

/** The package a bare specifier names ("@scope/pkg/sub" → "@scope/pkg"), or null for paths, URLs and Node's modules. */
export function packageNameOf(specifier: string): string | null {
  if (/^[./#]|^[a-zA-Z][a-zA-Z+.-]*:/.test(specifier) || isBuiltin(specifier)) return null;
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
  return /^(@[\w.-]+\/)?[\w.-]+$/.test(name) ? name : null;
}

/** The package an install spec names ("camelcase@6", "@scope/pkg@^1"), or null (a folder, a tarball, a URL). */
export function packageNameOfSpec(spec: string): string | null {
  const name = /^(@[^/@]+\/[^/@]+|[^/@]+)(@.*)?$/.exec(spec)?.[1];
  return name ? packageNameOf(name) : null;
}
