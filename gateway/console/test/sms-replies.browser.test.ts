/**
 * Two-way SMS in the console (issue 17): the SMS account's callback URL and opt-out keywords, the
 * SMS Replies list, delivery in SMS Messages.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { eventually } from '@autocall/testing';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { call } from '../../../test/e2e/platform';
import { translate, type MessageKey } from '../src/i18n/languages';
import { describeInBrowser, SCREENSHOTS, seriousViolations, startRig, type Rig } from './rig';

jest.setTimeout(180_000);
let rig: Rig;
beforeAll(async () => {
  if (describeInBrowser !== describe) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  rig = await startRig();
});
afterAll(async () => rig?.close());

const en = (key: MessageKey, values?: Record<string, string | number>) => translate('en', key, values);
const api = (method: string, path: string, json?: unknown) => call(rig.base, method, path, { headers: rig.tenant.auth, json });
const until = (check: () => Promise<boolean>) => eventually(check, 10_000, 100);

describeInBrowser('two-way SMS pages', () => {
  it('when the owner sets opt-out keywords on the SMS account page, then it shows the callback URL, the API keeps the keywords, and a reply with one of them shows in SMS Replies as an opt-out', async () => {
    expect((await api('PUT', '/v1/sms-account', { provider: 'simulated', senderId: '+6281100001111', status: 'active' })).status).toBe(200);
    const { page, problems } = await rig.open({ path: '/sms-account' });
    await page.getByRole('heading', { level: 1, name: en('nav.smsAccount') }).waitFor();
    const account = (await api('GET', '/v1/sms-account')).body as { callbackUrl: string };
    await page.getByText(account.callbackUrl, { exact: true }).waitFor();
    const keywords = page.getByRole('textbox', { name: en('smsAccount.optOutKeywords') });
    await until(async () => (await keywords.inputValue()) === 'STOP, BERHENTI, UNREG, UNSUBSCRIBE');
    await keywords.fill('STOP, KELUAR');
    await page.getByRole('button', { name: en('smsAccount.save') }).click();
    await page.getByRole('status').filter({ hasText: en('smsAccount.saved') }).waitFor();
    expect(((await api('GET', '/v1/sms-account')).body as { optOutKeywords: string[] }).optOutKeywords).toEqual(['STOP', 'KELUAR']);

    expect((await api('POST', '/v1/sms-account/simulate-inbound', { from: '081234567890', text: 'keluar.' })).status).toBe(200);
    expect((await api('POST', '/v1/sms-account/simulate-inbound', { from: '081234567891', text: 'halo' })).status).toBe(200);
    await page.getByRole('link', { name: en('nav.smsReplies') }).click();
    await page.getByRole('heading', { level: 1, name: en('nav.smsReplies') }).waitFor();
    const table = page.getByRole('grid', { name: en('smsReplies.table') });
    await until(async () => (await table.getByRole('row').count()) === 3);
    const rows = await table.getByRole('row').allTextContents();
    expect(rows[1]).toContain('+6281234567891');
    expect(rows[1]).toContain('halo');
    expect(rows[1]).toContain(en('smsReplies.action.none'));
    expect(rows[2]).toContain('+6281234567890');
    expect(rows[2]).toContain(en('smsReplies.action.optOut'));
    expect(rows[2]).toContain(en('smsReplies.noTask'));
    await page.screenshot({ path: join(SCREENSHOTS, 'sms-replies.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    // the number is on the Do-Not-Call list once the dialer answered
    await until(async () => (await api('GET', '/v1/dnc/+6281234567890')).status === 200);
    expect(((await api('GET', '/v1/dnc/+6281234567890')).body as { source: string }).source).toBe('sms-reply');
  });
});
