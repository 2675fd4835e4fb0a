import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CONSOLE_DIST } from '../../src/http/console.routes';
import { closeClient, deadUrl, startGateway, type Gateway } from '../../test/helpers';
import { en } from '../src/i18n/en';
import { languages, translate, type Language } from '../src/i18n/languages';
import { browserTestsRun, launchChromium } from './browser';

// The console in a real Chromium, served by a real gateway (the login page needs nothing else yet).
jest.setTimeout(120_000);
const describeInBrowser = browserTestsRun ? describe : describe.skip;

let gw: Gateway;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  if (!browserTestsRun) return;
  if (!existsSync(join(CONSOLE_DIST, 'index.html'))) throw new Error(`${CONSOLE_DIST} is missing: run \`pnpm build\` first (pnpm test does)`);
  const dead = await deadUrl();
  gw = await startGateway({ SMS_URL: dead, ROSTER_URL: dead, TASK_URL: dead, RECORDING_URL: dead, DIALER_URL: dead });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await closeClient();
});

/** Every page in a fresh context (nothing remembered), in New York: the console must not care. */
let problems: string[];
async function openConsole(path = '/console'): Promise<Page> {
  context = await browser.newContext({ timezoneId: 'America/New_York', locale: 'en-US' });
  const page = await context.newPage();
  problems = [];
  page.on('console', (m) => {
    // the answers of /v1/me and a failed login (401, or 404 while the gateway has no sessions) are expected
    if (m.type() === 'error' && !/status of 40[14]/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(gw.url + path);
  return page;
}
afterEach(async () => {
  await context?.close();
});

async function chooseLanguage(page: Page, from: Language, to: Language) {
  await page.getByRole('button', { name: new RegExp(translate(from, 'language.label')) }).click();
  await page.getByRole('option', { name: languages.find((l) => l.code === to)!.label }).click();
}

async function expectLoginPageIn(page: Page, language: Language) {
  const t = (k: keyof typeof en) => translate(language, k);
  await page.getByRole('heading', { level: 1, name: t('login.title') }).waitFor();
  expect(await page.locator('html').getAttribute('lang')).toBe(language);
  await page.getByRole('textbox', { name: t('login.email') }).waitFor();
  await page.getByLabel(t('login.password'), { exact: true }).waitFor();
  expect(await page.getByLabel(t('login.password'), { exact: true }).getAttribute('type')).toBe('password');
  await page.getByRole('button', { name: t('login.submit'), exact: true }).waitFor();
}

async function seriousViolations(page: Page) {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

describeInBrowser('the console login page in a browser', () => {
  it('when /console is opened without a session, then the login page is in English with the manual\'s words: "Email", "Password", "Log In"', async () => {
    const page = await openConsole();
    await expectLoginPageIn(page, 'en');
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it.each(['zh', 'id'] as const)('when %s is chosen on the login page, then every word is in it, it is remembered after a reload, and axe finds nothing serious', async (language) => {
    const page = await openConsole('/console/scheduler');
    await expectLoginPageIn(page, 'en');
    await chooseLanguage(page, 'en', language);
    await expectLoginPageIn(page, language);
    expect(await seriousViolations(page)).toEqual([]);
    await page.reload();
    await expectLoginPageIn(page, language);
    await chooseLanguage(page, language, 'en');
    await expectLoginPageIn(page, 'en');
    expect(problems).toEqual([]); // no CSP violation, no script error
  });

  it('when the login page is walked with Tab, then every control is reached in order and shows a visible focus ring', async () => {
    const page = await openConsole();
    await expectLoginPageIn(page, 'en');
    const reached: string[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const el = (globalThis as any).document.activeElement;
        const style = (globalThis as any).getComputedStyle(el);
        const label = el.labels?.[0]?.textContent ?? el.textContent ?? '';
        return { tag: el.tagName, label: label.trim(), outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
      });
      reached.push(`${focused.tag} ${focused.label}`);
      expect({ at: focused.label, visible: focused.outline !== 'none' && focused.width >= 2 }).toEqual({ at: focused.label, visible: true });
    }
    expect(reached).toEqual([expect.stringMatching(/^BUTTON English/), 'INPUT Email', 'INPUT Password', 'BUTTON Log In']);
  });

  it('when the login fails, then the page says so in words, in an alert', async () => {
    const page = await openConsole();
    await page.getByRole('textbox', { name: 'Email' }).fill('nobody@example.com');
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Log In', exact: true }).click();
    // 401 INVALID_CREDENTIALS once sessions exist (issue 13); until then the gateway has no /v1/auth/login (404)
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(new RegExp(`^(${en['login.failed.credentials']}|${en['login.failed.other'].replace('{detail}', '.+')})$`));
    expect(problems).toEqual([]);
  });
});
