// Debian's Chromium, headless, driven by playwright-core (which never downloads a browser here;
// it gives each launch a fresh profile of its own).
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
/** Screenshots land here (git-ignored), as test artifacts. */
export const ARTIFACTS = path.resolve("test-results");

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
