import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium for the console's browser tests (Playwright's own browser download is not used):
 * `CHROMIUM_PATH`, else the usual places. `.ci/run` installs the `chromium` package.
 */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium', '/usr/bin/google-chrome', '/snap/bin/chromium'];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

/** Outside CI a machine without Chromium skips the browser tests (as the SIP suites skip without sipp); in CI it fails them. */
export const browserTestsRun = !!chromiumPath() || !!process.env.CI;

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('no Chromium found: install Debian\'s `chromium` or set CHROMIUM_PATH');
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}
