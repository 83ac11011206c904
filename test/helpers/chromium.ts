// Debian's Chromium, headless, driven by playwright-core (which never downloads a browser here).
import { mkdirSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
/** Screenshots land here (git-ignored), as test artifacts. */
export const ARTIFACTS = path.resolve("test-results");

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const profile = mkdtempSync(path.join(os.tmpdir(), "parallab-chromium-"));
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`].filter((a) => !a.startsWith("--user-data-dir")),
    headless: true,
  });
}
