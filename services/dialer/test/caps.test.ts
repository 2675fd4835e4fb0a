import { randomUUID } from 'node:crypto';
import * as amqp from 'amqplib';
import { EVENTS_EXCHANGE } from '@autocall/bus';
import { TenantLimitsUpdated, type TenantLimitsUpdatedT } from '@autocall/contracts';
import { asTenant, eventually, newTenantId, startTestService, testAmqpUrl } from '@autocall/testing';
import { createCarrier } from '../src/adapters/carrier-factory';
import { AttemptRepository } from '../src/data/attempt.repository';
import { buildApp, DIALER_SCHEMA, dialerMigrations } from '../src/app';
import { dialerConfigSchema } from '../src/config';
import type { Carrier } from '../src/domain/carrier';
import { dialerSql, dialerWorld, snapshot, startTask, type Dialer, type Entry } from './helpers';

/**
 * Contact caps across tasks, tenant call limits and fair sharing (issue 15), in the dialer: real
 * PostgreSQL and RabbitMQ, the simulated carrier, two dialer instances on their own connections
 * where replicas matter. A meter around each instance's carrier records when each INVITE left
 * and when the call ended, so concurrency is counted where the calls are.
 */
const w = dialerWorld(null);

interface Span {
  phone: string;
  start: number;
  end: number;
}

/** Records every call placed through the carriers it wraps (all instances of a test share it). */
class CallMeter {
  readonly spans: Span[] = [];

  wrap(inner: Carrier): Carrier {
    return {
      name: inner.name,
      maxChannels: inner.maxChannels,
      close: () => inner.close(),
      dial: async (req) => {
        const beforeSend = req.beforeSend!;
        let span: Span | undefined;
        try {
          return await inner.dial({
            ...req,
            beforeSend: (send) =>
              beforeSend(() => {
                send();
                span = { phone: req.phone, start: Date.now(), end: Infinity };
                this.spans.push(span);
              }),
          });
        } finally {
          if (span) span.end = Date.now();
        }
      },
    };
  }
}

/** The most of these calls up at once. */
const mostAtOnce = (spans: Span[]) => Math.max(0, ...spans.map((s) => spans.filter((o) => o.start <= s.start && o.end > s.start).length));

const dialers: Dialer[] = [];
afterEach(async () => {
  await Promise.all(dialers.splice(0).map((d) => d.close()));
});

/** A dialer instance (its own pool, its own bus connection) whose carrier calls go through `meter`. */
async function startDialer(opts: { id: string; env?: Record<string, string>; clock?: () => Date; meter?: CallMeter }): Promise<Dialer> {
  const d = await startTestService({
    name: 'dialer',
    schema: DIALER_SCHEMA,
    migrations: dialerMigrations,
    configSchema: dialerConfigSchema,
    buildApp: (deps) => {
      const carrier = createCarrier(deps.config, deps.db, deps.logger);
      return buildApp({ ...deps, clock: opts.clock, carrier: opts.meter ? opts.meter.wrap(carrier) : carrier });
    },
    env: { SIM_TIME_SCALE: '0', DIALER_TICK_MS: '20', DIALER_SWEEP_MS: '500', DIALER_ID: opts.id, ...opts.env },
  });
  dialers.push(d);
  return d;
}

/** `count` numbers under `prefix` (8 digits), ending in 0–4: answered, so none is retried. */
const numbers = (prefix: string, count: number): Entry[] =>
  Array.from({ length: count }, (_, i) => ({ rowNumber: i + 2, phone: `${prefix}${String(Math.floor(i / 5)).padStart(6, '0')}${i % 5}`, name: null, variables: {} }));

async function run(tenantId: string, entries: Entry[], over: Parameters<typeof snapshot>[0]['dialing'] = {}, rest: Partial<Parameters<typeof snapshot>[0]> = {}) {
  const s = snapshot({ tenantId, rosterId: w.roster.add(entries), total: entries.length, dialing: over, ...rest });
  w.events.watch(s.taskId);
  await startTask(w.bus, s);
  return s;
}

/** How many times the simulated carrier was asked to call each number, over these tasks. */
async function callsOf(taskIds: string[]): Promise<Map<string, number>> {
  const rows = await dialerSql<{ phone: string; n: number }>(
    `SELECT s.phone, count(*)::int AS n FROM sim_calls s JOIN call_attempts a ON a.id = s.attempt_id WHERE a.task_id = ANY ($1::uuid[]) GROUP BY s.phone`,
    [taskIds],
  );
  return new Map(rows.map((r) => [r.phone, r.n]));
}

const putPolicy = (d: Dialer, tenantId: string, body: object) => d.app.inject({ method: 'PUT', url: '/v1/contact-policy', headers: asTenant(tenantId), payload: body });

const limitsEvent = (tenantId: string, version: number, limits: Partial<TenantLimitsUpdatedT['limits']>): TenantLimitsUpdatedT => ({
  tenantId,
  version,
  limits: { maxConcurrentCalls: null, callsPerSecond: null, maxActiveTasks: null, storageBytes: null, smsPerDay: null, ...limits },
  updatedAt: new Date().toISOString(),
});

/** Publishes tenant.limits-updated as the gateway does and waits until the dialer has handled it (its inbox has the id). */
async function publishLimits(e: TenantLimitsUpdatedT): Promise<void> {
  const id = randomUUID();
  await w.bus.publish(TenantLimitsUpdated, e, { id });
  await eventually(async () => (await dialerSql(`SELECT 1 FROM dialer.inbox WHERE consumer = 'dialer.tenant-limits' AND message_id = $1`, [id])).length === 1, 10_000);
}

describe('the contact policy', () => {
  it('when it is read before it was set, then both caps are null; when it is replaced, then it reads back and contact-policy.updated is published; caps of 0 or 11 are 400 and change nothing', async () => {
    const d = await startDialer({ id: 'caps-a' });
    const tenantId = newTenantId();
    const conn = await amqp.connect(testAmqpUrl());
    try {
      const ch = await conn.createChannel();
      const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
      await ch.bindQueue(queue, EVENTS_EXCHANGE, 'contact-policy.updated');
      const seen: { tenantId: string; maxCallsPerNumberPerDay: number | null; maxSmsPerNumberPerDay: number | null }[] = [];
      await ch.consume(queue, (m) => m && seen.push((JSON.parse(m.content.toString()) as { payload: (typeof seen)[number] }).payload), { noAck: true });

      const first = await d.app.inject({ method: 'GET', url: '/v1/contact-policy', headers: asTenant(tenantId) });
      expect([first.statusCode, first.json()]).toEqual([200, { maxCallsPerNumberPerDay: null, maxSmsPerNumberPerDay: null, updatedAt: null }]);

      const put = await putPolicy(d, tenantId, { maxCallsPerNumberPerDay: 1, maxSmsPerNumberPerDay: 2 });
      expect(put.statusCode).toBe(200);
      expect(put.json()).toMatchObject({ maxCallsPerNumberPerDay: 1, maxSmsPerNumberPerDay: 2 });
      await eventually(() => seen.find((e) => e.tenantId === tenantId));
      expect(seen.filter((e) => e.tenantId === tenantId)).toEqual([expect.objectContaining({ maxCallsPerNumberPerDay: 1, maxSmsPerNumberPerDay: 2, updatedAt: put.json().updatedAt })]);

      for (const bad of [{ maxCallsPerNumberPerDay: 0, maxSmsPerNumberPerDay: null }, { maxCallsPerNumberPerDay: null, maxSmsPerNumberPerDay: 11 }, { maxCallsPerNumberPerDay: 1 }, { maxCallsPerNumberPerDay: 1.5, maxSmsPerNumberPerDay: null }, { maxCallsPerNumberPerDay: 1, maxSmsPerNumberPerDay: 1, extra: 1 }]) {
        const res = await putPolicy(d, tenantId, bad);
        expect([res.statusCode, res.headers['content-type']]).toEqual([400, expect.stringContaining('application/problem+json')]);
      }
      const after = await d.app.inject({ method: 'GET', url: '/v1/contact-policy', headers: asTenant(tenantId) });
      expect(after.json()).toEqual(put.json());
      // another tenant has its own (none)
      expect((await d.app.inject({ method: 'GET', url: '/v1/contact-policy', headers: asTenant(newTenantId()) })).json().maxCallsPerNumberPerDay).toBeNull();
      // lifted: null again
      expect((await putPolicy(d, tenantId, { maxCallsPerNumberPerDay: null, maxSmsPerNumberPerDay: null })).json()).toMatchObject({ maxCallsPerNumberPerDay: null, maxSmsPerNumberPerDay: null });
    } finally {
      await conn.close();
    }
  });
});

describe('the call cap across tasks', () => {
  it('when the cap is 1 and two tasks over the same roster run on two dialer replicas, then each number is called once that day in total and the rest wait for the next day’s window, when they are called', async () => {
    // (60 s: two days of calls on two replicas)
    // Tuesday 10:00 WIB; the window 08:00–17:00 opens next at Wednesday 08:00 WIB (01:00Z), 22 h on
    let now = new Date('2026-12-08T03:00:00Z');
    const clock = () => now;
    const a = await startDialer({ id: 'caps-1', clock });
    await startDialer({ id: 'caps-2', clock });
    const tenantId = newTenantId();
    expect((await putPolicy(a, tenantId, { maxCallsPerNumberPerDay: 1, maxSmsPerNumberPerDay: null })).statusCode).toBe(200);
    const roster = numbers('+628120', 40);
    const window = { start: '08:00', end: '17:00', days: [1, 2, 3, 4, 5, 6, 7] };
    const [s1, s2] = await Promise.all([run(tenantId, roster, { callingWindow: window }), run(tenantId, roster, { callingWindow: window })]);
    const ids = [s1.taskId, s2.taskId];

    // every number called once, the other task's attempt of it waiting for tomorrow
    const waiting = await eventually(
      async () => {
        const rows = await dialerSql<{ phone: string; wait_s: number }>(
          `SELECT phone, extract(epoch FROM (due_at - clock_timestamp()))::float8 AS wait_s FROM call_attempts WHERE task_id = ANY ($1::uuid[]) AND status = 'queued'`,
          [ids],
        );
        return rows.length === 40 && rows.every((r) => r.wait_s > 3600) && (await callsOf(ids)).size === 40 ? rows : undefined;
      },
      30_000,
      100,
    );
    const calls = await callsOf(ids);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(waiting.map((r) => r.phone))).toEqual(new Set(roster.map((e) => e.phone)));
    for (const r of waiting) expect(Math.abs(r.wait_s - 22 * 3600)).toBeLessThan(120);
    // a task drains only once all of its numbers were called (one may have taken every number today)
    for (const d of w.events.drained.filter((e) => ids.includes(e.taskId))) expect(d.finalCount).toBe(40);

    // the next day: the waiting numbers are called, once each
    now = new Date('2026-12-09T03:00:00Z');
    await dialerSql(`UPDATE call_attempts SET due_at = now() WHERE task_id = ANY ($1::uuid[]) AND status = 'queued'`, [ids]);
    await Promise.all(ids.map((id) => w.events.drainedOf(id, 30_000)));
    const total = await callsOf(ids);
    expect([...total.values()].every((n) => n === 2)).toBe(true);
    for (const id of ids) expect((await callsOf([id])).size).toBe(40);
  }, 60_000);

  it('when the cap is 2 and three tasks share the numbers, then each is called twice today across them; a tenant without a cap calls every task’s numbers', async () => {
    const now = new Date('2026-12-08T03:00:00Z');
    await startDialer({ id: 'caps-3', clock: () => now });
    const capped = newTenantId();
    expect((await putPolicy(dialers[0], capped, { maxCallsPerNumberPerDay: 2, maxSmsPerNumberPerDay: null })).statusCode).toBe(200);
    const roster = numbers('+628121', 10);
    const tasks = await Promise.all([1, 2, 3].map(() => run(capped, roster)));
    const free = newTenantId();
    const open = await Promise.all([1, 2].map(() => run(free, roster)));
    await Promise.all(open.map((s) => w.events.drainedOf(s.taskId)));
    const ids = tasks.map((s) => s.taskId);
    await eventually(async () => {
      const q = await dialerSql(`SELECT 1 FROM call_attempts WHERE task_id = ANY ($1::uuid[]) AND status = 'queued' AND due_at > now() + interval '1 hour'`, [ids]);
      return q.length === 10;
    }, 20_000);
    const calls = await callsOf(ids);
    expect([calls.size, [...calls.values()].every((n) => n === 2)]).toEqual([10, true]);
    const uncapped = await callsOf(open.map((s) => s.taskId));
    expect([...uncapped.values()].every((n) => n === 2)).toBe(true);
  });
});

describe('the call cap under a race', () => {
  it('when two replicas claim the same number for two tasks in the same instant, then exactly one of them gets it under a cap of 1', async () => {
    // the dialers' own loops see the window shut (20:00 WIB) and claim nothing; the two claims below see it open
    const evening = new Date('2026-12-08T13:00:00Z');
    const a = await startDialer({ id: 'race-1', clock: () => evening });
    const b = await startDialer({ id: 'race-2', clock: () => evening });
    const tenantId = newTenantId();
    expect((await putPolicy(a, tenantId, { maxCallsPerNumberPerDay: 1, maxSmsPerNumberPerDay: null })).statusCode).toBe(200);
    const roster = numbers('+628122', 1);
    const window = { start: '08:00', end: '17:00', days: [1, 2, 3, 4, 5, 6, 7] };
    const [t1, t2] = await Promise.all([run(tenantId, roster, { callingWindow: window }), run(tenantId, roster, { callingWindow: window })]);
    await eventually(async () => (await dialerSql(`SELECT 1 FROM call_attempts WHERE task_id = ANY ($1::uuid[]) AND status = 'queued'`, [[t1.taskId, t2.taskId]])).length === 2);

    const noon = () => new Date('2026-12-08T05:00:00Z');
    // claims waiting on a row lock (the count row: nothing else of these tasks is locked by another)
    const blocked = async (n: number) =>
      eventually(async () => (await dialerSql(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'WITH clock AS%'`)).length === n, 10_000, 20);
    // x1 holds task 2 (so the first claim takes task 1 only); x2 holds the number's count row, uncommitted
    const x1 = a.deps.db.createQueryRunner();
    const x2 = b.deps.db.createQueryRunner();
    await x1.connect();
    await x2.connect();
    try {
      await x1.startTransaction();
      await x1.query(`SELECT 1 FROM dialer.tasks WHERE task_id = $1 FOR UPDATE`, [t2.taskId]);
      await x2.startTransaction();
      await x2.query(`INSERT INTO dialer.contact_counts (tenant_id, phone, day, calls) VALUES ($1, $2, '2026-12-08', 0)`, [tenantId, roster[0].phone]);
      const first = new AttemptRepository(a.deps.db, noon).claimAndSettle('racer-1', 60_000, 10);
      await blocked(1);
      await x1.commitTransaction();
      const second = new AttemptRepository(b.deps.db, noon).claimAndSettle('racer-2', 60_000, 10);
      await blocked(2);
      // both claims wait on the same row, each holding its own task: let them go at once
      await x2.rollbackTransaction();
      const [r1, r2] = await Promise.all([first, second]);
      expect([r1.claimed.map((c) => c.taskId), r2.claimed.map((c) => c.taskId)].flat().length).toBe(1);
      expect(new Set([...r1.claimed, ...r2.claimed].map((c) => c.taskId)).size).toBe(1);
      const rows = await dialerSql<{ status: string; wait_h: number }>(
        `SELECT status, extract(epoch FROM (due_at - clock_timestamp()))::float8 / 3600 AS wait_h FROM call_attempts WHERE task_id = ANY ($1::uuid[]) ORDER BY status`,
        [[t1.taskId, t2.taskId]],
      );
      // the other waits for tomorrow's 08:00 WIB, 20 h after the claims' noon
      expect(rows.map((r) => r.status)).toEqual(['dialing', 'queued']);
      expect(Math.abs(rows[1].wait_h - 20)).toBeLessThan(0.05);
      expect(await dialerSql(`SELECT calls FROM dialer.contact_counts WHERE tenant_id = $1`, [tenantId])).toEqual([{ calls: 1 }]);
    } finally {
      if (x1.isTransactionActive) await x1.rollbackTransaction();
      if (x2.isTransactionActive) await x2.rollbackTransaction();
      await x1.release();
      await x2.release();
    }
  });
});

describe('tenant limits across replicas', () => {
  it('when the tenant may have 2 calls at once (version 2, a late version 1 without limits ignored), then two replicas never hold more than 2 of its calls; another tenant is not held to it', async () => {
    const meter = new CallMeter();
    const env = { SIM_TIME_SCALE: '0.1' };
    await startDialer({ id: 'lim-1', env, meter });
    await startDialer({ id: 'lim-2', env, meter });
    const tenantId = newTenantId();
    await publishLimits(limitsEvent(tenantId, 2, { maxConcurrentCalls: 2 }));
    await publishLimits(limitsEvent(tenantId, 1, {}));
    const tasks = await Promise.all(['+628130', '+628131'].map((p) => run(tenantId, numbers(p, 12), {}, { recordingDurationMs: 2000 })));
    const other = await run(newTenantId(), numbers('+628139', 12), {}, { recordingDurationMs: 2000 });
    await Promise.all([...tasks, other].map((s) => w.events.drainedOf(s.taskId, 30_000)));
    expect((await callsOf(tasks.map((s) => s.taskId))).size).toBe(24);
    // the tenant's calls at once, both tasks and both replicas together
    const spans = meter.spans.filter((s) => s.phone.startsWith('+62813') && !s.phone.startsWith('+628139'));
    expect([spans.length, mostAtOnce(spans)]).toEqual([24, 2]);
    // not this tenant's limit: the other's twelve calls overlap more than two at a time
    const others = meter.spans.filter((s) => s.phone.startsWith('+628139'));
    expect(mostAtOnce(others)).toBeGreaterThan(2);
  }, 45_000);

  it('when the tenant may place 3 calls a second, then over any stretch its two tasks on two replicas together place at most 3 + 3 per second of it', async () => {
    const meter = new CallMeter();
    await startDialer({ id: 'cps-1', meter });
    await startDialer({ id: 'cps-2', meter });
    const tenantId = newTenantId();
    await publishLimits(limitsEvent(tenantId, 1, { callsPerSecond: 3 }));
    const tasks = await Promise.all(['+628140', '+628141'].map((p) => run(tenantId, numbers(p, 12))));
    await Promise.all(tasks.map((s) => w.events.drainedOf(s.taskId, 40_000)));
    // the claims' own times (the bucket is drawn from at them), both replicas
    const starts = (
      await dialerSql<{ t: number }>(
        `SELECT extract(epoch FROM s.placed_at)::float8 * 1000 AS t FROM sim_calls s JOIN call_attempts a ON a.id = s.attempt_id WHERE a.task_id = ANY ($1::uuid[]) ORDER BY s.placed_at`,
        [tasks.map((s) => s.taskId)],
      )
    ).map((r) => r.t);
    expect(starts).toHaveLength(24);
    // a bucket of 3 refilled at 3/s; 100 ms allowed for the claim-to-INVITE step
    const over: string[] = [];
    for (let i = 0; i < starts.length; i++) {
      for (let j = i; j < starts.length; j++) if (j - i + 1 > 3 + Math.floor((3 * (starts[j] - starts[i] + 100)) / 1000)) over.push(`${j - i + 1} calls in ${Math.round(starts[j] - starts[i])} ms`);
    }
    expect(over).toEqual([]);
  });
});

describe('fair sharing of channels', () => {
  it('when one tenant runs 50 tasks and another 1 on a carrier of 20 channels, then while both have work the single task holds at least 40 % of the channels in every 10 s window', async () => {
    const meter = new CallMeter();
    // calls of about two seconds (3 s ringing and a 1 s recording at half of real time), and a
    // channel refilled within 20 ms of its call's end: the share measured is the dialer's choice,
    // not the gaps of a slow tick on a loaded machine (at 100 ms and one-second calls it fell to
    // 0.39 at load 12 while the split itself was even)
    await startDialer({ id: 'fair-1', env: { SIM_TIME_SCALE: '0.5', SIM_MAX_CHANNELS: '20', DIALER_TICK_MS: '20' }, meter });
    const many = newTenantId();
    const one = newTenantId();
    const dialing = { maxConcurrentCalls: 20 };
    const manyTasks = await Promise.all(Array.from({ length: 50 }, (_, i) => run(many, numbers(`+62815${String(i).padStart(2, '0')}`, 4), dialing, { recordingDurationMs: 1000 })));
    const single = await run(one, numbers('+6281699', 120), dialing, { recordingDurationMs: 1000 });
    await Promise.all([single, ...manyTasks].map((s) => w.events.drainedOf(s.taskId, 90_000)));

    const of = (prefix: string) => meter.spans.filter((s) => s.phone.startsWith(prefix));
    const a = of('+62815');
    const b = of('+62816');
    expect([a.length, b.length]).toEqual([200, 120]);
    // both have work from the single task's first call (the fifty were started first)
    const from = Math.max(Math.min(...a.map((s) => s.start)), Math.min(...b.map((s) => s.start)));
    // both have work until the first of them places its last call
    const until = Math.min(Math.max(...a.map((s) => s.start)), Math.max(...b.map((s) => s.start)));
    const windows: number[] = [];
    for (let t = from; t + 10_000 <= until; t += 10_000) {
      const held = b.reduce((ms, s) => ms + Math.max(0, Math.min(s.end, t + 10_000) - Math.max(s.start, t)), 0);
      windows.push(held / (20 * 10_000));
    }
    expect(windows.length).toBeGreaterThanOrEqual(1);
    for (const share of windows) expect(share).toBeGreaterThanOrEqual(0.4);
  }, 120_000);
});
