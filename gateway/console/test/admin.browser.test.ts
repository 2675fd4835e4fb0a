/**
 * music-metadata (the recording service) exports only import / module-sync conditions.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { eventually } from '@autocall/testing';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { bearer, call, OPEN_DIALING, rosterRows, uploadRecording, uploadRoster } from '../../../test/e2e/platform';
import { translate, type Language, type MessageKey } from '../src/i18n/languages';
import { describeInBrowser, PASSWORD, SCREENSHOTS, seriousViolations, startRig, type Rig } from './rig';

// SMS Account, SMS Messages, Users, API Keys and Audit Log, as the owner, an admin and a viewer use them.
jest.setTimeout(180_000);
let rig: Rig;
beforeAll(async () => {
  if (describeInBrowser !== describe) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  // the HTTP provider's URL in the SMS account test is a loopback address (nothing is sent to it)
  rig = await startRig({ env: { SMS_PROVIDER_ALLOW_PRIVATE: 'true' } });
});
afterAll(async () => rig?.close());

const en = (key: MessageKey, values?: Record<string, string | number>) => translate('en', key, values);
const get = (path: string) => call(rig.base, 'GET', path, { headers: rig.tenant.auth });

/** The drop-down labelled `label`: React Aria's Select is a button named by its value, then its label. */
const dropDown = (scope: Page | Locator, label: string) => scope.getByRole('button', { name: new RegExp(`${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) });

/** Picks `option` in the drop-down labelled `label` (then a listbox). */
async function choose(scope: Page | Locator, page: Page, label: string, option: string) {
  await dropDown(scope, label).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

async function optionsOf(scope: Locator, page: Page, label: string): Promise<string[]> {
  await dropDown(scope, label).click();
  const list = page.getByRole('listbox');
  await list.waitFor();
  const options = await list.getByRole('option').allTextContents();
  await page.keyboard.press('Escape');
  return options;
}

/** Waits until `check` holds (what the page shows settles after a request). */
const until = (check: () => Promise<boolean>) => eventually(check, 10_000, 100);
/** Whether a table's rows, its header row aside, are exactly one, holding `text`. */
const onlyRows = (rows: string[], text: string) => rows.length === 2 && rows[1].includes(text);

const rowOf = (page: Page, text: string) => page.getByRole('row').filter({ hasText: text });

describeInBrowser('the administration pages', () => {
  it('when the owner sets up an HTTP SMS account with a password, then the page says the password is "set" and never shows it, a bad URL gets the API\'s error on its field, and saving again keeps the password', async () => {
    const { page, problems } = await rig.open({ path: '/sms-account' });
    await page.getByRole('heading', { level: 1, name: en('nav.smsAccount') }).waitFor();
    const facts = page.getByRole('definition');
    await expect(facts.nth(1).textContent()).resolves.toBe(en('smsAccount.secret.notSet'));

    await choose(page, page, en('smsAccount.provider'), en('smsAccount.provider.http'));
    await page.getByRole('textbox', { name: en('smsAccount.senderId') }).fill('AUTOCALL');
    await choose(page, page, en('smsAccount.status'), en('smsAccount.status.active'));
    const url = page.getByRole('textbox', { name: en('smsAccount.url') });
    await url.fill('not a url');
    await page.getByRole('button', { name: en('smsAccount.save') }).click();
    await until(async () => (await url.getAttribute('aria-invalid')) === 'true');
    expect(await page.locator('.field-error').first().textContent()).toMatch(/uri/);

    const secret = 'hunter2-very-secret-value';
    await url.fill('http://127.0.0.1:9/sms');
    await page.getByRole('textbox', { name: en('smsAccount.username') }).fill('acme');
    await page.getByLabel(en('smsAccount.password'), { exact: true }).fill(secret);
    await page.getByRole('button', { name: en('smsAccount.save') }).click();
    await page.getByRole('status').filter({ hasText: en('smsAccount.saved') }).waitFor();
    await expect(facts.nth(1).textContent()).resolves.toBe(en('smsAccount.secret.set'));
    await expect(facts.nth(2).textContent()).resolves.toBe(en('smsAccount.secret.notSet'));
    expect(await page.getByLabel(en('smsAccount.password'), { exact: true }).inputValue()).toBe('');
    await page.getByText(en('smsAccount.secret.keep')).first().waitFor();
    expect(await page.content()).not.toContain(secret);
    const stored = await get('/v1/sms-account');
    expect(stored.body).toMatchObject({ provider: 'http', senderId: 'AUTOCALL', status: 'active', settings: { url: 'http://127.0.0.1:9/sms', username: 'acme', passwordSet: true, apiKeySet: false } });
    expect(stored.text).not.toContain(secret);

    // the secret left empty: the API keeps the stored one
    await page.getByRole('textbox', { name: en('smsAccount.senderId') }).fill('ACME');
    await page.getByRole('button', { name: en('smsAccount.save') }).click();
    await until(async () => (await get('/v1/sms-account')).body.senderId === 'ACME');
    expect((await get('/v1/sms-account')).body.settings.passwordSet).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'sms-account.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('when the owner adds a user, sets their password, changes their role, disables and deletes them, then the API holds each change; a taken email and the last owner are refused in words', async () => {
    const { page, problems } = await rig.open({ path: '/users' });
    await page.getByRole('heading', { level: 1, name: en('nav.users') }).waitFor();
    await rowOf(page, rig.tenant.owner.email).waitFor();

    const email = `nadia-${Date.now()}@example.com`;
    await page.getByRole('button', { name: en('common.add'), exact: true }).click();
    let dialog = page.getByRole('dialog', { name: en('users.add.title') });
    await dialog.getByText(en('users.password.rule')).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('textbox', { name: en('users.email') }).fill(email);
    await dialog.getByRole('textbox', { name: en('users.name') }).fill('Nadia Operator');
    await choose(dialog, page, en('users.role'), en('admin.role.operator'));
    const password = dialog.getByLabel(en('users.password'), { exact: true });
    await password.fill('too short');
    await dialog.getByRole('button', { name: en('common.confirm') }).click();
    await until(async () => (await password.getAttribute('aria-invalid')) === 'true');
    await password.fill(PASSWORD);
    await dialog.getByRole('button', { name: en('common.confirm') }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = rowOf(page, email);
    await row.getByText(en('admin.role.operator'), { exact: true }).waitFor();
    const made = (await get('/v1/users?page=1&pageSize=200')).body.items.find((u: { email: string }) => u.email === email);
    expect(made).toMatchObject({ name: 'Nadia Operator', role: 'operator', disabled: false });

    // the same email again: refused on the Email field, in words
    await page.getByRole('button', { name: en('common.add'), exact: true }).click();
    dialog = page.getByRole('dialog', { name: en('users.add.title') });
    await dialog.getByRole('textbox', { name: en('users.email') }).fill(email);
    await dialog.getByRole('textbox', { name: en('users.name') }).fill('Twin');
    await dialog.getByLabel(en('users.password'), { exact: true }).fill(PASSWORD);
    await dialog.getByRole('button', { name: en('common.confirm') }).click();
    await dialog.getByText(en('users.error.emailTaken')).waitFor();
    expect(await dialog.getByRole('textbox', { name: en('users.email') }).getAttribute('aria-invalid')).toBe('true');
    await dialog.getByRole('button', { name: en('common.cancel') }).click();

    // a new password: the user logs in with it
    await row.getByRole('button', { name: en('users.setPassword') }).click();
    dialog = page.getByRole('dialog', { name: en('users.password.title', { email }) });
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByLabel(en('users.newPassword'), { exact: true }).fill('a brand new long secret');
    await dialog.getByRole('button', { name: en('common.confirm') }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await call(rig.base, 'POST', '/v1/auth/login', { json: { email, password: 'a brand new long secret' } })).status).toBe(200);

    // role and disabled
    await row.getByRole('button', { name: en('common.edit') }).click();
    dialog = page.getByRole('dialog', { name: en('users.edit.title', { email }) });
    expect(await seriousViolations(page)).toEqual([]);
    await choose(dialog, page, en('users.role'), en('admin.role.admin'));
    await dialog.locator('label').filter({ hasText: en('users.disabled') }).click(); // the box drawn beside its words; the input itself is visually hidden
    expect(await dialog.getByRole('checkbox', { name: en('users.disabled') }).isChecked()).toBe(true);
    await dialog.getByRole('button', { name: en('common.confirm') }).click();
    await dialog.waitFor({ state: 'detached' });
    await row.getByText(en('admin.role.admin'), { exact: true }).waitFor();
    await row.getByRole('gridcell', { name: en('admin.yes'), exact: true }).waitFor();
    expect((await get(`/v1/users/${made.id}`)).body).toMatchObject({ role: 'admin', disabled: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'users.png'), fullPage: true });

    // the owner demoting themselves, the last owner: refused in words
    const own = rowOf(page, rig.tenant.owner.email);
    await own.getByRole('button', { name: en('common.edit') }).click();
    dialog = page.getByRole('dialog', { name: en('users.edit.title', { email: rig.tenant.owner.email }) });
    await choose(dialog, page, en('users.role'), en('admin.role.admin'));
    await dialog.getByRole('button', { name: en('common.confirm') }).click();
    await dialog.getByRole('alert').filter({ hasText: en('users.error.lastOwner') }).waitFor();
    await dialog.getByRole('button', { name: en('common.cancel') }).click();

    await row.getByRole('button', { name: en('common.delete') }).click();
    dialog = page.getByRole('dialog', { name: en('users.delete.title') });
    await dialog.getByText(en('common.confirmDelete', { name: email })).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: en('common.confirm') }).click();
    await dialog.waitFor({ state: 'detached' });
    await row.waitFor({ state: 'detached' });
    expect((await get(`/v1/users/${made.id}`)).status).toBe(404);
    expect(problems).toEqual([]);
  });

  it('when an admin adds a user or an API key, then "Owner" is not among the roles offered, and the owner\'s row has no actions', async () => {
    const admin = await rig.person('admin');
    const { page } = await rig.open({ as: admin, path: '/users' });
    await rowOf(page, rig.tenant.owner.email).waitFor();
    expect(await rowOf(page, rig.tenant.owner.email).getByRole('button').count()).toBe(0);
    await page.getByRole('button', { name: en('common.add'), exact: true }).click();
    const dialog = page.getByRole('dialog', { name: en('users.add.title') });
    expect(await optionsOf(dialog, page, en('users.role'))).toEqual([en('admin.role.viewer'), en('admin.role.operator'), en('admin.role.admin')]);
    await dialog.getByRole('button', { name: en('common.cancel') }).click();

    await page.getByRole('navigation', { name: en('nav.label') }).getByRole('link', { name: en('nav.apiKeys') }).click();
    await page.getByRole('button', { name: en('common.add'), exact: true }).click();
    const keyDialog = page.getByRole('dialog', { name: en('apiKeys.add.title') });
    expect(await optionsOf(keyDialog, page, en('apiKeys.role'))).toEqual([en('admin.role.viewer'), en('admin.role.operator'), en('admin.role.admin')]);
  });

  it('when the owner creates an API key, then it is shown once with "Copy" (which puts it on the clipboard) and a warning, it works, and after "Revoke" it no longer does', async () => {
    const { page, context, problems } = await rig.open({ path: '/api-keys' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: rig.base });
    await page.getByRole('heading', { level: 1, name: en('nav.apiKeys') }).waitFor();
    await page.getByRole('button', { name: en('common.add'), exact: true }).click();
    let dialog = page.getByRole('dialog', { name: en('apiKeys.add.title') });
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('textbox', { name: en('apiKeys.name') }).fill('Reporting script');
    await choose(dialog, page, en('apiKeys.role'), en('admin.role.viewer'));
    await dialog.getByRole('button', { name: en('common.confirm') }).click();

    dialog = page.getByRole('dialog', { name: en('apiKeys.made.title', { name: 'Reporting script' }) });
    await dialog.getByText(en('apiKeys.made.warning')).waitFor();
    const key = (await dialog.getByLabel(en('apiKeys.made.key')).textContent())!.trim();
    expect(key.length).toBeGreaterThan(20);
    expect((await call(rig.base, 'GET', '/v1/tasks?page=1&pageSize=1', { headers: bearer(key) })).status).toBe(200);
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: en('apiKeys.copy') }).click();
    await dialog.getByRole('status').filter({ hasText: en('apiKeys.copied') }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(key);
    await dialog.getByRole('button', { name: en('common.close') }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(key);

    const row = rowOf(page, 'Reporting script');
    await row.getByText(rig.tenant.owner.email).waitFor();
    await row.getByText(en('admin.role.viewer')).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'api-keys.png'), fullPage: true });

    await row.getByRole('button', { name: en('apiKeys.revoke') }).click();
    dialog = page.getByRole('dialog', { name: en('apiKeys.revoke.title') });
    await dialog.getByText(en('apiKeys.revoke.question', { name: 'Reporting script' })).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: en('common.confirm') }).click();
    await dialog.waitFor({ state: 'detached' });
    await until(async () => (await row.getByRole('button', { name: en('apiKeys.revoke') }).count()) === 0);
    await row.getByText(/WIB$/).nth(1).waitFor(); // created, and now revoked
    expect((await call(rig.base, 'GET', '/v1/tasks?page=1&pageSize=1', { headers: bearer(key) })).status).toBe(401);
    expect(problems).toEqual([]);
  });

  it('when the owner reads the audit log after those changes, then they are there with the owner as actor, newest first, and the filters narrow the list', async () => {
    const { page, problems } = await rig.open({ path: '/audit-log' });
    await page.getByRole('heading', { level: 1, name: en('nav.auditLog') }).waitFor();
    const table = page.getByRole('grid', { name: en('audit.table') });
    await table.getByRole('row').filter({ hasText: 'apiKey.revoke' }).first().waitFor();
    // newest first: this page's own login on top, then the key's revocation before its creation
    const rows = await table.getByRole('row').allTextContents();
    const revoked = rows.findIndex((r) => r.includes('apiKey.revoke'));
    expect(rows[1]).toContain('auth.login');
    expect(revoked).toBeLessThan(rows.findIndex((r) => r.includes('apiKey.create')));
    expect(rows[revoked]).toContain(rig.tenant.owner.email);
    for (const action of ['smsAccount.update', 'user.create', 'user.update', 'user.delete', 'apiKey.create']) await table.getByRole('row').filter({ hasText: action }).first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'audit-log.png'), fullPage: true });

    // actor and action: only the owner's user deletions
    await choose(page, page, en('audit.filter.actor'), rig.tenant.owner.email);
    await page.getByRole('textbox', { name: en('audit.filter.action') }).fill('user.delete');
    await page.getByRole('button', { name: en('audit.filter.apply') }).click();
    await until(async () => onlyRows(await table.getByRole('row').allTextContents(), 'user.delete'));
    const api = (await get('/v1/audit-events?limit=10&action=user.delete')).body.items;
    expect(api).toHaveLength(1);
    expect(api[0].actor.label).toBe(rig.tenant.owner.email);

    // a time range in WIB: from tomorrow, nothing; a time that is not one, said on the field
    const tomorrow = new Date(Date.now() + 7 * 3600_000 + 24 * 3600_000).toISOString().slice(0, 10);
    await page.getByRole('textbox', { name: en('audit.filter.action') }).fill('');
    await page.getByRole('textbox', { name: en('audit.filter.from') }).fill(`${tomorrow} 00:00`);
    await page.getByRole('button', { name: en('audit.filter.apply') }).click();
    await table.getByText(en('audit.empty')).waitFor();
    await page.getByRole('textbox', { name: en('audit.filter.to') }).fill('2026-02-30 09:00');
    await page.getByRole('button', { name: en('audit.filter.apply') }).click();
    await page.getByText(en('audit.filter.badTime')).waitFor();
    expect(problems).toEqual([]);
  });

  it('when a small task with both SMS kinds has completed, then SMS Messages lists its messages with times in WIB, and the status and kind filters narrow the list', async () => {
    const auth = rig.tenant.auth;
    expect((await call(rig.base, 'PUT', '/v1/sms-account', { headers: auth, json: { provider: 'simulated', senderId: 'AUTOCALL', status: 'active' } })).status).toBe(200);
    const template = async (name: string, content: string) => (await call(rig.base, 'POST', '/v1/sms-templates', { headers: auth, json: { name, content } })).body.id as string;
    const recording = await uploadRecording(rig.base, auth);
    const roster = await uploadRoster(rig.base, auth, [...rosterRows(87630021320, 1), ...rosterRows(87630021325, 1)]);
    const task = await call(rig.base, 'POST', '/v1/tasks', {
      headers: auth,
      json: {
        name: 'Follow up demo',
        recordingId: recording.body.id,
        rosterId: roster.body.id,
        start: { mode: 'immediate' },
        sms: { onDisconnect: { enabled: true, templateId: await template('Thanks', 'Thanks {{name}}.'), when: 'anyAnswered' }, onUnanswered: { enabled: true, templateId: await template('Missed', 'Sorry we missed you {{name}}.') } },
        dialing: OPEN_DIALING,
      },
    });
    expect(task.status).toBe(201);
    await eventually(async () => {
      const items = (await get(`/v1/sms-messages?limit=10&taskId=${task.body.id}`)).body.items as { status: string }[];
      return items.length === 2 && items.every((m) => m.status === 'sent');
    }, 60_000, 200);

    const { page, problems } = await rig.open({ path: '/sms-messages' });
    await page.getByRole('heading', { level: 1, name: en('nav.smsMessages') }).waitFor();
    const table = page.getByRole('grid', { name: en('smsMessages.table') });
    const thanks = table.getByRole('row').filter({ hasText: 'Thanks Callee 0.' });
    await thanks.filter({ hasText: 'Follow up demo' }).waitFor(); // the task's name once the tasks are read (its id until then)
    expect(await thanks.textContent()).toContain('+6287630021320');
    expect(await thanks.textContent()).toContain('Follow up demo');
    expect(await thanks.textContent()).toContain(en('smsMessages.kind.disconnect'));
    expect(await thanks.getByText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} WIB$/).count()).toBe(2); // created and sent
    await table.getByRole('row').filter({ hasText: 'Sorry we missed you Callee 0.' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await choose(page, page, en('smsMessages.filter.kind'), en('smsMessages.kind.unanswered'));
    await until(async () => onlyRows(await table.getByRole('row').allTextContents(), 'Sorry we missed you'));
    expect(new URL(page.url()).searchParams.get('kind')).toBe('unanswered');
    await choose(page, page, en('smsMessages.filter.status'), en('smsMessages.status.failed'));
    await table.getByText(en('smsMessages.empty')).waitFor();

    // the header's language switched on the page: the rows already shown speak it too
    await choose(page, page, en('smsMessages.filter.status'), en('smsMessages.filter.all'));
    await table.getByRole('row').filter({ hasText: 'Sorry we missed you' }).getByText(en('smsMessages.kind.unanswered')).waitFor();
    await page.getByRole('button', { name: new RegExp(en('language.label')) }).click();
    await page.getByRole('option', { name: '中文' }).click();
    const zhTable = page.getByRole('grid', { name: translate('zh', 'smsMessages.table') });
    await zhTable.getByRole('row').filter({ hasText: 'Sorry we missed you' }).getByText(translate('zh', 'smsMessages.kind.unanswered')).waitFor();
    expect(problems).toEqual([]);
  });

  it('when a viewer looks, then the admin pages are not in the menu, SMS Messages is, and /console/users opened directly says the API\'s 403 in words', async () => {
    const viewer = await rig.person('viewer');
    const { page } = await rig.open({ as: viewer, path: '/sms-messages' });
    const menu = page.getByRole('navigation', { name: en('nav.label') });
    await page.getByRole('heading', { level: 1, name: en('nav.smsMessages') }).waitFor();
    for (const key of ['nav.smsAccount', 'nav.users', 'nav.apiKeys', 'nav.auditLog'] as const) expect(await menu.getByRole('link', { name: en(key) }).count()).toBe(0);
    for (const path of ['/users', '/api-keys', '/audit-log']) {
      await page.goto(`${rig.base}/console${path}`);
      await page.getByRole('alert').filter({ hasText: en('error.forbidden') }).waitFor();
      expect(await page.getByRole('button', { name: en('common.add'), exact: true }).count()).toBe(0);
    }
    expect(await seriousViolations(page)).toEqual([]);
  });

  const pages: [string, MessageKey, MessageKey][] = [
    ['/sms-account', 'nav.smsAccount', 'smsAccount.senderId'],
    ['/sms-messages', 'nav.smsMessages', 'smsMessages.col.phone'],
    ['/users', 'nav.users', 'users.email'],
    ['/api-keys', 'nav.apiKeys', 'apiKeys.lastUsed'],
    ['/audit-log', 'nav.auditLog', 'audit.filter.resourceType'],
  ];
  it.each(['zh', 'id'] as Language[])('when the owner opens each administration page in %s, then its words are in that language and axe finds nothing serious', async (language) => {
    const { page, t, problems } = await rig.open({ path: '/users', language });
    for (const [path, title, word] of pages) {
      await page.getByRole('navigation', { name: t('nav.label') }).getByRole('link', { name: t(title) }).click();
      await page.getByRole('heading', { level: 1, name: t(title) }).waitFor();
      await page.getByText(t(word), { exact: true }).first().waitFor();
      expect(new URL(page.url()).pathname).toBe(`/console${path}`);
      expect(await seriousViolations(page)).toEqual([]);
    }
    expect(problems).toEqual([]);
  });
});
