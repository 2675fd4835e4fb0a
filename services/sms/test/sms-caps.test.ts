/**
 * The SMS caps (API.md): the tenant's smsPerDay (from tenant.limits-updated) → `skipped`
 * TENANT_LIMIT, the contact policy's maxSmsPerNumberPerDay (from contact-policy.updated, published
 * here as the dialer would) → `skipped` CONTACT_LIMIT; both across all of the tenant's tasks, per
 * calendar day of the task's time zone, and never passed with two sms replicas on one queue.
 */
import { randomUUID } from 'node:crypto';
import { CallCompleted, ContactPolicyUpdated, NO_TENANT_LIMITS, TenantLimitsUpdated } from '@autocall/contracts';
import type { Bus } from '@autocall/bus';
import { connectTestBus, eventually, newTenantId, testLogger } from '@autocall/testing';
import { FollowUpService } from '../src/usecases/follow-up.service';
import { capsRepository } from '../src/data/caps.repository';
import { callCompleted, createTemplate, deleteTestQueues, messagesOf, publishCall, publishTask, putAccount, startSms, taskSnapshot, testQueuePrefix, type Sms } from './helpers';

let a: Sms;
let b: Sms;
let bus: Bus;

beforeAll(async () => {
  // two replicas on the same queues: they share the work as in production; 48 h so calls of yesterday (local) may still get their SMS
  const env = { SMS_QUEUE_PREFIX: testQueuePrefix(), SMS_MAX_DELAY_HOURS: '48', SMS_CONSUMER_BATCH: '10' };
  a = await startSms(env);
  b = await startSms(env);
  bus = await connectTestBus('smscaps');
}, 60_000);
afterAll(async () => {
  await a?.close();
  await b?.close();
  await bus?.close();
  await deleteTestQueues();
});

const rows = async (sql: string, params: unknown[]) => (await a.deps.db.query(sql, params)) as Record<string, unknown>[];

async function tenantWithTemplate() {
  const tenantId = newTenantId();
  await putAccount(a, tenantId, { senderId: 'PROMO' });
  const disconnect = await createTemplate(a, tenantId, 'Thanks {{name}}');
  return { tenantId, disconnect };
}

async function knownTask(tenantId: string, disconnect: string, timezone = 'Asia/Jakarta') {
  const task = { ...taskSnapshot({ tenantId, disconnect: { templateId: disconnect } }), timezone };
  task.dialing = { ...task.dialing, timeZone: timezone };
  await publishTask(bus, task);
  await eventually(async () => (await rows(`SELECT 1 FROM tasks WHERE task_id = $1`, [task.taskId])).length > 0);
  return task;
}

async function smsPerDay(tenantId: string, n: number | null) {
  await bus.publish(TenantLimitsUpdated, { tenantId, version: 1, limits: { ...NO_TENANT_LIMITS, smsPerDay: n }, updatedAt: new Date().toISOString() });
  await eventually(async () => (await rows(`SELECT 1 FROM tenant_limits WHERE tenant_id = $1 AND version = 1`, [tenantId])).length > 0);
}

async function perNumber(tenantId: string, n: number | null, updatedAt = new Date().toISOString()) {
  await bus.publish(ContactPolicyUpdated, { tenantId, maxCallsPerNumberPerDay: null, maxSmsPerNumberPerDay: n, updatedAt });
  await eventually(async () => (await rows(`SELECT 1 FROM contact_policies WHERE tenant_id = $1 AND updated_at = $2`, [tenantId, updatedAt])).length > 0);
}

/** The tenant's messages of these tasks once none is queued any more. */
async function settled(tenantId: string, taskIds: string[], expected: number) {
  return eventually(async () => {
    const items = (await Promise.all(taskIds.map((t) => messagesOf(a, tenantId, t)))).flat();
    return items.length === expected && items.every((i) => i.status !== 'queued') ? items : undefined;
  }, 20_000);
}

const phone = (i: number) => `+62812700${String(i).padStart(5, '0')}`;
const answered = (i: number, endedAt?: string) => ({ phone: phone(i), outcome: 'answered' as const, hangupBy: 'callee' as const, ...(endedAt ? { endedAt } : {}) });

describe('SMS caps', () => {
  it('when a tenant has smsPerDay 3, then of its follow-ups of one day across two tasks 3 are sent and the rest are skipped TENANT_LIMIT; another tenant is not limited', async () => {
    const w = await tenantWithTemplate();
    const other = await tenantWithTemplate();
    await smsPerDay(w.tenantId, 3);
    const [t1, t2] = [await knownTask(w.tenantId, w.disconnect), await knownTask(w.tenantId, w.disconnect)];
    const free = await knownTask(other.tenantId, other.disconnect);
    await Promise.all([
      ...[0, 1, 2, 3].map((i) => publishCall(bus, callCompleted(t1, answered(i)))),
      ...[4, 5, 6].map((i) => publishCall(bus, callCompleted(t2, answered(i)))),
      ...[0, 1, 2, 3, 4].map((i) => publishCall(bus, callCompleted(free, answered(i)))),
    ]);
    const items = await settled(w.tenantId, [t1.taskId, t2.taskId], 7);
    expect(items.filter((i) => i.status === 'sent')).toHaveLength(3);
    expect(items.filter((i) => i.status === 'skipped').map((i) => i.failureReason)).toEqual(['TENANT_LIMIT', 'TENANT_LIMIT', 'TENANT_LIMIT', 'TENANT_LIMIT']);
    expect((await rows(`SELECT count(*)::int AS n FROM simulated_outbox WHERE task_id = ANY($1::uuid[])`, [[t1.taskId, t2.taskId]]))[0].n).toBe(3);
    expect((await settled(other.tenantId, [free.taskId], 5)).every((i) => i.status === 'sent')).toBe(true);
  });

  it('when the contact policy caps SMS at 1 per number per day, then a number called by two tasks gets one SMS and the other is skipped CONTACT_LIMIT, whichever replica decides', async () => {
    const w = await tenantWithTemplate();
    await perNumber(w.tenantId, 1);
    const tasks = await Promise.all([1, 2, 3, 4].map(() => knownTask(w.tenantId, w.disconnect)));
    // numbers 10 and 11 are in every task; 12 only in the first
    await Promise.all([...tasks.flatMap((t) => [10, 11].map((i) => publishCall(bus, callCompleted(t, answered(i))))), publishCall(bus, callCompleted(tasks[0], answered(12)))]);
    const items = await settled(w.tenantId, tasks.map((t) => t.taskId), 9);
    const sentTo = items.filter((i) => i.status === 'sent').map((i) => i.phone).sort();
    expect(sentTo).toEqual([phone(10), phone(11), phone(12)]);
    expect(items.filter((i) => i.status === 'skipped').map((i) => i.failureReason)).toEqual(Array(6).fill('CONTACT_LIMIT'));
  });

  it('when replicas decide follow-ups of one number at the same instant, then the cap still holds (the counter row is locked)', async () => {
    const w = await tenantWithTemplate();
    await perNumber(w.tenantId, 2);
    await smsPerDay(w.tenantId, 3);
    const tasks = await Promise.all(Array.from({ length: 12 }, () => knownTask(w.tenantId, w.disconnect)));
    // what each replica's consumer does with a batch, called at once on both (the broker gives no such instant to wait for)
    const replicas = [a, b].map((s) => new FollowUpService(s.deps.db, s.deps.relay, testLogger(), () => undefined, 48 * 3_600_000));
    const batch = (t: (typeof tasks)[number], i: number) => {
      const payload = callCompleted(t, answered(i < 6 ? 30 : 31 + i));
      return [{ contract: CallCompleted, payload, ctx: { id: randomUUID(), name: CallCompleted.name, version: CallCompleted.version, retries: 0, parked: 0, redelivered: false } }];
    };
    await Promise.all(tasks.map((t, i) => replicas[i % 2].onCallCompletedBatch(batch(t, i))));
    const items = await settled(w.tenantId, tasks.map((t) => t.taskId), 12);
    const counted = items.filter((i) => i.status !== 'skipped');
    // which ones win depends on the order the transactions take the locks; how many never does
    expect(counted).toHaveLength(3);
    expect(counted.filter((i) => i.phone === phone(30)).length).toBeLessThanOrEqual(2);
    const skipped = items.filter((i) => i.status === 'skipped');
    expect(skipped).toHaveLength(9);
    expect(skipped.every((i) => i.failureReason === 'CONTACT_LIMIT' || i.failureReason === 'TENANT_LIMIT')).toBe(true);
  });

  it("when calls end either side of the task zone's midnight, then each local day has its own count (Asia/Jayapura, UTC+9)", async () => {
    const w = await tenantWithTemplate();
    await perNumber(w.tenantId, 1);
    const task = await knownTask(w.tenantId, w.disconnect, 'Asia/Jayapura');
    const other = await knownTask(w.tenantId, w.disconnect, 'Asia/Jayapura');
    const third = await knownTask(w.tenantId, w.disconnect, 'Asia/Jayapura');
    // the latest 15:00Z (00:00 WIT) before now
    const midnight = new Date(Date.now());
    midnight.setUTCHours(15, 0, 0, 0);
    if (midnight.getTime() > Date.now()) midnight.setUTCDate(midnight.getUTCDate() - 1);
    const before = new Date(midnight.getTime() - 60_000).toISOString(); // 23:59 WIT of the day before
    const after = new Date(midnight.getTime() + 60_000).toISOString(); // 00:01 WIT
    await publishCall(bus, callCompleted(task, answered(20, before)));
    await settled(w.tenantId, [task.taskId], 1);
    await publishCall(bus, callCompleted(other, answered(20, after)));
    await settled(w.tenantId, [other.taskId], 1);
    await publishCall(bus, callCompleted(third, answered(20, after)));
    const items = await settled(w.tenantId, [task.taskId, other.taskId, third.taskId], 3);
    const byTask = (id: string) => items.filter((i) => i.taskId === id).map((i) => [i.status, i.failureReason]);
    expect([byTask(task.taskId), byTask(other.taskId), byTask(third.taskId)]).toEqual([[['sent', null]], [['sent', null]], [['skipped', 'CONTACT_LIMIT']]]);
  });

  it('when an older contact policy arrives after a newer one, then the newer one stays', async () => {
    const w = await tenantWithTemplate();
    const newer = new Date().toISOString();
    await perNumber(w.tenantId, null, newer);
    // what the consumer does with a late message, awaited here (the bus gives no order to wait on)
    await capsRepository.storePolicy(a.deps.db.manager, w.tenantId, 1, new Date(Date.parse(newer) - 60_000).toISOString());
    expect((await rows(`SELECT max_sms_per_number_per_day AS n FROM contact_policies WHERE tenant_id = $1`, [w.tenantId]))[0].n).toBeNull();
  });
});
