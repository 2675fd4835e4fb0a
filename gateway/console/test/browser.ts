import AxeBuilder from '@axe-core/playwright';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

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
export const describeInBrowser = browserTestsRun ? describe : describe.skip;

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('no Chromium found: install Debian\'s `chromium` or set CHROMIUM_PATH');
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}
/** axe's serious and critical findings on what the page shows now (an open dialog included). */
export async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** Where screenshots of the main pages go (docs/, shown in the README). */
export const SCREENSHOTS = join(__dirname, '..', '..', '..', 'docs', 'console');
