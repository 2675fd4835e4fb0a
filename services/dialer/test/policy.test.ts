import * as amqp from 'amqplib';
import { EVENTS_EXCHANGE } from '@autocall/bus';
import { TaskCreated, TaskStarted, type DncChangedT } from '@autocall/contracts';
import { testAmqpUrl } from '@autocall/testing';
import { asTenant, eventually, newTenantId } from '@autocall/testing';
import { AttemptRepository } from '../src/data/attempt.repository';
import { TaskRepository } from '../src/data/task.repository';
import { callsPerNumber, dialerSql, dialerWorld, rosterOf, snapshot, startDialer, startTask, type Dialer } from './helpers';

/**
 * The dialing policy in the dialer (issue 15): the do-not-call list at the claim and at the
 * pre-INVITE check, blackout days and the task's time zone, with the dialing policy's clock
 * injected where the hour matters. Component tests: real PostgreSQL and RabbitMQ, the simulated
 * carrier (it records every call it is asked to place).
 */
const w = dialerWorld(null);

let dialer: Dialer | undefined;
afterEach(async () => {
  await dialer?.close();
  dialer = undefined;
});

const inject = (method: string, url: string, tenantId: string, payload?: object) =>
  dialer!.app.inject({ method: method as 'GET', url, headers: asTenant(tenantId), ...(payload ? { payload } : {}) });

async function run(tenantId: string, count: number, dialing: Parameters<typeof snapshot>[0]['dialing'] = {}, timezone = 'Asia/Jakarta') {
  const s = snapshot({ tenantId, rosterId: w.roster.add(rosterOf(count)), total: count, dialing, timezone });
  w.events.watch(s.taskId);
  await startTask(w.bus, s);
  return s;
}

/** Runs `probe` (a task that may dial now) to its drain: by then the dialer has had every chance to dial the others. */
async function afterProbe(tenantId: string) {
  const probe = await run(tenantId, 3, { skipBlackouts: false });
  await w.events.drainedOf(probe.taskId);
}

describe('the do-not-call list in the dialer', () => {
  it('when numbers are listed before the task runs, then they are never dialled: suppressed (DNC, attempts 0), not calls; the others are called', async () => {
    dialer = await startDialer();
    const tenantId = newTenantId();
    const entries = rosterOf(20);
    const listed = entries.filter((_, i) => i % 5 === 0).map((e) => e.phone);
    // as a person writes them: national, with the country code, E.164
    for (const [i, phone] of listed.entries()) {
      const raw = i % 3 === 0 ? `0${phone.slice(3)}` : i % 3 === 1 ? phone.slice(1) : phone;
      const res = await inject('POST', '/v1/dnc', tenantId, { phone: raw, reason: 'asked' });
      expect([res.statusCode, res.json().phone]).toEqual([201, phone]);
    }
    const s = snapshot({ tenantId, rosterId: w.roster.add(entries), total: 20 });
    w.events.watch(s.taskId);
    await startTask(w.bus, s);
    expect(await w.events.drainedOf(s.taskId)).toMatchObject({ finalCount: 20, cancelled: 0 });

    const calls = await callsPerNumber(s.taskId);
    expect(listed.filter((p) => calls.has(p))).toEqual([]);
    expect(calls.size).toBe(16);
    await eventually(() => w.events.settled.filter((e) => e.taskId === s.taskId).length === 4);
    const settled = w.events.settled.filter((e) => e.taskId === s.taskId);
    expect(settled.map((e) => [e.phone, e.outcome, e.reason, e.attempts, e.attempt]).sort()).toEqual(listed.map((p) => [p, 'suppressed', 'DNC', 0, 1]).sort());
    await eventually(() => w.events.callsOf(s.taskId).length === 16);
    expect(w.events.callsOf(s.taskId).filter((c) => listed.includes(c.phone))).toEqual([]);

    // the calls list has no never-dialled number; the report has every number, the listed ones suppressed with 0 attempts
    const list = await inject('GET', `/v1/tasks/${s.taskId}/calls?limit=200`, tenantId);
    expect(list.json().items.filter((c: { phone: string }) => listed.includes(c.phone))).toEqual([]);
    const csv = (await inject('GET', `/v1/tasks/${s.taskId}/report?format=csv`, tenantId)).body;
    const lines = csv.split('\r\n').filter((l) => listed.some((p) => l.includes(p.slice(1))));
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).toMatch(/,suppressed,/);
  });

  it('when a number is listed while its attempt waits for a retry, then the retry is suppressed (attempts 1) and not dialled', async () => {
    dialer = await startDialer();
    const tenantId = newTenantId();
    const s = await run(tenantId, 10, { maxAttempts: 2, retryDelayMinutes: 30 });
    await eventually(() => w.events.callsOf(s.taskId).length === 10);
    const busy = rosterOf(10)[6].phone; // ends in 6: busy, retried
    expect((await inject('POST', '/v1/dnc', tenantId, { phone: busy })).statusCode).toBe(201);
    // the retry's time comes (the test moves it, rather than waiting 30 minutes)
    await dialerSql(`UPDATE call_attempts SET due_at = now() WHERE task_id = $1 AND status = 'queued'`, [s.taskId]);
    await w.events.drainedOf(s.taskId);
    expect((await callsPerNumber(s.taskId)).get(busy)).toBe(1);
    await eventually(() => w.events.settled.some((e) => e.taskId === s.taskId));
    expect(w.events.settled.filter((e) => e.taskId === s.taskId).map((e) => [e.phone, e.outcome, e.attempt, e.attempts])).toEqual([[busy, 'suppressed', 2, 1]]);
  });

  it('when a number is listed after its attempt was claimed, then the pre-INVITE check does not send it and settles it suppressed', async () => {
    dialer = await startDialer({ DIALER_ID: 'gate-test' });
    const tenantId = newTenantId();
    const s = snapshot({ tenantId, rosterId: w.roster.add([]), total: 1, status: 'scheduled' });
    await w.bus.publish(TaskCreated, s); // known to the dialer, never started: only the attempt below exists
    await eventually(async () => (await dialerSql(`SELECT 1 FROM tasks WHERE task_id = $1`, [s.taskId])).length === 1);
    const phone = '+6281200000015';
    const [{ id }] = await dialerSql<{ id: string }>(
      `INSERT INTO call_attempts (id, task_id, phone, row_number, attempt, status, due_at, claimed_by, lease_until, started_at)
       VALUES (gen_random_uuid(), $1, $2, 2, 1, 'dialing', now(), 'me', now() + interval '1 minute', now()) RETURNING id`,
      [s.taskId, phone],
    );
    expect((await inject('POST', '/v1/dnc', tenantId, { phone })).statusCode).toBe(201);
    const gate = new TaskRepository(dialer.deps.db);
    let sent = false;
    const verdict = await gate.whileDialable({ id, taskId: s.taskId, tenantId, phone, attempt: 1, notPlaced: 0, notPlacedFailed: 0 }, 'me', () => (sent = true));
    expect([verdict, sent]).toEqual(['settled', false]);
    const [row] = await dialerSql(`SELECT status, final, outcome, failure_reason, sent_at FROM call_attempts WHERE id = $1`, [id]);
    expect(row).toEqual({ status: 'completed', final: true, outcome: 'suppressed', failure_reason: 'DNC', sent_at: null });
    const [event] = await dialerSql<{ payload: { outcome: string; attempts: number } }>(`SELECT payload FROM outbox WHERE name = 'dialer.number.settled' AND payload->>'attemptId' = $1`, [id]);
    expect(event.payload).toMatchObject({ outcome: 'suppressed', attempts: 0 });
  });
});

describe('the do-not-call list announces its changes', () => {
  it('when a number is listed and removed, then dnc.changed says so once each, with versions that grow; a repeat add or a removal of an unlisted number announces nothing', async () => {
    dialer = await startDialer();
    const tenantId = newTenantId();
    const seen: DncChangedT[] = [];
    const conn = await amqp.connect(testAmqpUrl());
    try {
      const ch = await conn.createChannel();
      const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
      await ch.bindQueue(queue, EVENTS_EXCHANGE, 'dnc.changed');
      await ch.consume(queue, (msg) => {
        const payload = msg && (JSON.parse(msg.content.toString()) as { payload: DncChangedT }).payload;
        if (payload?.tenantId === tenantId) seen.push(payload);
      }, { noAck: true });
      expect((await inject('POST', '/v1/dnc', tenantId, { phone: '087630021399' })).statusCode).toBe(201);
      expect((await inject('POST', '/v1/dnc', tenantId, { phone: '+6287630021399' })).statusCode).toBe(200);
      expect((await inject('DELETE', '/v1/dnc/087630021399', tenantId)).statusCode).toBe(204);
      expect((await inject('DELETE', '/v1/dnc/087630021399', tenantId)).statusCode).toBe(404);
      expect((await inject('POST', '/v1/dnc', tenantId, { phone: '087630021398' })).statusCode).toBe(201);
      // the relay publishes in commit order: once the last change is here, any extra one would have come before it
      await eventually(() => seen.some((e) => e.phones[0] === '+6287630021398'));
      const byVersion = [...seen].sort((a, b) => a.version - b.version);
      expect(byVersion.map((e) => [e.phones, e.listed])).toEqual([
        [['+6287630021399'], true],
        [['+6287630021399'], false],
        [['+6287630021398'], true],
      ]);
    } finally {
      await conn.close();
    }
  });
});

describe('a number listed while its call rings', () => {
  it('when its result is committed, then call.completed says dnc: true (its SMS is skipped) and no retry is dialled', async () => {
    dialer = await startDialer({ DIALER_ID: 'result-test' });
    const tenantId = newTenantId();
    const s = snapshot({ tenantId, rosterId: w.roster.add([]), total: 1, status: 'scheduled', dialing: { maxAttempts: 3, retryDelayMinutes: 0 } });
    await w.bus.publish(TaskCreated, s);
    await eventually(async () => (await dialerSql(`SELECT 1 FROM tasks WHERE task_id = $1`, [s.taskId])).length === 1);
    const phone = '+6281200000026';
    const [{ id }] = await dialerSql<{ id: string }>(
      `INSERT INTO call_attempts (id, task_id, phone, row_number, attempt, status, due_at, claimed_by, lease_until, started_at, sent_at)
       VALUES (gen_random_uuid(), $1, $2, 2, 1, 'dialing', now(), 'me', now() + interval '1 minute', now(), now()) RETURNING id`,
      [s.taskId, phone],
    );
    expect((await inject('POST', '/v1/dnc', tenantId, { phone })).statusCode).toBe(201);
    const attempt = { id, taskId: s.taskId, tenantId, phone, rowNumber: 2, attempt: 1, name: null, variables: {}, ringTimeoutSeconds: 30, callerId: null, recordingId: null, recordingDurationMs: 0, notPlaced: 0, notPlacedFailed: 0 };
    const now = new Date();
    await new AttemptRepository(dialer.deps.db).writeResults([{ attempt, result: { outcome: 'busy', hangupBy: null, sipCode: 486, failureReason: null, retryable: true, startedAt: now, answeredAt: null, endedAt: now } }]);
    const [event] = await dialerSql<{ payload: { dnc?: boolean; final: boolean } }>(`SELECT payload FROM outbox WHERE name = 'call.completed' AND payload->>'attemptId' = $1`, [id]);
    expect(event.payload).toMatchObject({ dnc: true, final: false });
    // the retry it queued is suppressed when its turn comes, never dialled
    await w.bus.publish(TaskStarted, { ...s, status: 'running' });
    await eventually(async () => (await dialerSql(`SELECT outcome FROM call_attempts WHERE task_id = $1 AND attempt = 2`, [s.taskId]))[0]?.outcome === 'suppressed');
    expect((await callsPerNumber(s.taskId)).size).toBe(0);
  });
});

describe('blackouts and time zones in the dialer (the policy clock injected)', () => {
  const window = { start: '08:00', end: '17:00', days: [1, 2, 3, 4, 5, 6, 7] };

  it('when a task in Asia/Jayapura (UTC+9) has 08:00–17:00 and it is 23:30Z (08:30 WIT), then it dials', async () => {
    dialer = await startDialer({}, () => new Date('2026-12-01T23:30:00Z'));
    const s = await run(newTenantId(), 5, { callingWindow: window, timeZone: 'Asia/Jayapura' }, 'Asia/Jayapura');
    expect(await w.events.drainedOf(s.taskId)).toMatchObject({ finalCount: 5 });
    expect((await callsPerNumber(s.taskId)).size).toBe(5);
  });

  it('when it is 08:30Z (17:30 WIT, 15:30 WIB), then the Jayapura task does not dial while a task open all day does', async () => {
    dialer = await startDialer({}, () => new Date('2026-12-02T08:30:00Z'));
    const tenantId = newTenantId();
    const s = await run(tenantId, 5, { callingWindow: window, timeZone: 'Asia/Jayapura' }, 'Asia/Jayapura');
    await eventually(async () => (await dialerSql(`SELECT 1 FROM call_attempts WHERE task_id = $1`, [s.taskId])).length === 5);
    await afterProbe(tenantId);
    expect((await callsPerNumber(s.taskId)).size).toBe(0);
  });

  it("when today is one of the tenant's blackout days in the task's zone, then it dials nothing unless skipBlackouts is false; the next day it dials", async () => {
    const day = new Date('2026-12-25T03:00:00Z'); // 10:00 WIB on the 25th
    dialer = await startDialer({}, () => day);
    const tenantId = newTenantId();
    const put = await inject('PUT', '/v1/calendar', tenantId, { blackouts: [{ date: '2026-12-25', name: 'Christmas' }, { from: '2026-12-31', to: '2027-01-01', name: 'New year' }] });
    expect([put.statusCode, put.json().blackouts]).toEqual([200, [{ date: '2026-12-25', name: 'Christmas' }, { from: '2026-12-31', to: '2027-01-01', name: 'New year' }]]);
    const s = await run(tenantId, 5);
    await eventually(async () => (await dialerSql(`SELECT 1 FROM call_attempts WHERE task_id = $1`, [s.taskId])).length === 5);
    await afterProbe(tenantId); // skipBlackouts: false, so it dials on the blackout day
    expect((await callsPerNumber(s.taskId)).size).toBe(0);

    await dialer.close();
    dialer = await startDialer({}, () => new Date('2026-12-25T17:00:00Z')); // 00:00 WIB on the 26th
    expect(await w.events.drainedOf(s.taskId)).toMatchObject({ finalCount: 5 });
  });
});

describe('retries per outcome (dialing.retry)', () => {
  it('when busy has 3 attempts and no_answer 2 (unavailable left out: maxAttempts 1), then each is retried by its own rule and only the last attempt is final', async () => {
    dialer = await startDialer();
    const s = await run(newTenantId(), 10, { maxAttempts: 1, retryDelayMinutes: 0, retry: { busy: { maxAttempts: 3, delayMinutes: 0 }, no_answer: { maxAttempts: 2, delayMinutes: 0 } } });
    expect(await w.events.drainedOf(s.taskId)).toMatchObject({ finalCount: 10 });
    const calls = await callsPerNumber(s.taskId);
    const byDigit = (d: string) => [...calls.entries()].find(([p]) => p.endsWith(d))?.[1];
    // 5 no answer: 2; 6 busy: 3; 7 unavailable: 1; 8 no answer then answered: 2; the answered and 9 (failed): 1
    expect(['0', '3', '5', '6', '7', '8', '9'].map(byDigit)).toEqual([1, 1, 2, 3, 1, 2, 1]);
    await eventually(() => w.events.callsOf(s.taskId).length === 14);
    const busy = w.events.callsOf(s.taskId).filter((c) => c.phone.endsWith('6')).sort((a, b) => a.attempt - b.attempt);
    expect(busy.map((c) => [c.attempt, c.final])).toEqual([[1, false], [2, false], [3, true]]);
  });

  it("when an outcome's delay is longer, then its retry waits that long while another outcome's comes at once", async () => {
    dialer = await startDialer();
    const s = await run(newTenantId(), 10, { maxAttempts: 2, retryDelayMinutes: 0, retry: { unavailable: { maxAttempts: 2, delayMinutes: 90 } } });
    await eventually(async () => (await dialerSql(`SELECT 1 FROM call_attempts WHERE task_id = $1 AND attempt = 2 AND status = 'queued' AND phone LIKE '%7'`, [s.taskId])).length === 1);
    const [wait] = await dialerSql<{ minutes: number }>(`SELECT extract(epoch FROM due_at - now()) / 60 AS minutes FROM call_attempts WHERE task_id = $1 AND attempt = 2 AND phone LIKE '%7'`, [s.taskId]);
    expect(Number(wait.minutes)).toBeGreaterThan(89);
    // busy (6) used maxAttempts/retryDelayMinutes: retried at once
    await eventually(() => w.events.callsOf(s.taskId).some((c) => c.phone.endsWith('6') && c.attempt === 2));
  });
});

describe('the end time (dialing.endAt)', () => {
  it('when the end time comes mid-run, then no call starts after it, calls in flight finish, every pending number (queued or waiting for a retry) ends expired, and the task drains', async () => {
    // calls take ~0.3–1.3 s (SIM_TIME_SCALE 0.1), 4 at a time: at the end some are done, some ringing, most queued
    dialer = await startDialer({ SIM_TIME_SCALE: '0.1', DIALER_SWEEP_MS: '200' });
    const endAt = new Date(Date.now() + 2500);
    const s = await run(newTenantId(), 40, { maxConcurrentCalls: 4, maxAttempts: 3, retryDelayMinutes: 0, endAt: endAt.toISOString() });
    const drained = await w.events.drainedOf(s.taskId, 30_000);
    expect(drained).toMatchObject({ finalCount: 40, cancelled: 0 });
    // a call whose last check came before the end leaves at most one database round trip later (its sent_at write): 250 ms allowed
    const [late] = await dialerSql<{ n: number }>(`SELECT count(*)::int AS n FROM sim_calls s JOIN call_attempts a ON a.id = s.attempt_id WHERE a.task_id = $1 AND s.placed_at >= $2`, [s.taskId, new Date(endAt.getTime() + 250)]);
    expect(late.n).toBe(0);
    const rows = await dialerSql<{ outcome: string; n: number }>(`SELECT outcome, count(DISTINCT row_number)::int AS n FROM call_attempts WHERE task_id = $1 AND final GROUP BY outcome`, [s.taskId]);
    const expired = rows.find((r) => r.outcome === 'expired')?.n ?? 0;
    expect(expired).toBeGreaterThan(0);
    expect(rows.reduce((sum, r) => sum + r.n, 0)).toBe(40);
    // every call that was placed has its result (in flight at the end: finished, not expired)
    const placed = (await dialerSql(`SELECT DISTINCT a.id FROM sim_calls s JOIN call_attempts a ON a.id = s.attempt_id WHERE a.task_id = $1`, [s.taskId])).length;
    await eventually(() => w.events.callsOf(s.taskId).length === placed);
    await eventually(() => w.events.settled.filter((e) => e.taskId === s.taskId && e.outcome === 'expired').length === expired);
  });

  it('when the end time has passed as the roster loads, then every number is counted: the loaded ones expired one by one, any never loaded as expired in the drain', async () => {
    dialer = await startDialer({ DIALER_SWEEP_MS: '200', DIALER_ROSTER_PAGE_SIZE: '5' }, () => new Date(Date.now() + 3600_000));
    const s = await run(newTenantId(), 20, { endAt: new Date(Date.now() + 60_000).toISOString() });
    const drained = await w.events.drainedOf(s.taskId);
    expect((await callsPerNumber(s.taskId)).size).toBe(0);
    const [loaded] = await dialerSql<{ n: number }>(`SELECT count(*)::int AS n FROM call_attempts WHERE task_id = $1 AND outcome = 'expired'`, [s.taskId]);
    expect(drained.finalCount).toBe(20);
    expect((drained as { expired?: number }).expired ?? 0).toBe(20 - loaded.n);
  });
});

