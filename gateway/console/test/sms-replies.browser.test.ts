/**
 * Two-way SMS in the console (issue 17): the SMS account's callback URL and opt-out keywords, the
 * SMS Replies list, delivery in SMS Messages.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { eventually } from '@autocall/testing';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { call, OPEN_DIALING, uploadRecording, uploadRoster } from '../../../test/e2e/platform';
import { translate, type MessageKey } from '../src/i18n/languages';
import { describeInBrowser, SCREENSHOTS, seriousViolations, startRig, type Rig } from './rig';

jest.setTimeout(180_000);
let rig: Rig;
beforeAll(async () => {
  if (describeInBrowser !== describe) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  // the simulated provider's receipts come 300 ms after each send, so the task page can show them delivered
  rig = await startRig({ env: { SMS_SIM_DLR_MS: '300' } });
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

  it('when a number answers the missed-call SMS with "1", then the task page shows the reply tagged "interested", its call the tag and the SMS delivered, and SMS Messages shows the SMS sent and its reply', async () => {
    expect((await api('PUT', '/v1/sms-account', { provider: 'simulated', senderId: '+6281100001111', status: 'active' })).status).toBe(200);
    const recording = await uploadRecording(rig.base, rig.tenant.auth);
    const roster = await uploadRoster(rig.base, rig.tenant.auth, [{ phone: '81234567805', name: 'Sari', orderId: 'ORD-9' }], 'Replies roster');
    const missed = await api('POST', '/v1/sms-templates', { name: 'Missed', content: '[XX Company] You have a missed call. Reply with 1 for more information.' });
    const info = await api('POST', '/v1/sms-templates', { name: 'Info', content: 'Our January promotion: 20% off.' });
    const task = await api('POST', '/v1/tasks', {
      name: 'Missed call replies',
      recordingId: recording.body.id,
      rosterId: roster.body.id,
      start: { mode: 'immediate' },
      sms: { onUnanswered: { enabled: true, templateId: missed.body.id }, replyRules: [{ keywords: ['1'], action: 'tag', tag: 'interested', replyTemplateId: info.body.id }] },
      dialing: OPEN_DIALING,
    });
    expect(task.status).toBe(201);
    const taskId = task.body.id as string;
    const messages = async () => (await api('GET', `/v1/sms-messages?taskId=${taskId}&limit=10`)).body.items as { kind: string; status: string; text: string }[];
    await eventually(async () => (await messages()).some((m) => m.kind === 'unanswered' && ['sent', 'delivered'].includes(m.status)), 60_000, 200);
    expect((await api('POST', '/v1/sms-account/simulate-inbound', { from: '081234567805', text: '１' })).body).toMatchObject({ taskId, action: { type: 'tag', tag: 'interested' } });
    await eventually(async () => (await messages()).some((m) => m.kind === 'reply' && ['sent', 'delivered'].includes(m.status)), 20_000, 200);

    const { page, problems } = await rig.open({ path: `/scheduler/${taskId}` });
    const replies = page.getByRole('grid', { name: en('detail.replies.table', { name: 'Missed call replies' }) });
    // two rows, the second the reply (not the "Loading…" row of the empty table)
    await until(async () => (await replies.getByRole('row').allTextContents()).join('\n').includes('+6281234567805'));
    const row = (await replies.getByRole('row').allTextContents())[1];
    expect(row).toContain('+6281234567805');
    expect(row).toContain(en('smsReplies.action.tag', { tag: 'interested' }));
    // the number's call: its missed-call SMS delivered (the provider's receipt), and the reply rule's tag
    const calls = page.getByRole('grid', { name: en('detail.calls.table', { name: 'Missed call replies' }) });
    const callRow = calls.getByRole('row').filter({ has: page.getByRole('rowheader', { name: '+6281234567805' }) });
    const delivered = en('detail.smsOf', { kind: en('detail.smsKind.unanswered'), status: en('detail.smsStatus.delivered') });
    await eventually(async () => {
      const text = (await callRow.textContent()) ?? '';
      return text.includes(delivered) && text.includes('interested');
    }, 30_000, 200);
    const header = (await calls.getByRole('columnheader').allTextContents()).indexOf(en('detail.calls.col.tags'));
    expect(await callRow.getByRole('gridcell').nth(header - 1).textContent()).toBe('interested');
    await page.getByRole('link', { name: en('detail.replies.messages') }).click();
    const table = page.getByRole('grid', { name: en('smsMessages.table') });
    await until(async () => (await table.getByRole('row').count()) === 3);
    const rows = (await table.getByRole('row').allTextContents()).join('\n');
    expect(rows).toContain(en('smsMessages.kind.reply'));
    expect(rows).toContain('Our January promotion: 20% off.');
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
