/**
 * music-metadata (the recording service) exports only import / module-sync conditions.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { eventually } from '@autocall/testing';
import { join } from 'node:path';
import { call, OPEN_DIALING, rosterRows, uploadRecording, uploadRoster } from '../../../test/e2e/platform';
import { describeInBrowser, seriousViolations, setTenantLimits, startRig, type Rig, type TenantLimits } from './rig';

// The tenant limits the platform admin sets (API.md "Platform admin"), as the console says them where a person meets them: Resume, an upload, an SMS skipped.
jest.setTimeout(180_000);
let rig: Rig;
beforeAll(async () => {
  if (describeInBrowser !== describe) return;
  rig = await startRig();
});
afterAll(async () => rig?.close());

const FIXTURE_MP3 = join(__dirname, '..', '..', '..', 'services', 'recording', 'test', 'fixtures', 'mono-8k.mp3');
const limit = (limits: Partial<TenantLimits>, schema: 'task' | 'recording' | 'sms') => setTenantLimits(rig, limits, schema);

describeInBrowser('tenant limits in the console', () => {
  it('when the tenant is over its active-task limit, then Resume says so in words in its dialog and the task stays paused', async () => {
    const auth = rig.tenant.auth;
    const recording = await uploadRecording(rig.base, auth);
    const roster = await uploadRoster(rig.base, auth, rosterRows(87630021000, 2));
    // a calling window on a day that is neither today nor tomorrow: the task stays running, dialling nobody
    const days = [((new Date().getUTCDay() + 3) % 7) + 1];
    const made = await call(rig.base, 'POST', '/v1/tasks', { headers: auth, json: { name: 'Over the limit', recordingId: recording.body.id, rosterId: roster.body.id, start: { mode: 'immediate' }, dialing: { ...OPEN_DIALING, callingWindow: { ...OPEN_DIALING.callingWindow, days } } } });
    expect([made.status, made.body.status]).toEqual([201, 'running']);
    expect((await call(rig.base, 'POST', `/v1/tasks/${made.body.id}/pause`, { headers: auth })).status).toBe(200);
    try {
      await limit({ maxActiveTasks: 0 }, 'task');
      const operator = await rig.person('operator');
      const { page, t, problems } = await rig.open({ as: operator, path: '/scheduler' });
      const row = page.getByRole('row', { name: /Over the limit/ });
      await row.getByRole('button', { name: t('tasks.menu') }).click();
      await page.getByRole('menuitem', { name: t('tasks.action.resume') }).click();
      const confirm = page.getByRole('dialog', { name: t('tasks.resume.title') });
      await confirm.getByRole('button', { name: t('common.confirm') }).click();
      await confirm.getByRole('alert').getByText(t('tasks.error.tenantLimit')).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      expect((await call(rig.base, 'GET', `/v1/tasks/${made.body.id}`, { headers: auth })).body.status).toBe('paused');
      // the refusal was the API's 422, which the dialog said
      expect(problems).toEqual([]);
    } finally {
      await limit({ maxActiveTasks: null }, 'task');
    }
  });

  it('when the tenant’s storage is full, then a recording upload says so in words in its dialog and nothing is stored', async () => {
    const before = (await call(rig.base, 'GET', '/v1/recordings?page=1&pageSize=200', { headers: rig.tenant.auth })).body.total as number;
    try {
      await limit({ storageBytes: 0 }, 'recording');
      const o = await rig.open({ path: '/recording-files' });
      const { page, t, problems } = o;
      await page.getByRole('heading', { name: t('nav.recordingFiles') }).waitFor();
      await page.getByRole('button', { name: t('common.add') }).click();
      const add = page.getByRole('dialog', { name: t('recordings.addTitle') });
      const chooser = page.waitForEvent('filechooser');
      await add.getByRole('button', { name: t('library.file.select') }).click();
      await (await chooser).setFiles(FIXTURE_MP3);
      await add.getByRole('button', { name: t('common.confirm') }).click();
      await add.getByRole('alert').getByText(t('library.file.storageFull')).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      expect((await call(rig.base, 'GET', '/v1/recordings?page=1&pageSize=200', { headers: rig.tenant.auth })).body.total).toBe(before);
      expect(problems).toEqual([]);
    } finally {
      await limit({ storageBytes: null }, 'recording');
    }
  });

  it('when the tenant’s SMS for the day are used up, then the follow-up is skipped and SMS Messages, reached from the task’s calls, says why in words', async () => {
    const auth = rig.tenant.auth;
    expect((await call(rig.base, 'PUT', '/v1/sms-account', { headers: auth, json: { provider: 'simulated', senderId: 'AUTOCALL', status: 'active' } })).status).toBe(200);
    const template = await call(rig.base, 'POST', '/v1/sms-templates', { headers: auth, json: { name: 'Missed', content: 'Sorry we missed you.' } });
    const recording = await uploadRecording(rig.base, auth);
    const roster = await uploadRoster(rig.base, auth, rosterRows(87630021325, 1)); // the simulated carrier leaves it unanswered
    try {
      await limit({ smsPerDay: 0 }, 'sms');
      const task = await call(rig.base, 'POST', '/v1/tasks', { headers: auth, json: { name: 'No SMS left', recordingId: recording.body.id, rosterId: roster.body.id, start: { mode: 'immediate' }, sms: { onUnanswered: { enabled: true, templateId: template.body.id } }, dialing: OPEN_DIALING } });
      expect(task.status).toBe(201);
      await eventually(async () => {
        const items = (await call(rig.base, 'GET', `/v1/sms-messages?limit=10&taskId=${task.body.id}`, { headers: auth })).body.items as { status: string; failureReason: string | null }[];
        return items.length === 1 && items[0].status === 'skipped' && items[0].failureReason === 'TENANT_LIMIT';
      }, 60_000, 200);

      const { page, t, problems } = await rig.open({ path: `/scheduler/${task.body.id}` });
      await page.getByRole('heading', { level: 1, name: 'No SMS left' }).waitFor();
      await page.getByRole('link', { name: t('detail.calls.smsLink') }).click();
      await page.getByRole('heading', { level: 1, name: t('nav.smsMessages') }).waitFor();
      expect(new URL(page.url()).searchParams.get('taskId')).toBe(task.body.id);
      const line = page.getByRole('grid', { name: t('smsMessages.table') }).getByRole('row').filter({ hasText: '+6287630021325' });
      await line.getByText(t('smsMessages.reason', { reason: t('smsMessages.reason.TENANT_LIMIT') }).trim()).waitFor();
      expect(await line.textContent()).toContain(t('smsMessages.status.skipped'));
      expect(await seriousViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await limit({ smsPerDay: null }, 'sms');
    }
  });
});
