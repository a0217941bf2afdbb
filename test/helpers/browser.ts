import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Debian's Chromium, which CI installs with `apt-get install chromium`. */
export const CHROMIUM = "/usr/bin/chromium";

/**
 * Starts headless Chromium with the flags this machine needs: no sandbox as
 * root, and no background connections, which the closed network refuses.
 * @throws Error saying how to install Chromium when it is missing.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}; browser tests need it. Install it with \`apt-get install chromium\`.`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}
