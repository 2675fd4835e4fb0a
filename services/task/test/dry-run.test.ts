/**
 * `POST /v1/tasks?dryRun=true` against the real task service and its real neighbours (recording,
 * roster, sms; PostgreSQL, RabbitMQ): the same checks and answers as a create, nothing kept.
 * The recording service (imported in-process) needs music-metadata's ESM conditions.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { randomUUID } from 'node:crypto';
import { asTenant, createTemplate, newTenantId, putSmsAccount, sql, startTestService } from '@autocall/testing';
import { SMS_SCHEMA } from '../../sms/src/app';
import { buildApp, TASK_SCHEMA } from '../src/app';
import { taskService } from '../src/service';
import { rosterRows, startRecording, startRoster, startSms, startTask, uploadRecording, uploadRoster } from './helpers';

/** 21:00 WIB on a Friday: after the default calling window (08:00–20:00) has closed. */
const NINE_PM_WIB = new Date('2026-12-04T14:00:00Z');

let recording: Awaited<ReturnType<typeof startRecording>>;
let roster: Awaited<ReturnType<typeof startRoster>>;
let sms: Awaited<ReturnType<typeof startSms>>;
let task: Awaited<ReturnType<typeof startTask>>;
/** A second replica whose clock reads 21:00 WIB (buildApp's clock seam); it starts no scheduled task. */
let evening: Awaited<ReturnType<typeof startTask>>;

beforeAll(async () => {
  [recording, roster, sms] = await Promise.all([startRecording(), startRoster(), startSms()]);
  task = await startTask({});
  evening = await startTestService({ ...taskService, env: { TASK_SCHEDULER_ENABLED: 'false' }, buildApp: (deps) => buildApp(deps, { now: () => NINE_PM_WIB }) });
}, 60_000);
afterAll(async () => {
  await evening?.close();
  await task?.close();
  await sms?.close();
  await roster?.close();
  await recording?.close();
}, 30_000);

type Json = Record<string, any>;
const post = async (tenant: string, url: string, payload: unknown, svc = task) => {
  const res = await svc.app.inject({ method: 'POST', url, headers: asTenant(tenant), payload: payload as object });
  return { status: res.statusCode, body: res.json() as Json };
};
const dryRun = (tenant: string, payload: unknown, svc = task) => post(tenant, '/v1/tasks?dryRun=true', payload, svc);

/** A tenant with a ready recording, a ready roster of 3 numbers, an approved template and an active SMS account. */
async function world() {
  const tenant = newTenantId();
  const [rec, ros] = await Promise.all([uploadRecording(recording, tenant), uploadRoster(roster, tenant, rosterRows(3))]);
  const templateId = (await createTemplate(sms, tenant, { name: 'T', content: 'Hi {{name}}, order {{Order Id}}' })).id;
  await putSmsAccount(sms, tenant);
  const body = (extra: Json = {}): Json => ({ name: 'January 2026 Promotion', recordingId: rec.id, rosterId: ros.id, start: { mode: 'immediate' }, ...extra });
  return { tenant, recordingId: rec.id, rosterId: ros.id, templateId, body };
}

/** What the task service keeps of a tenant: its tasks and every event it wrote to its outbox. */
const kept = async (tenant: string) => ({
  tasks: await sql(`SELECT id FROM ${TASK_SCHEMA}.tasks WHERE tenant_id = $1`, [tenant]),
  outbox: await sql(`SELECT name FROM ${TASK_SCHEMA}.outbox WHERE payload->>'tenantId' = $1`, [tenant]),
});
/** What the owners of the references hold for any task of these references. */
const reserved = async (w: Awaited<ReturnType<typeof world>>) => [
  ...(await sql(`SELECT task_id FROM recording.recording_usages WHERE recording_id = $1`, [w.recordingId])),
  ...(await sql(`SELECT task_id FROM roster.roster_usages WHERE roster_id = $1`, [w.rosterId])),
  ...(await sql(`SELECT task_id FROM ${SMS_SCHEMA}.template_usages WHERE template_id = $1`, [w.templateId])),
];

describe('a dry run of a task', () => {
  it('when the task is valid, then 200 {valid: true, task} as a create would make it, and nothing is created, reserved or published', async () => {
    const w = await world();
    const sms = { onDisconnect: { enabled: true, templateId: w.templateId }, onUnanswered: { enabled: true, templateId: w.templateId } };
    const res = await dryRun(w.tenant, w.body({ name: '  January 2026 Promotion ', sms }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      valid: true,
      task: {
        name: 'January 2026 Promotion',
        status: 'running',
        recordingId: w.recordingId,
        rosterId: w.rosterId,
        start: { mode: 'immediate' },
        sms: { onDisconnect: { enabled: true, templateId: w.templateId, when: 'anyAnswered' }, onUnanswered: { enabled: true, templateId: w.templateId } },
        dialing: { maxConcurrentCalls: 10, callingWindow: { start: '08:00', end: '20:00', days: [1, 2, 3, 4, 5, 6, 7] } },
        progress: { total: 3, pending: 3, answered: 0, percent: 0 },
        nextCallAt: expect.any(String),
        startedAt: expect.any(String),
      },
    });
    expect(res.body.task.id).toBeUndefined();
    expect(await kept(w.tenant)).toEqual({ tasks: [], outbox: [] });
    expect(await reserved(w)).toEqual([]);
    // the same body without the flag (or with dryRun=false) does create it
    const real = await post(w.tenant, '/v1/tasks?dryRun=false', w.body({ sms }));
    expect([real.status, real.body.name, real.body.progress.total]).toEqual([201, 'January 2026 Promotion', 3]);
    expect((await kept(w.tenant)).tasks).toEqual([{ id: real.body.id }]);
  });

  it('when the input is refused, then the dry run answers exactly what the create answers, and neither keeps anything', async () => {
    const w = await world();
    const failed = await uploadRoster(roster, w.tenant, [['Phone Number', 'Name']]); // only a header: failed
    const empty = await uploadRoster(roster, w.tenant, [['Phone Number', 'Name'], ['abc', 'A']]); // ready, no valid number
    const badVariable = (await createTemplate(sms, w.tenant, { name: 'B', content: 'Hi {{Nama}}' })).id;
    const pending = (await createTemplate(sms, w.tenant, { name: 'P', content: 'Hi {{name}}' })).id;
    await sms.deps.db.query(`UPDATE templates SET status = 'pending' WHERE id = $1`, [pending]);
    const past = new Date(Date.now() - 3600_000).toISOString();
    const cases: [Json, number, string][] = [
      [{ name: 'Promo@2026' }, 400, 'TASK_NAME_INVALID'],
      [{ name: '   ' }, 400, 'TASK_NAME_INVALID'],
      [{ start: { mode: 'scheduled', at: past } }, 422, 'SCHEDULE_IN_PAST'],
      [{ start: { mode: 'scheduled', at: '2026-02-30T09:00' } }, 400, 'VALIDATION_FAILED'],
      [{ dialing: { callingWindow: { start: '20:00', end: '08:00' } } }, 400, 'VALIDATION_FAILED'],
      [{ dialing: { maxConcurrentCalls: 0 } }, 400, 'VALIDATION_FAILED'],
      [{ sms: { onDisconnect: { enabled: true } } }, 400, 'VALIDATION_FAILED'],
      [{ recordingId: randomUUID() }, 422, 'RECORDING_NOT_FOUND'],
      [{ rosterId: randomUUID() }, 422, 'ROSTER_NOT_FOUND'],
      [{ rosterId: failed.id }, 422, 'ROSTER_NOT_READY'],
      [{ rosterId: empty.id }, 422, 'ROSTER_EMPTY'],
      [{ sms: { onUnanswered: { enabled: true, templateId: randomUUID() } } }, 422, 'TEMPLATE_NOT_FOUND'],
      [{ sms: { onUnanswered: { enabled: true, templateId: pending } } }, 422, 'TEMPLATE_NOT_APPROVED'],
      [{ sms: { onUnanswered: { enabled: true, templateId: badVariable } } }, 422, 'TEMPLATE_VARIABLES_MISSING'],
    ];
    for (const [extra, status, code] of cases) {
      const dry = await dryRun(w.tenant, w.body(extra));
      const real = await post(w.tenant, '/v1/tasks', w.body(extra));
      expect([extra, dry.status, dry.body.code]).toEqual([extra, status, code]);
      expect([extra, dry.body]).toEqual([extra, real.body]);
    }
    // the SMS account switched off: a follow-up cannot be sent
    await putSmsAccount(sms, w.tenant, { provider: 'simulated', senderId: 'AUTOCALL', status: 'inactive' });
    const inactive = await dryRun(w.tenant, w.body({ sms: { onDisconnect: { enabled: true, templateId: w.templateId } } }));
    expect([inactive.status, inactive.body.code]).toEqual([422, 'SMS_ACCOUNT_INACTIVE']);
    expect(await kept(w.tenant)).toEqual({ tasks: [], outbox: [] });
    expect(await reserved(w)).toEqual([]);
    const flag = await post(w.tenant, '/v1/tasks?dryRun=yes', w.body());
    expect([flag.status, flag.body.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('when an immediate task is checked at 21:00 WIB, then its first call waits for the window: 08:00 WIB the next day (01:00Z); a widened window calls at once', async () => {
    const w = await world();
    const closed = await dryRun(w.tenant, w.body(), evening);
    expect(closed.status).toBe(200);
    expect(closed.body.task).toMatchObject({ status: 'running', start: { at: NINE_PM_WIB.toISOString(), atLocal: '2026-12-04T21:00:00+07:00' }, nextCallAt: '2026-12-05T01:00:00.000Z' });
    const widened = await dryRun(w.tenant, w.body({ dialing: { callingWindow: { end: '22:00' } } }), evening);
    expect(widened.body.task.nextCallAt).toBe(NINE_PM_WIB.toISOString());
    // a scheduled start inside the window calls at its time; one on a day the window skips waits for the next calling day
    const saturdayMorning = await dryRun(w.tenant, w.body({ start: { mode: 'scheduled', at: '2026-12-05T09:30' } }), evening);
    expect(saturdayMorning.body.task).toMatchObject({ status: 'scheduled', startedAt: null, nextCallAt: '2026-12-05T02:30:00.000Z' });
    const weekdaysOnly = await dryRun(w.tenant, w.body({ start: { mode: 'scheduled', at: '2026-12-05T09:30' }, dialing: { callingWindow: { days: [1, 2, 3, 4, 5] } } }), evening);
    expect(weekdaysOnly.body.task.nextCallAt).toBe('2026-12-07T01:00:00.000Z');
    expect(await kept(w.tenant)).toEqual({ tasks: [], outbox: [] });
  });
});
