/**
 * music-metadata (the recording service) exports only import / module-sync conditions.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { eventually } from '@autocall/testing';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { call, rosterXlsx } from '../../../test/e2e/platform';
import { describeInBrowser, SCREENSHOTS, seriousViolations, startRig, type Opened, type Rig } from './rig';

// The dialing policy's pages (Do-Not-Call List, Dialing Policy's calendar) and Webhooks, as an owner, an operator and a viewer use them.
jest.setTimeout(180_000);
let rig: Rig;
let files: string;
beforeAll(async () => {
  if (describeInBrowser !== describe) return;
  files = mkdtempSync(join(tmpdir(), 'console-policy-'));
  mkdirSync(SCREENSHOTS, { recursive: true });
  rig = await startRig();
});
afterAll(async () => rig?.close());

const get = (path: string) => call(rig.base, 'GET', path, { headers: rig.tenant.auth });
/** Waits until `check` holds (what the page shows settles after a request). */
const until = (check: () => Promise<boolean>) => eventually(check, 10_000, 100);
const dialog = (page: Page, title: string) => page.getByRole('dialog', { name: title });
/** The Dialing Policy page's sections (each has its own "Save"). */
const calendarRegion = (page: Page, t: Opened['t']) => page.getByRole('region', { name: t('calendar.title') });
const contactRegion = (page: Page, t: Opened['t']) => page.getByRole('region', { name: t('contactPolicy.title') });
/** The data rows of the table named `name` (its header row aside), as text. */
const dataRows = async (page: Page, name: string) => (await page.getByRole('grid', { name }).getByRole('row').allTextContents()).slice(1);
/** The drop-down labelled `label`: React Aria's Select is a button named by its value, then its label. */
const dropDown = (page: Page, label: string) => page.getByRole('button', { name: new RegExp(`${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) });
async function choose(page: Page, label: string, option: string) {
  await dropDown(page, label).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

describeInBrowser('Do-Not-Call List', () => {
  it('when an operator adds a number, imports a workbook, searches, filters and removes one, then the list and the API agree; a number that is not one is refused on its field', async () => {
    const operator = await rig.person('operator');
    const o: Opened = await rig.open({ as: operator, path: '/do-not-call' });
    const { page, t, problems } = o;
    await page.getByRole('heading', { level: 1, name: t('nav.dnc') }).waitFor();
    await page.getByText(t('dnc.empty')).waitFor();

    await page.getByRole('button', { name: t('common.add'), exact: true }).click();
    const add = dialog(page, t('dnc.add.title'));
    const phone = add.getByRole('textbox', { name: t('dnc.col.phone') });
    await phone.fill('not a number');
    await add.getByRole('button', { name: t('common.confirm') }).click();
    await until(async () => (await phone.getAttribute('aria-invalid')) === 'true');
    await add.getByText(t('dnc.error.invalidPhone')).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await phone.fill('087630021323');
    await add.getByRole('textbox', { name: t('dnc.col.reason') }).fill('Asked on the phone');
    await add.getByRole('button', { name: t('common.confirm') }).click();
    await add.waitFor({ state: 'detached' });
    await page.getByRole('row', { name: /\+6287630021323/ }).getByText('Asked on the phone').waitFor();
    expect((await get('/v1/dnc/+6287630021323')).body).toMatchObject({ phone: '+6287630021323', rawPhone: '087630021323', reason: 'Asked on the phone', source: 'api' });

    // an import: two new, one already listed, one that is no number
    const workbook = join(files, 'opt-outs.xlsx');
    writeFileSync(workbook, await rosterXlsx([
      { phone: '87630021324', name: 'A', orderId: '1' },
      { phone: '87630021325', name: 'B', orderId: '2' },
      { phone: '87630021323', name: 'C', orderId: '3' },
      { phone: 'hello', name: 'D', orderId: '4' },
    ]));
    await page.getByRole('button', { name: t('dnc.import'), exact: true }).click();
    const imp = dialog(page, t('dnc.import.title'));
    const chooser = page.waitForEvent('filechooser');
    await imp.getByRole('button', { name: t('library.file.select') }).click();
    await (await chooser).setFiles(workbook);
    await imp.getByText('opt-outs.xlsx').waitFor();
    await imp.getByRole('button', { name: t('common.confirm') }).click();
    const result = imp.getByRole('definition');
    await result.first().waitFor();
    expect(await result.allTextContents()).toEqual(['2', '1', '1']);
    await imp.getByRole('button', { name: t('common.close') }).click();
    await until(async () => (await dataRows(page, t('nav.dnc'))).length === 3);
    await page.screenshot({ path: join(SCREENSHOTS, 'do-not-call.png'), fullPage: true });

    // search by digits, then filter by source
    await page.getByRole('textbox', { name: t('dnc.search') }).fill('21324');
    await until(async () => {
      const rows = await dataRows(page, t('nav.dnc'));
      return rows.length === 1 && rows[0].includes('+6287630021324') && rows[0].includes(t('dnc.source.import'));
    });
    await page.getByRole('textbox', { name: t('dnc.search') }).fill('');
    await choose(page, t('dnc.filter.source'), t('dnc.source.import'));
    await until(async () => {
      const rows = await dataRows(page, t('nav.dnc'));
      return rows.length === 2 && rows.every((r) => r.includes(t('dnc.source.import')));
    });
    expect(page.url()).toContain('source=import');

    // remove, after the confirmation
    await page.getByRole('button', { name: t('dnc.remove.named', { phone: '+6287630021324' }) }).click();
    const confirm = dialog(page, t('dnc.remove.title'));
    await confirm.getByText(t('dnc.remove.question', { phone: '+6287630021324' })).waitFor();
    await confirm.getByRole('button', { name: t('common.confirm') }).click();
    await confirm.waitFor({ state: 'detached' });
    await until(async () => (await dataRows(page, t('nav.dnc'))).length === 1);
    expect((await get('/v1/dnc/+6287630021324')).status).toBe(404);
    expect((await get('/v1/dnc/+6287630021325')).status).toBe(200);
    expect(await seriousViolations(page)).toEqual([]);
    // the refused add was the API's 400, which the page showed on the field
    expect(problems).toEqual([]);
  });

  it('when a viewer opens the list, then it reads the numbers but is offered no Add, Import or Remove', async () => {
    await call(rig.base, 'POST', '/v1/dnc', { headers: rig.tenant.auth, json: { phone: '087630029999', reason: 'viewer test' } });
    const viewer = await rig.person('viewer');
    const { page, t, problems } = await rig.open({ as: viewer, path: '/do-not-call' });
    await page.getByRole('row', { name: /\+6287630029999/ }).waitFor();
    expect(await page.getByRole('button', { name: t('common.add'), exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: t('dnc.import'), exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: t('dnc.remove.named', { phone: '+6287630029999' }) }).count()).toBe(0);
    expect(problems).toEqual([]);
  });
});

describeInBrowser('Dialing Policy: the blackout calendar', () => {
  it('when the owner adds a date and a range, then impossible dates and a reversed range are said on their fields and nothing is saved; fixed, Save stores them and a removal is saved too', async () => {
    const { page, t, problems } = await rig.open({ path: '/dialing-policy' });
    await page.getByRole('heading', { level: 1, name: t('nav.dialingPolicy') }).waitFor();
    await page.getByRole('heading', { level: 2, name: t('contactPolicy.title') }).waitFor();
    await page.getByText(t('calendar.empty')).waitFor();

    await page.getByRole('button', { name: t('calendar.addDate') }).click();
    await page.getByRole('button', { name: t('calendar.addRange') }).click();
    const first = page.getByRole('group', { name: t('calendar.entry.date', { n: 1 }) });
    const second = page.getByRole('group', { name: t('calendar.entry.range', { n: 2 }) });
    await first.getByRole('textbox', { name: t('calendar.date') }).fill('2026-02-30');
    await first.getByRole('textbox', { name: t('calendar.name') }).fill('Not a day');
    await second.getByRole('textbox', { name: t('calendar.from') }).fill('2027-04-10');
    await second.getByRole('textbox', { name: t('calendar.to') }).fill('2027-04-01');
    await second.getByRole('textbox', { name: t('calendar.name') }).fill('Lebaran');
    await calendarRegion(page, t).getByRole('button', { name: t('calendar.save') }).click();
    await page.getByRole('alert').getByText(t('calendar.error.fix')).waitFor();
    expect(await first.getByRole('textbox', { name: t('calendar.date') }).getAttribute('aria-invalid')).toBe('true');
    await first.getByText(t('calendar.error.impossible')).waitFor();
    await second.getByText(t('calendar.error.reversed')).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    expect((await get('/v1/calendar')).body.blackouts).toEqual([]);

    await first.getByRole('textbox', { name: t('calendar.date') }).fill('2027-03-20');
    await first.getByRole('textbox', { name: t('calendar.name') }).fill('Nyepi');
    await second.getByRole('textbox', { name: t('calendar.to') }).fill('2027-04-12');
    await calendarRegion(page, t).getByRole('button', { name: t('calendar.save') }).click();
    await page.getByRole('status').getByText(t('calendar.saved')).waitFor();
    expect((await get('/v1/calendar')).body.blackouts).toEqual([{ date: '2027-03-20', name: 'Nyepi' }, { from: '2027-04-10', to: '2027-04-12', name: 'Lebaran' }]);
    await page.screenshot({ path: join(SCREENSHOTS, 'dialing-policy.png'), fullPage: true });

    // what was saved is what the page shows after a reload; a removal is saved too
    await page.reload();
    await page.getByRole('group', { name: t('calendar.entry.range', { n: 2 }) }).waitFor();
    expect(await page.getByRole('group', { name: t('calendar.entry.date', { n: 1 }) }).getByRole('textbox', { name: t('calendar.date') }).inputValue()).toBe('2027-03-20');
    await page.getByRole('button', { name: t('calendar.remove.named', { n: 1 }) }).click();
    await calendarRegion(page, t).getByRole('button', { name: t('calendar.save') }).click();
    await page.getByRole('status').getByText(t('calendar.saved')).waitFor();
    expect((await get('/v1/calendar')).body.blackouts).toEqual([{ from: '2027-04-10', to: '2027-04-12', name: 'Lebaran' }]);
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('when the calendar holds 366 entries and one more is added, then the page says at most 366 and the API keeps the 366', async () => {
    const day = (i: number) => new Date(Date.UTC(2030, 0, 1 + i)).toISOString().slice(0, 10);
    const full = Array.from({ length: 366 }, (_, i) => ({ date: day(i), name: `Day ${i + 1}` }));
    expect((await call(rig.base, 'PUT', '/v1/calendar', { headers: rig.tenant.auth, json: { blackouts: full } })).status).toBe(200);
    const { page, t, problems } = await rig.open({ path: '/dialing-policy' });
    await page.getByRole('group', { name: t('calendar.entry.date', { n: 366 }) }).waitFor();
    await page.getByRole('button', { name: t('calendar.addDate') }).click();
    const extra = page.getByRole('group', { name: t('calendar.entry.date', { n: 367 }) });
    await extra.getByRole('textbox', { name: t('calendar.date') }).fill('2031-06-01');
    await extra.getByRole('textbox', { name: t('calendar.name') }).fill('One too many');
    await calendarRegion(page, t).getByRole('button', { name: t('calendar.save') }).click();
    await page.getByRole('alert').getByText(t('calendar.error.tooMany', { max: 366, count: 367 })).waitFor();
    expect((await get('/v1/calendar')).body.blackouts).toHaveLength(366);
    expect(problems).toEqual([]);
  });

  it('when an operator opens the Dialing Policy by its address, then it reads the calendar but may not change it, and the menu does not offer the page', async () => {
    expect((await call(rig.base, 'PUT', '/v1/calendar', { headers: rig.tenant.auth, json: { blackouts: [{ date: '2027-03-20', name: 'Nyepi' }, { from: '2027-04-10', to: '2027-04-12', name: 'Lebaran' }] } })).status).toBe(200);
    const operator = await rig.person('operator');
    const { page, t, problems } = await rig.open({ as: operator, path: '/dialing-policy' });
    const list = page.getByRole('list', { name: t('calendar.title') });
    await list.getByRole('listitem').first().waitFor();
    expect(await list.getByRole('listitem').allTextContents()).toEqual([t('calendar.read.date', { date: '2027-03-20', name: 'Nyepi' }), t('calendar.read.range', { from: '2027-04-10', to: '2027-04-12', name: 'Lebaran' })]);
    expect(await calendarRegion(page, t).getByRole('button', { name: t('calendar.save') }).count()).toBe(0);
    expect(problems).toEqual([]);
    expect(await page.getByRole('navigation', { name: t('nav.label') }).getByRole('link', { name: t('nav.dialingPolicy') }).count()).toBe(0);
  });
});

describeInBrowser('Dialing Policy: the contact policy', () => {
  it('when the owner sets the caps, then a cap out of range is said on its field and nothing is saved; fixed, Save stores them, a reload shows them, and an emptied field is no cap', async () => {
    const { page, t, problems } = await rig.open({ path: '/dialing-policy' });
    const section = contactRegion(page, t);
    const calls = section.getByRole('textbox', { name: t('contactPolicy.calls') });
    const sms = section.getByRole('textbox', { name: t('contactPolicy.sms') });
    await calls.waitFor();
    expect([await calls.inputValue(), await sms.inputValue()]).toEqual(['', '']);

    await calls.fill('11');
    await sms.fill('2');
    await section.getByRole('button', { name: t('contactPolicy.save') }).click();
    await section.getByText(t('contactPolicy.error.range', { min: 1, max: 10 })).waitFor();
    expect(await calls.getAttribute('aria-invalid')).toBe('true');
    expect(await sms.getAttribute('aria-invalid')).not.toBe('true');
    expect(await seriousViolations(page)).toEqual([]);
    expect((await get('/v1/contact-policy')).body).toMatchObject({ maxCallsPerNumberPerDay: null, maxSmsPerNumberPerDay: null, updatedAt: null });

    await calls.fill('3');
    await section.getByRole('button', { name: t('contactPolicy.save') }).click();
    await section.getByRole('status').getByText(t('contactPolicy.saved')).waitFor();
    expect((await get('/v1/contact-policy')).body).toMatchObject({ maxCallsPerNumberPerDay: 3, maxSmsPerNumberPerDay: 2 });
    await page.screenshot({ path: join(SCREENSHOTS, 'contact-policy.png'), fullPage: true });

    await page.reload();
    await calls.waitFor();
    expect([await calls.inputValue(), await sms.inputValue()]).toEqual(['3', '2']);
    await sms.fill('');
    await section.getByRole('button', { name: t('contactPolicy.save') }).click();
    await section.getByRole('status').getByText(t('contactPolicy.saved')).waitFor();
    expect((await get('/v1/contact-policy')).body).toMatchObject({ maxCallsPerNumberPerDay: 3, maxSmsPerNumberPerDay: null });
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('when a viewer opens the Dialing Policy by its address, then it reads the caps in words but is offered no field or Save', async () => {
    expect((await call(rig.base, 'PUT', '/v1/contact-policy', { headers: rig.tenant.auth, json: { maxCallsPerNumberPerDay: 4, maxSmsPerNumberPerDay: null } })).status).toBe(200);
    const viewer = await rig.person('viewer');
    const { page, t, problems } = await rig.open({ as: viewer, path: '/dialing-policy' });
    const section = contactRegion(page, t);
    await section.getByText(t('contactPolicy.adminOnly')).waitFor();
    expect(await section.getByRole('term').allTextContents()).toEqual([t('contactPolicy.calls'), t('contactPolicy.sms')]);
    expect(await section.getByRole('definition').allTextContents()).toEqual(['4', t('contactPolicy.noCap')]);
    expect(await section.getByRole('textbox').count()).toBe(0);
    expect(await page.getByRole('button', { name: t('contactPolicy.save') }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });
});

/** A real webhook receiver on loopback (the rig's events service allows private addresses): it answers `status` and keeps what it got. */
interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
}
async function receiver(): Promise<{ url: string; status: number; got: Received[]; server: Server }> {
  const r = { url: '', status: 200, got: [] as Received[], server: undefined as unknown as Server };
  r.server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      r.got.push({ id: String(req.headers['webhook-id']), timestamp: String(req.headers['webhook-timestamp']), signature: String(req.headers['webhook-signature']), body });
      res.writeHead(r.status).end();
    });
  });
  await new Promise<void>((ok) => r.server.listen(0, '127.0.0.1', ok));
  r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}/hook`;
  return r;
}
/** Whether one of the delivery's signatures is the Standard Webhooks HMAC of it under `secret`. */
const signedWith = (d: Received, secret: string) => {
  const expected = createHmac('sha256', Buffer.from(secret.replace(/^whsec_/, ''), 'base64')).update(`${d.id}.${d.timestamp}.${d.body}`).digest('base64');
  return d.signature.split(' ').includes(`v1,${expected}`);
};

describeInBrowser('Webhooks', () => {
  it('when the owner adds a webhook, then its secret is shown once and signs what the receiver gets; a test that fails is listed with its code and attempts and Redeliver delivers it; edit, disable, rotate and delete change what the API holds', async () => {
    const hook = await receiver();
    try {
      const { page, t, problems } = await rig.open({ path: '/webhooks' });
      await page.getByRole('heading', { level: 1, name: t('nav.webhooks') }).waitFor();
      await page.getByText(t('webhooks.empty')).waitFor();

      await page.getByRole('button', { name: t('common.add'), exact: true }).click();
      const add = dialog(page, t('webhooks.add.title'));
      const url = add.getByRole('textbox', { name: t('webhooks.url') });
      await url.fill(hook.url.replace('http://', 'http://user:secret@'));
      await add.getByRole('textbox', { name: t('webhooks.description') }).fill('CRM');
      expect(await add.getByRole('checkbox', { name: /^number\.completed/ }).isChecked()).toBe(true);
      await add.getByRole('button', { name: t('common.confirm') }).click();
      await add.getByText(t('webhooks.error.urlForbidden')).waitFor();
      expect(await url.getAttribute('aria-invalid')).toBe('true');
      expect(await seriousViolations(page)).toEqual([]);
      await url.fill(hook.url);
      await add.getByRole('button', { name: t('common.confirm') }).click();
      const made = dialog(page, t('webhooks.made.title'));
      const secret = (await made.getByLabel(t('webhooks.secret'), { exact: true }).textContent()) ?? '';
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      await made.getByText(t('webhooks.secret.warning')).waitFor();
      await made.getByRole('button', { name: t('common.close') }).click();
      const row = page.getByRole('row', { name: new RegExp(hook.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) });
      await row.getByText(t('webhooks.state.enabled')).waitFor();
      const [stored] = (await get('/v1/webhooks?page=1&pageSize=20')).body.items;
      expect(stored).toMatchObject({ url: hook.url, events: ['call.completed', 'number.completed', 'task.status'], description: 'CRM', enabled: true });
      expect(JSON.stringify(stored)).not.toContain(secret);
      expect(await page.content()).not.toContain(secret);

      // a test the receiver refuses: failed after its retries, with the code; then Redeliver once it answers
      hook.status = 500;
      await row.getByRole('button', { name: t('webhooks.test') }).click();
      await page.getByRole('status').getByText(t('webhooks.test.sent', { url: hook.url })).waitFor();
      await row.getByRole('button', { name: t('webhooks.deliveries') }).click();
      const deliveries = dialog(page, t('webhooks.deliveries.title', { url: hook.url }));
      const delivery = deliveries.getByRole('row', { name: /webhook\.test/ });
      await delivery.getByText(t('webhooks.delivery.failed'), { exact: true }).waitFor({ timeout: 20_000 });
      expect(await delivery.getByRole('gridcell').allTextContents()).toEqual(expect.arrayContaining(['500', '4']));
      expect(await seriousViolations(page)).toEqual([]);
      hook.status = 204;
      await delivery.getByRole('button', { name: t('webhooks.redeliver') }).click();
      await delivery.getByText(t('webhooks.delivery.delivered'), { exact: true }).waitFor({ timeout: 20_000 });
      expect(await delivery.getByRole('gridcell').allTextContents()).toEqual(expect.arrayContaining(['204']));
      expect(hook.got.length).toBe(5);
      expect(new Set(hook.got.map((g) => g.id)).size).toBe(1);
      expect(JSON.parse(hook.got[4].body)).toMatchObject({ type: 'webhook.test', data: { webhookId: stored.id } });
      expect(hook.got.every((g) => signedWith(g, secret))).toBe(true);
      await deliveries.getByRole('button', { name: t('common.close') }).click();

      // edit: a description and one more event
      await row.getByRole('button', { name: t('common.edit') }).click();
      const edit = dialog(page, t('webhooks.edit.title'));
      expect(await edit.getByRole('textbox', { name: t('webhooks.description') }).inputValue()).toBe('CRM');
      await edit.getByRole('textbox', { name: t('webhooks.description') }).fill('CRM production');
      await edit.getByText('sms.status').click();
      await edit.getByRole('button', { name: t('common.confirm') }).click();
      await edit.waitFor({ state: 'detached' });
      await row.getByText('CRM production').waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, 'webhooks.png'), fullPage: true });
      expect((await get(`/v1/webhooks/${stored.id}`)).body).toMatchObject({ description: 'CRM production', events: ['call.completed', 'number.completed', 'task.status', 'sms.status'] });

      // disable, enable
      await row.getByRole('button', { name: t('webhooks.disable') }).click();
      await row.getByText(t('webhooks.state.disabled')).waitFor();
      expect((await get(`/v1/webhooks/${stored.id}`)).body.enabled).toBe(false);
      await row.getByRole('button', { name: t('webhooks.enable') }).click();
      await row.getByText(t('webhooks.state.enabled')).waitFor();
      expect((await get(`/v1/webhooks/${stored.id}`)).body.enabled).toBe(true);

      // rotate: a new secret, shown once; the next delivery is signed with both
      await row.getByRole('button', { name: t('webhooks.rotate') }).click();
      const rotate = dialog(page, t('webhooks.rotate.title'));
      await rotate.getByText(t('webhooks.rotate.question', { url: hook.url })).waitFor();
      await rotate.getByRole('button', { name: t('common.confirm') }).click();
      const fresh = (await rotate.getByLabel(t('webhooks.secret.new'), { exact: true }).textContent()) ?? '';
      expect(fresh).toMatch(/^whsec_/);
      expect(fresh).not.toBe(secret);
      await rotate.getByRole('button', { name: t('common.close') }).click();
      await row.getByRole('button', { name: t('webhooks.test') }).click();
      await until(async () => hook.got.length === 6);
      expect(signedWith(hook.got[5], fresh) && signedWith(hook.got[5], secret)).toBe(true);

      // delete, after the confirmation
      await row.getByRole('button', { name: t('common.delete') }).click();
      const del = dialog(page, t('webhooks.delete.title'));
      await del.getByRole('button', { name: t('common.confirm') }).click();
      await page.getByText(t('webhooks.empty')).waitFor();
      expect((await get(`/v1/webhooks/${stored.id}`)).status).toBe(404);
      // the refused add was the API's 422, which the page showed on the field
      expect(problems).toEqual([]);
    } finally {
      hook.server.close();
    }
  });

  it('when a viewer opens Webhooks, then it reads the endpoints and their deliveries but is offered no change', async () => {
    const made = await call(rig.base, 'POST', '/v1/webhooks', { headers: rig.tenant.auth, json: { url: 'http://127.0.0.1:9/viewer-hook', events: ['task.status'] } });
    expect(made.status).toBe(201);
    const viewer = await rig.person('viewer');
    const { page, t, problems } = await rig.open({ as: viewer, path: '/webhooks' });
    const row = page.getByRole('row', { name: /viewer-hook/ });
    await row.waitFor();
    for (const b of ['common.edit', 'webhooks.disable', 'webhooks.rotate', 'webhooks.test', 'common.delete'] as const) expect(await row.getByRole('button', { name: t(b) }).count()).toBe(0);
    expect(await page.getByRole('button', { name: t('common.add'), exact: true }).count()).toBe(0);
    await row.getByRole('button', { name: t('webhooks.deliveries') }).click();
    await dialog(page, t('webhooks.deliveries.title', { url: 'http://127.0.0.1:9/viewer-hook' })).getByText(t('webhooks.deliveries.empty')).waitFor();
    expect(problems).toEqual([]);
  });
});

describeInBrowser('the dialing policy and webhook pages in other languages', () => {
  it.each(['zh', 'id'] as const)('when the pages are opened in %s, then their headings, buttons and fields speak it', async (language) => {
    const { page, t, problems } = await rig.open({ path: '/do-not-call', language });
    await page.getByRole('heading', { level: 1, name: t('nav.dnc') }).waitFor();
    await page.getByRole('textbox', { name: t('dnc.search') }).waitFor();
    await page.getByRole('button', { name: t('dnc.import'), exact: true }).click();
    await dialog(page, t('dnc.import.title')).getByText(t('dnc.import.rule')).waitFor();
    await page.keyboard.press('Escape');
    const menu = page.getByRole('navigation', { name: t('nav.label') });
    await menu.getByRole('link', { name: t('nav.dialingPolicy') }).click();
    await page.getByRole('heading', { level: 2, name: t('calendar.title') }).waitFor();
    await page.getByRole('button', { name: t('calendar.addRange') }).click();
    // the calendar may hold the entries of the tests before: the new range is the last entry
    await page.locator('.policy-blackouts > li').last().getByRole('group').getByRole('textbox', { name: t('calendar.from') }).waitFor();
    await menu.getByRole('link', { name: t('nav.webhooks') }).click();
    await page.getByRole('heading', { level: 1, name: t('nav.webhooks') }).waitFor();
    await page.getByRole('button', { name: t('common.add'), exact: true }).click();
    const add = dialog(page, t('webhooks.add.title'));
    await add.getByRole('textbox', { name: t('webhooks.url') }).waitFor();
    await add.getByText(t('webhooks.event.task.status')).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
