import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { PROTOCOL_VERSION } from "./protocol/messages.js";
import { PACKAGE_VERSION } from "../common/paths.js";

const require = createRequire(import.meta.url);

function versionOf(packageJson: string): string {
  return (JSON.parse(readFileSync(packageJson, "utf8")) as { version: string }).version;
}

/** Versions read from package files, so the kernel reports what really runs. */
export function kernelVersions(): { parallab: string; typescript: string; node: string } {
  const tslabDir = path.dirname(require.resolve("tslab/package.json"));
  const tsPackage = require.resolve("@tslab/typescript-for-tslab/package.json", { paths: [tslabDir] });
  return {
    parallab: PACKAGE_VERSION,
    typescript: versionOf(tsPackage),
    node: process.versions.node,
  };
}

export function kernelInfoReply(): Record<string, unknown> {
  const v = kernelVersions();
  return {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: "parallab",
    implementation_version: v.parallab,
    language_info: {
      name: "typescript",
      version: v.typescript,
      mimetype: "text/typescript",
      file_extension: ".ts",
      codemirror_mode: { name: "javascript", typescript: true },
      pygments_lexer: "typescript",
    },
    banner: `Parallab ${v.parallab}: TypeScript ${v.typescript} on Node.js ${v.node}. %lsmagic lists the magics.`,
    help_links: [
      { text: "TypeScript handbook", url: "https://www.typescriptlang.org/docs/handbook/intro.html" },
      { text: "Node.js API", url: "https://nodejs.org/docs/latest-v20.x/api/" },
    ],
  };
}
