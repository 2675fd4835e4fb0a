/**
 * music-metadata (the recording service) exports only import / module-sync conditions.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { eventually } from '@autocall/testing';
import { call, OPEN_DIALING, uploadRecording, uploadRoster } from '../../../test/e2e/platform';
import { translate } from '../src/i18n/languages';
import { describeInBrowser, SCREENSHOTS, seriousViolations, setTenantLimits, startRig, type Opened, type Rig } from './rig';

// The Scheduler in a real Chromium against the whole platform: the four-step "Add" dialog and the
// "Edit" menu's actions, checked in what the page shows and in what the API then holds.
jest.setTimeout(240_000);
let rig: Rig;
const made = { recordingId: '', rosterId: '', templateId: '', recordingName: 'Promotion Campaign', rosterName: 'Promotion List 202601', templateName: 'Missed Call Notice' };

beforeAll(async () => {
  if (describeInBrowser !== describe) return;
  rig = await startRig();
  const auth = rig.tenant.auth;
  const recording = await uploadRecording(rig.base, auth);
  expect(recording.status).toBe(201);
  await call(rig.base, 'PATCH', `/v1/recordings/${recording.body.id}`, { headers: auth, json: { name: made.recordingName } });
  // last digit 0: answered, the callee hangs up (a disconnect SMS); 5: no answer (an unanswered SMS)
  const roster = await uploadRoster(rig.base, auth, [
    { phone: '81234567890', name: 'Budi', orderId: 'ORD-1' },
    { phone: '81234567895', name: 'Sari', orderId: 'ORD-2' },
  ], made.rosterName);
  expect(roster.body.status).toBe('ready');
  const template = await call(rig.base, 'POST', '/v1/sms-templates', { headers: auth, json: { name: made.templateName, content: 'Hello {{name}}, about order {{Order Id}}: {{taskName}}' } });
  expect(template.body.status).toBe('approved');
  const account = await call(rig.base, 'PUT', '/v1/sms-account', { headers: auth, json: { provider: 'simulated', senderId: 'AUTOCALL', status: 'active' } });
  expect(account.status).toBe(200);
  Object.assign(made, { recordingId: recording.body.id, rosterId: roster.body.id, templateId: template.body.id });
  mkdirSync(SCREENSHOTS, { recursive: true });
});
afterAll(async () => rig?.close());

/** A task made through the API (a scheduled one, far enough ahead to stay `scheduled`). */
async function apiTask(name: string): Promise<string> {
  const at = new Date(Date.now() + 7 * 86_400_000).toISOString();
  const res = await call(rig.base, 'POST', '/v1/tasks', { headers: rig.tenant.auth, json: { name, recordingId: made.recordingId, rosterId: made.rosterId, start: { mode: 'scheduled', at } } });
  if (res.status !== 201) throw new Error(`task: ${res.status} ${res.text}`);
  return res.body.id;
}

const getTask = async (id: string) => call(rig.base, 'GET', `/v1/tasks/${id}`, { headers: rig.tenant.auth });
const tasksNamed = async (name: string) => (await call(rig.base, 'GET', `/v1/tasks?page=1&pageSize=200&name=${encodeURIComponent(name)}`, { headers: rig.tenant.auth })).body.items as any[];

/** Picks an option of a labelled drop-down (React Aria Select: a button, then a listbox). */
async function choose(scope: Page | ReturnType<Page['locator']>, page: Page, label: string, option: string | RegExp) {
  await scope.getByRole('button', { name: label }).click();
  await page.getByRole('option', { name: option }).click();
}

/**
 * Holds the answers of GET `pathname` (the real API's, delayed: nothing is made up) until the
 * returned function is called, so a test can look at the page while they are on their way.
 */
async function holdAnswers(page: Page, pathname: string): Promise<() => void> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  await page.route((url) => url.pathname === pathname, async (route) => {
    if (route.request().method() === 'GET') await released;
    await route.continue();
  });
  return release;
}

/** Steps 1 and 2 of the dialog, as the manual words them; the dialog is left on step 3. */
async function toStep3({ page, t }: Opened, name: string) {
  await page.getByRole('button', { name: t('tasks.add') }).click();
  const dialog = page.getByRole('dialog', { name: t('tasks.wizard.title') });
  await dialog.getByRole('textbox', { name: t('tasks.field.name') }).fill(name);
  await dialog.getByRole('button', { name: t('tasks.wizard.next') }).click();
  await choose(dialog, page, t('tasks.field.recording'), new RegExp(made.recordingName));
  await dialog.getByRole('button', { name: t('tasks.wizard.next') }).click();
  await dialog.getByRole('heading', { name: t('tasks.wizard.step', { step: 3, title: t('tasks.wizard.step3') }) }).waitFor();
  return dialog;
}

/** The calendar date in WIB `days` from now (`2026-12-05`). */
const wibDate = (days: number) => new Date(Date.now() + 7 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);

describeInBrowser('the Scheduler', () => {
  it('when an owner walks the four steps with both SMS settings, then the task is made as chosen, shows in the table and runs to Completed', async () => {
    const opened = await rig.open();
    const { page, t, problems } = opened;
    await page.getByRole('heading', { name: t('tasks.title') }).waitFor();
    await page.getByRole('button', { name: t('tasks.add') }).click();
    const dialog = page.getByRole('dialog', { name: t('tasks.wizard.title') });

    // step 1: the rule is shown, and checked as the user types
    const name = dialog.getByRole('textbox', { name: t('tasks.field.name') });
    await dialog.getByText(t('tasks.name.rule')).waitFor();
    await name.fill('January 2026 Promotion #1');
    await dialog.getByText(t('tasks.name.badCharacters', { chars: '#' })).waitFor();
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: t('tasks.wizard.next') }).click();
    await dialog.getByRole('heading', { name: t('tasks.wizard.step', { step: 1, title: t('tasks.wizard.step1') }) }).waitFor();
    await name.fill('January 2026 Promotion');
    expect(await name.getAttribute('aria-invalid')).toBeNull();
    await dialog.getByRole('button', { name: t('tasks.wizard.next') }).click();

    // step 2: a recording is required; the chosen one plays in place; a link leads to the upload page
    await dialog.getByRole('heading', { name: t('tasks.wizard.step', { step: 2, title: t('tasks.wizard.step2') }) }).waitFor();
    await dialog.getByRole('button', { name: t('tasks.wizard.next') }).click();
    await dialog.getByText(t('tasks.recording.required')).waitFor();
    await dialog.getByRole('link', { name: t('tasks.recording.upload') }).waitFor();
    await choose(dialog, page, t('tasks.field.recording'), new RegExp(made.recordingName));
    const audio = dialog.locator('audio');
    expect(await audio.getAttribute('src')).toBe(`/v1/recordings/${made.recordingId}/audio`);
    expect(await audio.getAttribute('aria-label')).toBe(t('tasks.recording.listen', { name: made.recordingName }));
    expect((await page.request.get(`${rig.base}/v1/recordings/${made.recordingId}/audio`)).headers()['content-type']).toBe('audio/mpeg');
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: t('tasks.wizard.next') }).click();

    // step 3: roster with its valid-number count, both SMS rules with their previews for the first entry
    await choose(dialog, page, t('tasks.field.roster'), t('tasks.roster.option', { name: made.rosterName, valid: 2 }));
    for (const rule of ['tasks.sms.onDisconnect', 'tasks.sms.onUnanswered'] as const) {
      const group = dialog.getByRole('group', { name: t(rule) });
      // the label is what a person clicks (React Aria's input is visually hidden)
      await group.getByText(t('tasks.sms.enable'), { exact: true }).click();
      expect(await group.getByRole('checkbox', { name: t('tasks.sms.enable') }).isChecked()).toBe(true);
      await choose(group, page, t('tasks.field.template'), made.templateName);
      await group.getByText('Hello Budi, about order ORD-1: January 2026 Promotion').waitFor();
    }
    // a calling window that excludes the present hour makes the summary say the first call waits
    const hour = Number(new Date(Date.now() + 7 * 3_600_000).toISOString().slice(11, 13));
    const [ws, we] = hour < 12 ? ['22:00', '23:00'] : ['02:00', '03:00'];
    await dialog.getByRole('button', { name: t('tasks.field.advanced') }).click();
    await dialog.getByRole('textbox', { name: t('tasks.field.windowStart') }).fill(ws);
    await dialog.getByRole('textbox', { name: t('tasks.field.windowEnd') }).fill(we);
    await dialog.getByRole('textbox', { name: t('tasks.field.concurrency') }).fill('5');
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('heading', { name: t('tasks.wizard.step', { step: 3, title: t('tasks.wizard.step3') }) }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'scheduler-add-step3.png') });
    await dialog.getByRole('button', { name: t('tasks.wizard.next') }).click();

    // step 4: the summary says when the first call goes out, and widens the window in one click
    await dialog.getByRole('heading', { name: t('tasks.wizard.step', { step: 4, title: t('tasks.wizard.step4') }) }).waitFor();
    const firstCall = dialog.getByRole('region', { name: t('tasks.summary.firstCall') });
    await firstCall.getByText(t('tasks.summary.waits', { start: ws, end: we, zone: 'WIB' })).waitFor();
    expect(await firstCall.textContent()).toContain(`${wibDate(hour < 12 ? 0 : 1)} ${ws} WIB`);
    expect(await seriousViolations(page)).toEqual([]);
    await firstCall.getByRole('button', { name: t('tasks.summary.widen') }).click();
    await firstCall.getByText(t('tasks.summary.firstCallNow')).waitFor();
    await dialog.getByRole('button', { name: t('tasks.wizard.submit') }).click();
    await page.getByRole('status').getByText(t('tasks.created', { name: 'January 2026 Promotion' })).waitFor();

    const [task] = await tasksNamed('January 2026 Promotion');
    expect(task).toMatchObject({
      recordingId: made.recordingId,
      rosterId: made.rosterId,
      start: { mode: 'immediate' },
      sms: { onDisconnect: { enabled: true, templateId: made.templateId }, onUnanswered: { enabled: true, templateId: made.templateId } },
      dialing: { maxConcurrentCalls: 5, callingWindow: { start: '00:00', end: '24:00' } },
    });
    const row = page.getByRole('row', { name: /January 2026 Promotion/ });
    expect(await row.getByRole('link', { name: 'January 2026 Promotion' }).getAttribute('href')).toBe(`/console/scheduler/${task.id}`);
    await row.getByRole('gridcell', { name: t('tasks.status.completed') }).waitFor({ timeout: 60_000 });
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'scheduler.png') });
    const done = (await getTask(task.id)).body;
    expect(done.status).toBe('completed');
    expect(done.progress).toMatchObject({ total: 2, answered: 1, noAnswer: 1 });
    // each rule sent its SMS: the answered number the disconnect one, the unanswered number the other
    const sms = async () => (await call(rig.base, 'GET', `/v1/sms-messages?taskId=${task.id}&limit=10`, { headers: rig.tenant.auth })).body.items as any[];
    for (let i = 0; i < 100 && (await sms()).length < 2; i++) await new Promise((r) => setTimeout(r, 200));
    expect((await sms()).map((m) => [m.kind, m.phone, m.text]).sort()).toEqual([
      ['disconnect', '+6281234567890', 'Hello Budi, about order ORD-1: January 2026 Promotion'],
      ['unanswered', '+6281234567895', 'Hello Sari, about order ORD-2: January 2026 Promotion'],
    ]);
    expect(problems).toEqual([]);
  });

  it('when an owner adds a reply rule in the SMS settings, then an alphanumeric sender is refused in words on step 3, and with a numeric sender the task holds the rule', async () => {
    const opened = await rig.open();
    const { page, t, problems } = opened;
    await page.getByRole('heading', { name: t('tasks.title') }).waitFor();
    const dialog = await toStep3(opened, 'Reply rules');
    await choose(dialog, page, t('tasks.field.roster'), t('tasks.roster.option', { name: made.rosterName, valid: 2 }));
    const unanswered = dialog.getByRole('group', { name: t('tasks.sms.onUnanswered') });
    await unanswered.getByText(t('tasks.sms.enable'), { exact: true }).click();
    await choose(unanswered, page, t('tasks.field.template'), made.templateName);
    const rules = dialog.getByRole('group', { name: t('tasks.sms.replyRules'), exact: true });
    await rules.getByRole('button', { name: t('tasks.sms.replyRule.add') }).click();
    const rule = dialog.getByRole('group', { name: `${t('tasks.sms.replyRules')} 1` });
    await rule.getByRole('textbox', { name: t('tasks.sms.replyRule.keywords') }).fill('1, YA');
    await rule.getByRole('textbox', { name: t('tasks.sms.replyRule.tag') }).fill('interested');
    await choose(rule, page, t('tasks.sms.replyRule.template'), made.templateName);
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: t('tasks.wizard.next') }).click();
    await dialog.getByText(/Reply rules need an SMS account whose senderId can receive replies/).waitFor();
    await dialog.getByRole('heading', { name: t('tasks.wizard.step', { step: 3, title: t('tasks.wizard.step3') }) }).waitFor();

    const put = (senderId: string) => call(rig.base, 'PUT', '/v1/sms-account', { headers: rig.tenant.auth, json: { provider: 'simulated', senderId, status: 'active' } });
    expect((await put('+6281100001111')).status).toBe(200);
    try {
      await dialog.getByRole('button', { name: t('tasks.wizard.next') }).click();
      await dialog.getByRole('heading', { name: t('tasks.wizard.step', { step: 4, title: t('tasks.wizard.step4') }) }).waitFor();
      await dialog.getByRole('button', { name: t('tasks.wizard.submit') }).click();
      await page.getByRole('status').getByText(t('tasks.created', { name: 'Reply rules' })).waitFor();
      const [task] = await tasksNamed('Reply rules');
      expect(task.sms.replyRules).toEqual([{ keywords: ['1', 'YA'], action: 'tag', tag: 'interested', replyTemplateId: made.templateId }]);
      expect(problems.filter((p) => !/status of 422/.test(p))).toEqual([]);
    } finally {
      expect((await put('AUTOCALL')).status).toBe(200);
    }
  });

  it('when an operator pauses and resumes a task from its Edit menu, then the API holds each state', async () => {
    const id = await apiTask('Pause me');
    const operator = await rig.person('operator');
    const { page, t } = await rig.open({ as: operator });
    const row = page.getByRole('row', { name: /Pause me/ });
    await row.getByRole('button', { name: t('tasks.menu') }).click();
    expect(await page.getByRole('menuitem').allTextContents()).toEqual([t('tasks.action.edit'), t('tasks.action.pause'), t('tasks.action.cancel')]);
    await page.getByRole('menuitem', { name: t('tasks.action.pause') }).click();
    const confirm = page.getByRole('dialog', { name: t('tasks.pause.title') });
    await confirm.getByText(t('tasks.pause.question', { name: 'Pause me' })).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await confirm.getByRole('button', { name: t('common.confirm') }).click();
    await row.getByRole('gridcell', { name: t('tasks.status.paused') }).waitFor();
    expect((await getTask(id)).body.status).toBe('paused');

    await row.getByRole('button', { name: t('tasks.menu') }).click();
    expect(await page.getByRole('menuitem').allTextContents()).toEqual([t('tasks.action.edit'), t('tasks.action.resume'), t('tasks.action.cancel')]);
    await page.getByRole('menuitem', { name: t('tasks.action.resume') }).click();
    await page.getByRole('dialog', { name: t('tasks.resume.title') }).getByRole('button', { name: t('common.confirm') }).click();
    await row.getByRole('gridcell', { name: t('tasks.status.scheduled') }).waitFor();
    expect((await getTask(id)).body.status).toBe('scheduled');
  });

  it('when a task is renamed, cancelled and deleted from its Edit menu, then the name rule is checked and the API holds each change', async () => {
    const id = await apiTask('Rename me');
    const { page, t } = await rig.open();
    let row = page.getByRole('row', { name: /Rename me/ });
    await row.getByRole('button', { name: t('tasks.menu') }).click();
    await page.getByRole('menuitem', { name: t('tasks.action.edit') }).click();
    const edit = page.getByRole('dialog', { name: t('tasks.edit.title') });
    const field = edit.getByRole('textbox', { name: t('tasks.field.name') });
    await field.fill('Renamed @ once');
    await edit.getByText(t('tasks.name.badCharacters', { chars: '@' })).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await field.fill('Renamed 一次');
    await edit.getByRole('button', { name: t('common.confirm') }).click();
    row = page.getByRole('row', { name: /Renamed 一次/ });
    await row.waitFor();
    expect((await getTask(id)).body.name).toBe('Renamed 一次');

    await row.getByRole('button', { name: t('tasks.menu') }).click();
    await page.getByRole('menuitem', { name: t('tasks.action.cancel') }).click();
    await page.getByRole('dialog', { name: t('tasks.cancel.title') }).getByRole('button', { name: t('common.confirm') }).click();
    await row.getByRole('gridcell', { name: t('tasks.status.cancelled') }).waitFor();
    expect((await getTask(id)).body.status).toBe('cancelled');

    await row.getByRole('button', { name: t('tasks.menu') }).click();
    expect(await page.getByRole('menuitem').allTextContents()).toEqual([t('tasks.action.edit'), t('tasks.action.delete')]);
    await page.getByRole('menuitem', { name: t('tasks.action.delete') }).click();
    await page.getByRole('dialog', { name: t('tasks.delete.title') }).getByRole('button', { name: t('common.confirm') }).click();
    await row.waitFor({ state: 'detached' });
    expect((await getTask(id)).status).toBe(404);
  });

  it('when a viewer opens the Scheduler, then it sees the tasks but no Add and no actions', async () => {
    await apiTask('Seen by a viewer');
    const viewer = await rig.person('viewer');
    const { page, t } = await rig.open({ as: viewer });
    await page.getByRole('row', { name: /Seen by a viewer/ }).first().waitFor();
    expect(await page.getByRole('button', { name: t('tasks.add') }).count()).toBe(0);
    expect(await page.getByRole('columnheader', { name: t('tasks.col.actions') }).count()).toBe(0);
    expect(await page.getByRole('button', { name: t('tasks.menu') }).count()).toBe(0);
  });

  it('when a browser in New York schedules a task at 09:00 WIB and double-clicks Submit, then one task is stored starting at 02:00Z', async () => {
    const opened = await rig.open({ timezoneId: 'America/New_York' });
    const { page, t } = opened;
    const dialog = await toStep3(opened, 'Scheduled in WIB');
    await choose(dialog, page, t('tasks.field.roster'), new RegExp(made.rosterName));
    await dialog.getByText(t('tasks.start.scheduled'), { exact: true }).click();
    const day = wibDate(2);
    await dialog.getByLabel(t('tasks.start.at')).fill(`${day}T09:00`);
    await dialog.getByRole('button', { name: t('tasks.wizard.next') }).click();
    await dialog.getByText(t('tasks.summary.startAt', { time: `${day} 09:00 WIB` }), { exact: true }).waitFor();
    await dialog.getByText(t('tasks.summary.firstCallAt', { time: `${day} 09:00 WIB` })).waitFor();
    const sent: (string | undefined)[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/v1/tasks') sent.push(r.headers()['idempotency-key']);
    });
    await dialog.getByRole('button', { name: t('tasks.wizard.submit') }).dblclick();
    await page.getByRole('status').getByText(t('tasks.created', { name: 'Scheduled in WIB' })).waitFor();
    await page.getByRole('row', { name: /Scheduled in WIB/ }).waitFor();
    const found = await tasksNamed('Scheduled in WIB');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ status: 'scheduled', start: { mode: 'scheduled', at: `${day}T02:00:00.000Z` } });
    // whatever reached the API carried the one key of this opening of the dialog
    expect(sent.length).toBeGreaterThan(0);
    expect(new Set(sent).size).toBe(1);
    expect(sent[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when the SMS account is not active, then the SMS settings are disabled and say why', async () => {
    const put = (status: string) => call(rig.base, 'PUT', '/v1/sms-account', { headers: rig.tenant.auth, json: { provider: 'simulated', senderId: 'AUTOCALL', status } });
    expect((await put('inactive')).status).toBe(200);
    try {
      const opened = await rig.open();
      const dialog = await toStep3(opened, 'No SMS yet');
      const { t, page } = opened;
      const sms = dialog.getByRole('group', { name: t('tasks.field.sms') });
      await sms.getByText(t('tasks.sms.inactive')).waitFor();
      expect(await sms.getAttribute('aria-describedby')).toBeTruthy();
      for (const rule of ['tasks.sms.onDisconnect', 'tasks.sms.onUnanswered'] as const) expect(await dialog.getByRole('group', { name: t(rule) }).getByRole('checkbox', { name: t('tasks.sms.enable') }).isDisabled()).toBe(true);
      expect(await seriousViolations(page)).toEqual([]);
    } finally {
      expect((await put('active')).status).toBe(200);
    }
  });

  it('when a keyboard user walks to a task’s Edit menu, then it opens, its choice opens the dialog, and Escape brings focus back', async () => {
    await apiTask('Keyboard only');
    const { page, t } = await rig.open();
    const trigger = page.getByRole('row', { name: /Keyboard only/ }).getByRole('button', { name: t('tasks.menu') });
    // the table is a grid: focus lands on the row, and the arrow keys walk its cells into their controls
    await trigger.focus();
    const onTrigger = () => trigger.evaluate((b: any) => b === b.ownerDocument.activeElement);
    for (let i = 0; i < 8 && !(await onTrigger()); i++) await page.keyboard.press('ArrowRight');
    expect(await onTrigger()).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByRole('menu').waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const confirm = page.getByRole('dialog', { name: t('tasks.pause.title') });
    await confirm.waitFor();
    expect(await confirm.evaluate((d: any) => d.contains(d.ownerDocument.activeElement))).toBe(true);
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    // React Aria's FocusScope gives focus back in the animation frame after the dialog unmounts, so it is waited for, not read at once
    await eventually(onTrigger, 10_000, 50);
  });

  it('when the roster is deleted before Submit, then the API’s refusal is shown on step 3 at “Select Roster”', async () => {
    const roster = await uploadRoster(rig.base, rig.tenant.auth, [{ phone: '81234567891', name: 'Ani', orderId: 'ORD-9' }], 'Short lived roster');
    const opened = await rig.open();
    const { page, t } = opened;
    const dialog = await toStep3(opened, 'Loses its roster');
    await choose(dialog, page, t('tasks.field.roster'), /Short lived roster/);
    await dialog.getByRole('button', { name: t('tasks.wizard.next') }).click();
    expect((await call(rig.base, 'DELETE', `/v1/rosters/${roster.body.id}`, { headers: rig.tenant.auth })).status).toBe(204);
    await dialog.getByRole('button', { name: t('tasks.wizard.submit') }).click();
    await dialog.getByRole('heading', { name: t('tasks.wizard.step', { step: 3, title: t('tasks.wizard.step3') }) }).waitFor();
    const select = dialog.getByRole('button', { name: t('tasks.field.roster') });
    await dialog.getByText(/roster/i).and(dialog.locator('.field-error')).waitFor();
    expect(await select.getAttribute('aria-describedby')).toBeTruthy();
    expect(await tasksNamed('Loses its roster')).toHaveLength(0);
  });

  it('when the tenant is at its active-task limit, then Submit of a task that runs at once says so in words on the last step and no task is made', async () => {
    await setTenantLimits(rig, { maxActiveTasks: 0 }, 'task');
    try {
      const opened = await rig.open();
      const { page, t, problems } = opened;
      const dialog = await toStep3(opened, 'Over the task limit');
      await choose(dialog, page, t('tasks.field.roster'), new RegExp(made.rosterName));
      await dialog.getByRole('button', { name: t('tasks.wizard.next') }).click();
      await dialog.getByRole('heading', { name: t('tasks.wizard.step', { step: 4, title: t('tasks.wizard.step4') }) }).waitFor();
      await dialog.getByRole('button', { name: t('tasks.wizard.submit') }).click();
      await dialog.getByRole('alert').getByText(t('tasks.error.tenantLimit')).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      expect(await tasksNamed('Over the task limit')).toHaveLength(0);
      // the refusal was the API's 422, which the wizard said
      expect(problems).toEqual([]);
    } finally {
      await setTenantLimits(rig, { maxActiveTasks: null }, 'task');
    }
  });

  it('when the session expires mid-wizard, then logging in again brings back the dialog with what was typed', async () => {
    const opened = await rig.open();
    const { page, t, context } = opened;
    await page.getByRole('button', { name: t('tasks.add') }).click();
    const dialog = page.getByRole('dialog', { name: t('tasks.wizard.title') });
    await dialog.getByRole('textbox', { name: t('tasks.field.name') }).fill('Survives a login');
    await dialog.getByRole('button', { name: t('tasks.wizard.next') }).click();
    await choose(dialog, page, t('tasks.field.recording'), new RegExp(made.recordingName));
    await context.clearCookies();
    // the table's next refresh answers 401: the console asks to log in
    await page.getByRole('textbox', { name: t('login.email') }).fill(rig.tenant.owner.email, { timeout: 15_000 });
    await page.getByLabel(t('login.password')).fill(rig.tenant.owner.password);
    await page.getByRole('button', { name: t('login.submit') }).click();
    await dialog.getByText(t('tasks.wizard.restored')).waitFor();
    await dialog.getByRole('heading', { name: t('tasks.wizard.step', { step: 2, title: t('tasks.wizard.step2') }) }).waitFor();
    await dialog.getByRole('button', { name: new RegExp(made.recordingName) }).waitFor();
    await dialog.getByRole('button', { name: t('tasks.wizard.back') }).click();
    expect(await dialog.getByRole('textbox', { name: t('tasks.field.name') }).inputValue()).toBe('Survives a login');
    // closing the dialog forgets the draft: a reload opens the plain page
    await dialog.getByRole('button', { name: t('common.cancel') }).click();
    await page.reload();
    await page.getByRole('heading', { name: t('tasks.title') }).waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);
  });

  for (const language of ['zh', 'id'] as const) {
    it(`when the Scheduler is opened in ${language}, then the page, the actions and the dialog speak it`, async () => {
      const { page, t } = await rig.open({ language });
      await page.getByRole('heading', { name: t('tasks.title') }).waitFor();
      await page.getByRole('columnheader', { name: t('tasks.col.actions') }).waitFor();
      await page.getByRole('button', { name: t('tasks.add') }).click();
      const dialog = page.getByRole('dialog', { name: t('tasks.wizard.title') });
      await dialog.getByText(t('tasks.name.rule')).waitFor();
      await dialog.getByRole('button', { name: t('tasks.wizard.next') }).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
    });
  }

  it('when the ready recordings are still on their way, then “Recording File” says Loading… and cannot be clicked in vain, and opens with them once they are there', async () => {
    const opened = await rig.open();
    const { page, t } = opened;
    const release = await holdAnswers(page, '/v1/recordings');
    await page.getByRole('button', { name: t('tasks.add') }).click();
    const dialog = page.getByRole('dialog', { name: t('tasks.wizard.title') });
    await dialog.getByRole('textbox', { name: t('tasks.field.name') }).fill('Loads slowly');
    await dialog.getByRole('button', { name: t('tasks.wizard.next') }).click();
    await dialog.getByRole('heading', { name: t('tasks.wizard.step', { step: 2, title: t('tasks.wizard.step2') }) }).waitFor();
    // React Aria's Select does not open on an empty list: a click now would do nothing, so the drop-down is disabled and says why
    const select = dialog.getByRole('button', { name: new RegExp(`${t('tasks.field.recording')}$`) });
    expect(await select.textContent()).toContain(t('common.loading'));
    expect(await select.isDisabled()).toBe(true);
    release();
    await choose(dialog, page, t('tasks.field.recording'), new RegExp(made.recordingName));
    expect(await dialog.locator('audio').getAttribute('src')).toBe(`/v1/recordings/${made.recordingId}/audio`);
  });

  it('when the task list answers after the SMS messages, then each message still names its task (the rows follow the data they show)', async () => {
    const created = await call(rig.base, 'POST', '/v1/tasks', {
      headers: rig.tenant.auth,
      json: { name: 'Named late', recordingId: made.recordingId, rosterId: made.rosterId, start: { mode: 'immediate' }, sms: { onUnanswered: { enabled: true, templateId: made.templateId } }, dialing: OPEN_DIALING },
    });
    expect(created.status).toBe(201);
    await eventually(async () => {
      const res = await call(rig.base, 'GET', `/v1/sms-messages?taskId=${created.body.id}&limit=10`, { headers: rig.tenant.auth });
      return res.body.items.length === 1 && res.body.items[0].status === 'sent';
    }, 60_000, 200);
    const { page, t } = await rig.open();
    const release = await holdAnswers(page, '/v1/tasks');
    await page.getByRole('navigation', { name: t('nav.label') }).getByRole('link', { name: t('nav.smsMessages') }).click();
    const message = page.getByRole('grid', { name: t('smsMessages.table') }).getByRole('row').filter({ hasText: 'Hello Sari, about order ORD-2: Named late' });
    await message.waitFor();
    expect(await message.getByRole('gridcell').first().textContent()).toBe(created.body.id); // no names yet: the id
    release();
    await message.getByRole('gridcell', { name: 'Named late', exact: true }).waitFor({ timeout: 15_000 }); // longer than the list's own 10 s refresh
  });

  it('when the language is changed in the header, then the rows already shown speak it too', async () => {
    await apiTask('Speaks every language');
    const { page, t } = await rig.open();
    const row = page.getByRole('row', { name: /Speaks every language/ }).first();
    await row.getByRole('gridcell', { name: t('tasks.status.scheduled'), exact: true }).waitFor();
    await page.getByRole('button', { name: new RegExp(`${t('language.label')}$`) }).click();
    await page.getByRole('option', { name: 'Bahasa Indonesia' }).click();
    await page.getByRole('heading', { name: translate('id', 'tasks.title') }).waitFor();
    await row.getByRole('gridcell', { name: translate('id', 'tasks.status.scheduled'), exact: true }).waitFor();
  });
  it('when an owner sets the advanced dialing settings (WITA, an end time, blackouts not skipped, retries per outcome), then bad values are said on their fields, the API holds the rest, and the task detail reads them back in WITA beside UTC', async () => {
    const opened = await rig.open({ timezoneId: 'America/New_York' });
    const { page, t, problems } = opened;
    const dialog = await toStep3(opened, 'Advanced in WITA');
    await choose(dialog, page, t('tasks.field.roster'), new RegExp(made.rosterName));
    await dialog.getByText(t('tasks.start.scheduled'), { exact: true }).click();
    const day = wibDate(3);
    await dialog.getByLabel(t('tasks.start.at')).fill(`${day}T09:00`);
    await dialog.getByRole('button', { name: t('tasks.field.advanced') }).click();
    const zone = dialog.getByRole('combobox', { name: t('tasks.field.timeZone') });
    expect(await zone.inputValue()).toMatch(/^Asia\/Jakarta \(WIB, UTC\+07:00\)$/);
    await zone.fill('Makassar');
    await page.getByRole('option', { name: /^Asia\/Makassar \(WITA, UTC\+08:00\)$/ }).click();
    await dialog.getByText(t('tasks.start.atHelp', { zone: 'Asia/Makassar (WITA)' })).waitFor();
    const endAt = dialog.getByLabel(t('tasks.field.endAt'));
    await endAt.fill(`${day}T08:00`);
    await dialog.getByText(t('tasks.field.skipBlackouts')).click();
    expect(await dialog.getByRole('checkbox', { name: t('tasks.field.skipBlackouts') }).isChecked()).toBe(false);
    const busy = t('tasks.retry.busy');
    const noAnswer = t('tasks.retry.no_answer');
    const busyAttempts = dialog.getByRole('textbox', { name: t('tasks.retry.attempts', { outcome: busy }) });
    await busyAttempts.fill('11');
    await dialog.getByRole('button', { name: t('tasks.wizard.next') }).click();
    await dialog.getByText(t('tasks.endAt.beforeStart')).waitFor();
    expect(await endAt.getAttribute('aria-invalid')).toBe('true');
    await dialog.getByText(t('tasks.retry.invalid')).waitFor();
    expect(await busyAttempts.getAttribute('aria-invalid')).toBe('true');
    expect(await seriousViolations(page)).toEqual([]);
    await endAt.fill(`${day}T17:00`);
    await busyAttempts.fill('3');
    await dialog.getByRole('textbox', { name: t('tasks.retry.delay', { outcome: busy }) }).fill('10');
    await dialog.getByRole('textbox', { name: t('tasks.retry.attempts', { outcome: noAnswer }) }).fill('2');
    await dialog.getByRole('textbox', { name: t('tasks.retry.delay', { outcome: noAnswer }) }).fill('60');
    await dialog.getByRole('button', { name: t('tasks.wizard.next') }).click();

    const summary = dialog.getByRole('definition');
    await dialog.getByText(t('tasks.summary.startAt', { time: `${day} 09:00 WITA` }), { exact: true }).waitFor();
    await dialog.getByText(t('tasks.summary.firstCallAt', { time: `${day} 09:00 WITA` })).waitFor();
    const shown = await summary.allTextContents();
    expect(shown).toEqual(expect.arrayContaining(['Asia/Makassar', `${day} 17:00 WITA`, t('tasks.summary.no'), `${t('tasks.retry.summary', { outcome: busy, attempts: 3, delay: 10 })}; ${t('tasks.retry.summary', { outcome: noAnswer, attempts: 2, delay: 60 })}`]));
    await dialog.getByRole('button', { name: t('tasks.wizard.submit') }).click();
    await page.getByRole('status').getByText(t('tasks.created', { name: 'Advanced in WITA' })).waitFor();
    const [listed] = await tasksNamed('Advanced in WITA');
    const task = (await getTask(listed.id)).body;
    expect(task).toMatchObject({
      status: 'scheduled',
      start: { at: `${day}T01:00:00.000Z`, atLocal: `${day}T09:00:00+08:00` },
      dialing: { timeZone: 'Asia/Makassar', skipBlackouts: false, endAt: `${day}T09:00:00.000Z`, retry: { busy: { maxAttempts: 3, delayMinutes: 10 }, no_answer: { maxAttempts: 2, delayMinutes: 60 } } },
    });
    expect(task.dialing.retry.unavailable).toBeUndefined();

    // the detail reads it back: the zone, local times with their offset beside UTC, the retries
    await page.getByRole('link', { name: 'Advanced in WITA' }).click();
    await page.getByRole('heading', { level: 1, name: 'Advanced in WITA' }).waitFor();
    const fact = (label: string) => page.locator('.facts .fact').filter({ has: page.getByRole('term').getByText(label, { exact: true }) }).getByRole('definition');
    const start = `${day} 09:00 WITA (UTC+08:00) · ${day} 01:00 UTC`;
    expect(await fact(t('detail.timeZone')).textContent()).toBe('Asia/Makassar (WITA)');
    expect(await fact(t('detail.startTime')).textContent()).toBe(t('detail.start.scheduled', { time: start }));
    // a scheduled task's next call is when its first call would go out: its start, inside the window
    expect(await fact(t('detail.nextCall')).textContent()).toBe(start);
    expect(await fact(t('detail.endAt')).textContent()).toBe(`${day} 17:00 WITA (UTC+08:00) · ${day} 09:00 UTC`);
    expect(await fact(t('detail.skipBlackouts')).textContent()).toBe(t('tasks.summary.no'));
    expect(await fact(t('detail.retry', { outcome: busy })).textContent()).toBe(t('detail.retry.value', { attempts: 3, minutes: 10 }));
    expect(await fact(t('detail.retry', { outcome: noAnswer })).textContent()).toBe(t('detail.retry.value', { attempts: 2, minutes: 60 }));
    expect(await fact(t('detail.window')).textContent()).toBe(t('detail.window.value', { start: '08:00', end: '20:00', zone: 'WITA', days: t('detail.window.everyDay') }));
    const counts = page.getByRole('table', { name: t('detail.outcomes.table') });
    for (const c of ['detail.counter.suppressed', 'detail.counter.expired'] as const) expect(await counts.getByRole('row', { name: new RegExp(`^${t(c)} 0`) }).count()).toBe(1);
    expect(problems).toEqual([]);
  });

  it('when an owner turns on answering-machine detection in the advanced dialing settings and picks “after the beep”, then the summary says so, the API holds dialing.amd and the detail reads it back', async () => {
    const opened = await rig.open();
    const { page, t, problems } = opened;
    const dialog = await toStep3(opened, 'With AMD');
    await choose(dialog, page, t('tasks.field.roster'), new RegExp(made.rosterName));
    await dialog.getByRole('button', { name: t('tasks.field.advanced') }).click();
    const amd = dialog.getByRole('checkbox', { name: t('tasks.field.amd') });
    expect(await amd.isChecked()).toBe(false);
    expect(await dialog.getByRole('button', { name: t('tasks.field.onMachine') }).count()).toBe(0);
    await dialog.getByText(t('tasks.field.amd')).click();
    expect(await amd.isChecked()).toBe(true);
    await choose(dialog, page, t('tasks.field.onMachine'), t('tasks.onMachine.playAfterBeep'));
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: t('tasks.wizard.next') }).click();
    const fact = (scope: typeof dialog, label: string) => scope.locator('dt').filter({ hasText: label }).locator('xpath=following-sibling::dd[1]');
    expect(await fact(dialog, t('tasks.field.amd')).textContent()).toBe(t('tasks.onMachine.playAfterBeep'));
    await dialog.getByRole('button', { name: t('tasks.wizard.submit') }).click();
    await page.getByRole('status').getByText(t('tasks.created', { name: 'With AMD' })).waitFor();
    const [listed] = await tasksNamed('With AMD');
    expect((await getTask(listed.id)).body.dialing.amd).toEqual({ enabled: true, onMachine: 'playAfterBeep' });
    await page.getByRole('link', { name: 'With AMD' }).click();
    await page.getByRole('heading', { level: 1, name: 'With AMD' }).waitFor();
    const detail = page.locator('.facts .fact').filter({ has: page.getByRole('term').getByText(t('tasks.field.amd'), { exact: true }) }).getByRole('definition');
    expect(await detail.textContent()).toBe(t('tasks.onMachine.playAfterBeep'));
    expect(problems).toEqual([]);
  });

  it('when a task runs over a roster with a number on the Do-Not-Call List, then its detail counts that number Suppressed', async () => {
    const auth = rig.tenant.auth;
    const roster = await uploadRoster(rig.base, auth, [
      { phone: '81234567700', name: 'Ani', orderId: 'ORD-7' },
      { phone: '81234567710', name: 'Dewi', orderId: 'ORD-8' },
    ], 'With a listed number');
    expect((await call(rig.base, 'POST', '/v1/dnc', { headers: auth, json: { phone: '081234567710' } })).status).toBe(201);
    const res = await call(rig.base, 'POST', '/v1/tasks', { headers: auth, json: { name: 'Suppressed One', recordingId: made.recordingId, rosterId: roster.body.id, start: { mode: 'immediate' }, dialing: OPEN_DIALING } });
    expect(res.status).toBe(201);
    const { page, t, problems } = await rig.open({ path: `/scheduler/${res.body.id}` });
    const counts = page.getByRole('table', { name: t('detail.outcomes.table') });
    await counts.getByRole('row', { name: new RegExp(`^${t('detail.counter.suppressed')} 1 50%`) }).waitFor({ timeout: 60_000 });
    await counts.getByRole('row', { name: new RegExp(`^${t('detail.counter.answered')} 1 50%`) }).waitFor({ timeout: 60_000 });
    expect(problems).toEqual([]);
  });
});
