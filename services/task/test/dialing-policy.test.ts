/**
 * The task service's side of the dialing policy (issue 15): `dialing.timeZone` (the window, a
 * zone-less start and nextCallAt read in it, whatever PLATFORM_TIMEZONE is), the tenant's blackouts
 * (from calendar.updated) skipped by nextCallAt, and numbers the dialer settled without a call
 * (dialer.number.settled) counted in progress. The clock is injected (buildApp's seam).
 * The recording service (imported in-process) needs music-metadata's ESM conditions.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { randomUUID } from 'node:crypto';
import { CalendarUpdated, DialerNumberSettled, DialerTaskDrained, TaskStatusChanged } from '@autocall/contracts';
import { asTenant, connectTestBus, eventually, newTenantId, startTestService } from '@autocall/testing';
import { on, type Bus } from '@autocall/bus';
import { buildApp } from '../src/app';
import { taskService } from '../src/service';
import { phone, rosterRows, startRecording, startRoster, uploadRecording, uploadRoster } from './helpers';

/** 08:30 UTC on Wednesday 2026-12-02: 17:30 WIT (Asia/Jayapura, UTC+9), 15:30 WIB, 09:30 in Berlin. */
const EVENING_WIT = new Date('2026-12-02T08:30:00Z');

let recording: Awaited<ReturnType<typeof startRecording>>;
let roster: Awaited<ReturnType<typeof startRoster>>;
let task: Awaited<ReturnType<typeof startRoster>>;
let bus: Bus;

beforeAll(async () => {
  [recording, roster] = await Promise.all([startRecording(), startRoster()]);
  // a platform zone that is neither WIB nor WIT: the task's own zone must decide
  task = (await startTestService({ ...taskService, env: { PLATFORM_TIMEZONE: 'Europe/Berlin', TASK_SCHEDULER_ENABLED: 'false' }, buildApp: (deps) => buildApp(deps, { now: () => EVENING_WIT }) })) as never;
  bus = await connectTestBus('task-policy-test');
}, 60_000);
afterAll(async () => {
  await bus?.close();
  await task?.close();
  await roster?.close();
  await recording?.close();
}, 30_000);

type Json = Record<string, any>;
const call = async (tenant: string, method: string, url: string, payload?: unknown) => {
  const res = await task.app.inject({ method: method as 'GET', url, headers: asTenant(tenant), ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: res.statusCode, body: res.json() as Json };
};

async function world(count = 3) {
  const tenant = newTenantId();
  const [rec, ros] = await Promise.all([uploadRecording(recording, tenant), uploadRoster(roster, tenant, rosterRows(count))]);
  const body = (dialing: Json = {}, start: Json = { mode: 'immediate' }) => ({ name: 'Policy', recordingId: rec.id, rosterId: ros.id, start, dialing });
  return { tenant, body };
}

const wit = { timeZone: 'Asia/Jayapura', callingWindow: { start: '08:00', end: '17:00', days: [1, 2, 3, 4, 5, 6, 7] } };

describe('the task time zone', () => {
  it('when a task in Asia/Jayapura (08:00–17:00) is created at 17:30 WIT, then nextCallAt is 08:00 WIT the next morning (23:00Z), whatever PLATFORM_TIMEZONE is, with its offset', async () => {
    const w = await world();
    const created = await call(w.tenant, 'POST', '/v1/tasks', w.body(wit));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'running',
      dialing: { timeZone: 'Asia/Jayapura', skipBlackouts: true, callingWindow: wit.callingWindow },
      start: { atLocal: '2026-12-02T17:30:00+09:00' },
      nextCallAt: '2026-12-02T23:00:00.000Z',
      nextCallAtLocal: '2026-12-03T08:00:00+09:00',
      progress: { suppressed: 0, expired: 0 },
    });
    // the default zone is the platform's
    const berlin = await call(w.tenant, 'POST', '/v1/tasks?dryRun=true', w.body());
    expect(berlin.body.task.dialing.timeZone).toBe('Europe/Berlin');
  });

  it('when a scheduled start has no offset, then it is read in the task zone', async () => {
    const w = await world();
    const res = await call(w.tenant, 'POST', '/v1/tasks?dryRun=true', w.body(wit, { mode: 'scheduled', at: '2026-12-03T09:00' }));
    expect(res.body.task).toMatchObject({ start: { at: '2026-12-03T00:00:00.000Z', atLocal: '2026-12-03T09:00:00+09:00' }, nextCallAt: '2026-12-03T00:00:00.000Z' });
  });

  it('when the zone is not an IANA zone, then 400 on dialing.timeZone, on create and on PATCH, and nothing changes', async () => {
    const w = await world();
    for (const timeZone of ['Mars/Olympus', 'WIT', 'UTC+9', 'Asia/Jayapura; DROP']) {
      const res = await call(w.tenant, 'POST', '/v1/tasks', w.body({ timeZone }));
      expect([timeZone, res.status, res.body.code, res.body.errors?.[0]?.field]).toEqual([timeZone, 400, 'VALIDATION_FAILED', 'dialing.timeZone']);
    }
    const t = (await call(w.tenant, 'POST', '/v1/tasks', w.body(wit))).body;
    expect((await call(w.tenant, 'PATCH', `/v1/tasks/${t.id}`, { dialing: { timeZone: 'Nowhere/Atall' } })).status).toBe(400);
    const moved = await call(w.tenant, 'PATCH', `/v1/tasks/${t.id}`, { dialing: { timeZone: 'Asia/Makassar' } });
    // 16:30 WITA: inside the window there
    expect(moved.body).toMatchObject({ dialing: { timeZone: 'Asia/Makassar' }, nextCallAt: null, nextCallAtLocal: null, start: { atLocal: expect.stringMatching(/\+08:00$/) } });
  });
});

describe('blackouts in nextCallAt', () => {
  it("when the tenant's calendar blacks out the next two days, then nextCallAt skips them; skipBlackouts false ignores them; another tenant is not affected", async () => {
    const w = await world();
    await bus.publish(CalendarUpdated, { tenantId: w.tenant, blackouts: [{ from: '2026-12-03', to: '2026-12-04', name: 'Holiday' }], updatedAt: new Date().toISOString() });
    await eventually(async () => (await call(w.tenant, 'POST', '/v1/tasks?dryRun=true', w.body(wit))).body.task.nextCallAt === '2026-12-04T23:00:00.000Z', 10_000, 50);
    const announced: Json[] = [];
    await bus.subscribe(`task-policy-test.status.${randomUUID()}`, [on(TaskStatusChanged, async (p) => void (p.tenantId === w.tenant && announced.push(p.task)))]);
    const t = (await call(w.tenant, 'POST', '/v1/tasks', w.body(wit))).body;
    expect([t.nextCallAt, t.nextCallAtLocal]).toEqual(['2026-12-04T23:00:00.000Z', '2026-12-05T08:00:00+09:00']);
    expect((await call(w.tenant, 'GET', `/v1/tasks/${t.id}`)).body.nextCallAt).toBe('2026-12-04T23:00:00.000Z');
    // the task.status event a webhook or the stream gets says the same as the API
    const started = await eventually(() => announced.find((a) => a.id === t.id && a.status === 'running'));
    expect([started.nextCallAt, started.nextCallAtLocal]).toEqual(['2026-12-04T23:00:00.000Z', '2026-12-05T08:00:00+09:00']);
    // a scheduled task says when its first call would go out: past the blackout too
    const later = (await call(w.tenant, 'POST', '/v1/tasks', w.body(wit, { mode: 'scheduled', at: '2026-12-03T10:00' }))).body;
    expect([later.status, later.nextCallAt]).toEqual(['scheduled', '2026-12-04T23:00:00.000Z']);
    expect((await call(w.tenant, 'GET', `/v1/tasks/${later.id}`)).body.nextCallAt).toBe('2026-12-04T23:00:00.000Z');
    expect((await call(w.tenant, 'POST', '/v1/tasks?dryRun=true', w.body({ ...wit, skipBlackouts: false }))).body.task.nextCallAt).toBe('2026-12-02T23:00:00.000Z');
    const other = await world();
    expect((await call(other.tenant, 'POST', '/v1/tasks?dryRun=true', other.body(wit))).body.task.nextCallAt).toBe('2026-12-02T23:00:00.000Z');
    // an older calendar arriving late changes nothing
    await bus.publish(CalendarUpdated, { tenantId: w.tenant, blackouts: [], updatedAt: new Date(Date.now() - 60_000).toISOString() });
    await bus.publish(CalendarUpdated, { tenantId: other.tenant, blackouts: [], updatedAt: new Date().toISOString() });
    await eventually(async () => (await call(other.tenant, 'POST', '/v1/tasks?dryRun=true', other.body(wit))).status === 200);
    expect((await call(w.tenant, 'GET', `/v1/tasks/${t.id}`)).body.nextCallAt).toBe('2026-12-04T23:00:00.000Z');
  });
});

describe('numbers settled without a call', () => {
  it('when the dialer settles numbers suppressed, then progress counts them (once, whatever redeliveries), and the task completes when every number is final', async () => {
    const w = await world(3);
    const t = (await call(w.tenant, 'POST', '/v1/tasks', w.body({ callingWindow: { start: '00:00', end: '24:00' } }))).body;
    const settled = (i: number) => ({
      tenantId: w.tenant, taskId: t.id, attemptId: randomUUID(), phone: phone(i), rowNumber: i + 2, attempt: 1, attempts: 0,
      outcome: 'suppressed' as const, reason: 'DNC', settledAt: new Date().toISOString(), name: null, variables: {},
    });
    const first = settled(0);
    const id = randomUUID();
    await bus.publish(DialerNumberSettled, first, { id });
    await bus.publish(DialerNumberSettled, first, { id });
    await bus.publish(DialerNumberSettled, settled(1));
    await eventually(async () => (await call(w.tenant, 'GET', `/v1/tasks/${t.id}`)).body.progress.suppressed === 2);
    await bus.publish(DialerNumberSettled, { ...settled(2), outcome: 'expired', reason: 'END_TIME' });
    await bus.publish(DialerTaskDrained, { tenantId: w.tenant, taskId: t.id, finalCount: 3, cancelled: 0 });
    const done = await eventually(async () => {
      const v = (await call(w.tenant, 'GET', `/v1/tasks/${t.id}`)).body;
      return v.status === 'completed' ? v : undefined;
    });
    expect(done.progress).toMatchObject({ total: 3, pending: 0, suppressed: 2, expired: 1, answered: 0, percent: 100 });
  });
});

describe('retries per outcome', () => {
  it('when dialing.retry is given, then the task shows each rule (delay defaulting to retryDelayMinutes); maxAttempts 0 or 11 and unknown outcomes are 400', async () => {
    const w = await world();
    const res = await call(w.tenant, 'POST', '/v1/tasks', w.body({ retryDelayMinutes: 15, retry: { busy: { maxAttempts: 3, delayMinutes: 10 }, no_answer: { maxAttempts: 2 } } }));
    expect([res.status, res.body.dialing.retry]).toEqual([201, { busy: { maxAttempts: 3, delayMinutes: 10 }, no_answer: { maxAttempts: 2, delayMinutes: 15 } }]);
    const plain = await call(w.tenant, 'POST', '/v1/tasks?dryRun=true', w.body());
    expect(plain.body.task.dialing.retry).toEqual({});
    for (const [retry, field] of [
      [{ busy: { maxAttempts: 0 } }, 'dialing.retry.busy.maxAttempts'],
      [{ no_answer: { maxAttempts: 11 } }, 'dialing.retry.no_answer.maxAttempts'],
      [{ unavailable: { maxAttempts: 2, delayMinutes: 1441 } }, 'dialing.retry.unavailable.delayMinutes'],
      [{ failed: { maxAttempts: 2 } }, 'dialing.retry.failed'],
    ] as const) {
      const bad = await call(w.tenant, 'POST', '/v1/tasks', w.body({ retry }));
      expect([bad.status, bad.body.code, bad.body.errors?.[0]?.field]).toEqual([400, 'VALIDATION_FAILED', field]);
    }
    const patched = await call(w.tenant, 'PATCH', `/v1/tasks/${res.body.id}`, { dialing: { retry: { unavailable: { maxAttempts: 4, delayMinutes: 5 } } } });
    expect(patched.body.dialing.retry).toEqual({ unavailable: { maxAttempts: 4, delayMinutes: 5 } });
  });
});

describe('the end time (dialing.endAt)', () => {
  it('when endAt is given without an offset, then it is read in the task zone and shown with it; before the start 422 END_BEFORE_START; not a date 400; PATCH moves it while the task runs', async () => {
    const w = await world();
    const res = await call(w.tenant, 'POST', '/v1/tasks', w.body({ ...wit, endAt: '2026-12-03T17:00' }));
    expect([res.status, res.body.dialing.endAt, res.body.dialing.endAtLocal]).toEqual([201, '2026-12-03T08:00:00.000Z', '2026-12-03T17:00:00+09:00']);
    for (const endAt of ['2026-12-02T17:00', '2026-12-02T08:30:00Z']) {
      const bad = await call(w.tenant, 'POST', '/v1/tasks', w.body({ ...wit, endAt }));
      expect([endAt, bad.status, bad.body.code]).toEqual([endAt, 422, 'END_BEFORE_START']);
    }
    const scheduled = await call(w.tenant, 'POST', '/v1/tasks', w.body({ ...wit, endAt: '2026-12-05T09:00' }, { mode: 'scheduled', at: '2026-12-05T09:00' }));
    expect(scheduled.body.code).toBe('END_BEFORE_START');
    for (const endAt of ['2026-02-30T09:00', 'tomorrow']) {
      const bad = await call(w.tenant, 'POST', '/v1/tasks', w.body({ endAt }));
      expect([bad.status, bad.body.errors?.[0]?.field]).toEqual([400, 'dialing.endAt']);
    }
    const moved = await call(w.tenant, 'PATCH', `/v1/tasks/${res.body.id}`, { dialing: { endAt: '2026-12-10T12:00+09:00' } });
    expect([moved.status, moved.body.dialing.endAt]).toEqual([200, '2026-12-10T03:00:00.000Z']);
    expect((await call(w.tenant, 'PATCH', `/v1/tasks/${res.body.id}`, { dialing: { endAt: '2026-12-01T12:00Z' } })).body.code).toBe('END_BEFORE_START');
    const cleared = await call(w.tenant, 'PATCH', `/v1/tasks/${res.body.id}`, { dialing: { endAt: null } });
    expect([cleared.body.dialing.endAt, cleared.body.dialing.endAtLocal]).toEqual([null, null]);
  });

  it('when the dialer reports numbers it never loaded as expired in its drain, then progress counts them and the task completes', async () => {
    const w = await world(3);
    const t = (await call(w.tenant, 'POST', '/v1/tasks', w.body({ callingWindow: { start: '00:00', end: '24:00' } }))).body;
    await bus.publish(DialerNumberSettled, {
      tenantId: w.tenant, taskId: t.id, attemptId: randomUUID(), phone: phone(0), rowNumber: 2, attempt: 1, attempts: 0,
      outcome: 'expired', reason: 'END_TIME', settledAt: new Date().toISOString(), name: null, variables: {},
    });
    await bus.publish(DialerTaskDrained, { tenantId: w.tenant, taskId: t.id, finalCount: 3, cancelled: 0, expired: 2 });
    const done = await eventually(async () => {
      const v = (await call(w.tenant, 'GET', `/v1/tasks/${t.id}`)).body;
      return v.status === 'completed' ? v : undefined;
    });
    expect(done.progress).toMatchObject({ total: 3, pending: 0, expired: 3, percent: 100 });
  });
});

