import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { SystemActionRecorded, TaskCompleted, TaskStarted } from '@autocall/contracts';
import { eventually, sql } from '@autocall/testing';
import { snapshot } from '../../services/dialer/test/helpers';
import { auditIdOf, systemTaskAction } from '../src/domain/system-audit';
import { auditRepository } from '../src/data/audit.repository';
import { admin, bearer, call, closeClient, startFakeUpstream, startGateway, startSms, type Gateway, type Res } from './helpers';

/** The audit log: every changing request, pending before it runs and settled with its status; read by admins, never changed. */
let sms: Awaited<ReturnType<typeof startSms>>;
let fake: Awaited<ReturnType<typeof startFakeUpstream>>;
let gw: Gateway;

beforeAll(async () => {
  sms = await startSms();
  fake = await startFakeUpstream();
  gw = await startGateway({ SMS_URL: sms.url, ROSTER_URL: fake.url, TASK_URL: fake.url, AUTH_FAILURES_PER_WINDOW: '1000' });
});
afterAll(async () => {
  await gw?.close();
  await sms?.svc.close();
  await fake?.close();
  await closeClient();
});

const PASSWORD = 'correct horse battery';
const expectProblem = (res: Res, status: number, code: string) => expect([res.status, res.body?.code]).toEqual([status, code]);

async function tenantWithOwner() {
  const email = `owner-${randomUUID().slice(0, 8)}@example.com`;
  const t = await call(gw.url, 'POST', '/v1/admin/tenants', { headers: { ...admin, 'x-request-id': `req-${randomUUID()}` }, json: { name: 'audited', owner: { email, name: 'O', password: PASSWORD } } });
  const res = await call(gw.url, 'POST', '/v1/auth/login', { json: { email, password: PASSWORD }, headers: { 'user-agent': 'audit-test/1' } });
  const cookie = String(res.headers['set-cookie']).split(';')[0];
  return { id: t.body.id as string, apiKey: t.body.apiKey as string, userId: res.body.user.id as string, email, created: t, h: { cookie, 'x-csrf-token': res.body.csrfToken as string } };
}
const events = async (t: { h: Record<string, string> }, query = '') => (await call(gw.url, 'GET', `/v1/audit-events${query}`, { headers: t.h })).body;

describe('the audit log', () => {
  it('when a proxied change is in flight, then its record is already there, pending; once answered it is settled with the status', async () => {
    const t = await tenantWithOwner();
    const rid = `req-${randomUUID()}`;
    const pending = call(gw.url, 'PATCH', '/v1/rosters/slow', { headers: { ...t.h, 'x-request-id': rid }, json: { name: 'x' } });
    const row = await eventually(async () => (await sql(`SELECT * FROM gateway.audit_events WHERE request_id = $1`, [rid]))[0], 700, 10);
    expect(row).toMatchObject({ status: null, action: 'roster.update', resource_type: 'roster', resource_id: 'slow', actor_type: 'user', actor_id: t.userId });
    expect((await pending).status).toBe(200);
    await eventually(async () => (await sql(`SELECT status FROM gateway.audit_events WHERE request_id = $1`, [rid]))[0].status === 200, 3_000, 20);
  });

  it('when the client hangs up before its answer, then the record is settled 499, never left pending', async () => {
    const t = await tenantWithOwner();
    const rid = `req-${randomUUID()}`;
    const ac = new AbortController();
    const sent = request(`${gw.url}/v1/rosters/slow`, { method: 'PATCH', headers: { ...t.h, 'x-request-id': rid, 'content-type': 'application/json' }, body: '{"name":"x"}', signal: ac.signal }).catch((e: unknown) => e);
    await eventually(async () => (await sql(`SELECT 1 FROM gateway.audit_events WHERE request_id = $1`, [rid])).length === 1, 700, 10);
    ac.abort();
    await sent;
    const settled = await eventually(async () => (await sql<{ status: number | null }>(`SELECT status FROM gateway.audit_events WHERE request_id = $1`, [rid]))[0].status, 3_000, 20);
    expect(settled).toBe(499);
  });

  it('when changes succeed or are refused, then each is there with actor, action, resource (from the path or the Location of a 201), status, request id, address and user agent; reads are not', async () => {
    const t = await tenantWithOwner();
    const created = await call(gw.url, 'POST', '/v1/rosters', { headers: { ...t.h, 'user-agent': 'ua-1' }, json: {} });
    expect(created.status).toBe(201);
    const user = await call(gw.url, 'POST', '/v1/users', { headers: t.h, json: { email: `v-${randomUUID().slice(0, 8)}@example.com`, name: 'V', role: 'viewer', password: PASSWORD } });
    const viewerLogin = await call(gw.url, 'POST', '/v1/auth/login', { json: { email: user.body.email, password: PASSWORD } });
    const vh = { cookie: String(viewerLogin.headers['set-cookie']).split(';')[0], 'x-csrf-token': viewerLogin.body.csrfToken };
    const taskId = randomUUID();
    const refused = await call(gw.url, 'POST', `/v1/tasks/${taskId}/pause`, { headers: vh });
    expectProblem(refused, 403, 'FORBIDDEN');
    await call(gw.url, 'GET', '/v1/rosters', { headers: t.h });
    // No route's row says its service honours dryRun yet, so the flag hides nothing: the change is audited.
    const dry = await call(gw.url, 'POST', '/v1/rosters?dryRun=true', { headers: { authorization: `Bearer ${t.apiKey}` }, json: {} });
    await call(gw.url, 'POST', '/v1/auth/login', { json: { email: user.body.email, password: 'not it at all' } });

    const list = await eventually(async () => {
      const b = await events(t);
      return b.items.every((e: { status: number | null }) => e.status !== null) && b;
    });
    const shown = list.items.map((e: any) => [e.action, e.actor.type, e.actor.id, e.resource.type, e.resource.id, e.status]);
    expect(shown).toEqual([
      ['auth.login_failed', 'user', user.body.id, 'user', user.body.id, 401],
      ['roster.create', 'apiKey', expect.any(String), 'roster', dry.headers.location!.toString().split('/').pop(), dry.status],
      ['task.pause', 'user', user.body.id, 'task', taskId, 403],
      ['auth.login', 'user', user.body.id, 'user', user.body.id, 200],
      ['user.create', 'user', t.userId, 'user', user.body.id, 201],
      ['roster.create', 'user', t.userId, 'roster', created.headers.location!.toString().split('/').pop(), 201],
      ['auth.login', 'user', t.userId, 'user', t.userId, 200],
    ]);
    const pause = list.items[2];
    expect(pause).toMatchObject({ requestId: refused.headers['x-request-id'], ip: '127.0.0.1', actor: { label: user.body.email }, tenantId: t.id });
    expect(list.items[5]).toMatchObject({ requestId: created.headers['x-request-id'], userAgent: 'ua-1' });
    expect(JSON.stringify(list)).not.toContain(PASSWORD);
  });

  it('when POST /v1/tasks is a dry run, then it is not in the log and not kept under its Idempotency-Key: the real create sent next under the same key runs, is logged, and is the one replayed', async () => {
    const t = await tenantWithOwner();
    const h = { ...t.h, 'idempotency-key': `wizard-${randomUUID()}` };
    const before = fake.seen.length;
    const dry = await call(gw.url, 'POST', '/v1/tasks?dryRun=true', { headers: h, json: { name: 'Promo' } });
    const real = await call(gw.url, 'POST', '/v1/tasks', { headers: h, json: { name: 'Promo' } });
    const replay = await call(gw.url, 'POST', '/v1/tasks', { headers: h, json: { name: 'Promo' } });
    expect([dry.status, real.status, replay.status]).toEqual([201, 201, 201]); // the stand-in task service creates on any POST
    expect(fake.seen.slice(before).map((s) => s.url)).toEqual(['/v1/tasks?dryRun=true', '/v1/tasks']);
    expect([real.headers['idempotent-replayed'], replay.headers['idempotent-replayed'], replay.body.id]).toEqual([undefined, 'true', real.body.id]);
    expect(await sql(`SELECT path FROM gateway.idempotency_keys WHERE key = $1`, [h['idempotency-key']])).toEqual([{ path: '/v1/tasks' }]);
    const logged = await eventually(async () => {
      const items = (await events(t, '?action=task.create')).items;
      return items.length === 2 && items.every((e: { status: number | null }) => e.status !== null) && items;
    });
    expect(logged.map((e: { requestId: string; status: number }) => [e.requestId, e.status]).sort()).toEqual([[real.headers['x-request-id'], 201], [replay.headers['x-request-id'], 201]].sort());
  });

  it('when filtered or paged, then only the matching events, newest first, with a cursor that a hand-made one cannot imitate; another tenant never sees them', async () => {
    const t = await tenantWithOwner();
    const other = await tenantWithOwner();
    for (let i = 0; i < 3; i++) await call(gw.url, 'PATCH', `/v1/rosters/${randomUUID()}`, { headers: t.h, json: { name: `n${i}` } });
    await eventually(async () => (await events(t, '?action=roster.update')).items.length === 3);
    const first = await events(t, '?action=roster.update&limit=2');
    expect(first.items).toHaveLength(2);
    const second = await events(t, `?action=roster.update&limit=2&cursor=${first.nextCursor}`);
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    const ids = [...first.items, ...second.items].map((e: { resource: { id: string } }) => e.resource.id);
    expect(new Set(ids).size).toBe(3);
    expect((await events(t, `?resourceId=${ids[0]}`)).items.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([ids[0]]);
    expect((await events(t, `?actorId=${t.userId}&resourceType=roster`)).items).toHaveLength(3);
    expect((await events(t, `?from=2999-01-01T00:00:00Z`)).items).toHaveLength(0);
    expect((await events(t, `?to=2000-01-01T00:00:00Z`)).items).toHaveLength(0);
    expect((await events(other, '?action=roster.update')).items).toHaveLength(0);
    expectProblem(await call(gw.url, 'GET', '/v1/audit-events?cursor=bm9wZQ', { headers: t.h }), 400, 'INVALID_CURSOR');
    expectProblem(await call(gw.url, 'GET', '/v1/audit-events?limit=201', { headers: t.h }), 400, 'VALIDATION_FAILED');
  });

  it('when the platform admin reads, then every tenant’s events and its own are there; nothing can change or delete an event', async () => {
    const t = await tenantWithOwner();
    const all = await call(gw.url, 'GET', `/v1/admin/audit-events?tenantId=${t.id}`, { headers: admin });
    expect(all.status).toBe(200);
    expect(all.body.items.map((e: { action: string }) => e.action)).toEqual(['auth.login']);
    const mine = await call(gw.url, 'GET', `/v1/admin/audit-events?action=tenant.create&resourceId=${t.id}`, { headers: admin });
    expect(mine.body.items).toEqual([expect.objectContaining({ actor: { type: 'admin', id: null, label: 'admin' }, status: 201, requestId: t.created.headers['x-request-id'] })]);
    expect((await call(gw.url, 'GET', '/v1/admin/audit-events', { headers: bearer(t.apiKey) })).status).toBe(401);
    const id = all.body.items[0].id;
    for (const method of ['DELETE', 'PATCH', 'PUT']) expect((await call(gw.url, method, `/v1/audit-events/${id}`, { headers: t.h, json: {} })).status).toBe(404);
  });

  it('when events are older than the retention, then the purge deletes them and keeps the others', async () => {
    const t = await tenantWithOwner();
    await sql(`UPDATE gateway.audit_events SET at = now() - interval '400 days' WHERE tenant_id = $1`, [t.id]);
    await call(gw.url, 'PATCH', `/v1/rosters/${randomUUID()}`, { headers: t.h, json: { name: 'kept' } });
    await auditRepository.purgeOlderThan(gw.svc.deps.db.manager, 365);
    expect((await sql(`SELECT action FROM gateway.audit_events WHERE tenant_id = $1`, [t.id])).map((r) => r.action)).toEqual(['roster.update']);
  });

  it('when the platform starts a scheduled task, completes one or a service reports an action of its own, then the log shows actor system, once per message; a start a request caused is not a system action', async () => {
    const t = await tenantWithOwner();
    const bus = gw.svc.deps.bus;
    const scheduled = snapshot({ tenantId: t.id, rosterId: randomUUID(), total: 1 });
    const immediate = snapshot({ tenantId: t.id, rosterId: randomUUID(), total: 1 });
    const startedId = randomUUID();
    await bus.publish(TaskStarted, scheduled, { id: startedId });
    await bus.publish(TaskStarted, scheduled, { id: startedId }); // redelivered
    await bus.publish(TaskStarted, immediate, { requestId: 'req-user-create' });
    await bus.publish(TaskCompleted, { ...scheduled, status: 'completed' }, { requestId: 'req-some-call' });
    await bus.publish(SystemActionRecorded, { tenantId: t.id, action: 'webhook.disable', resource: { type: 'webhook', id: 'wh-1' } });
    const system = await eventually(async () => {
      const items = (await events(t)).items.filter((e: { actor: { type: string } }) => e.actor.type === 'system');
      return items.length >= 3 && items;
    });
    await new Promise((r) => setTimeout(r, 300)); // a second record would have arrived by now
    const again = (await events(t)).items.filter((e: { actor: { type: string } }) => e.actor.type === 'system');
    expect(again.map((e: any) => [e.action, e.resource.type, e.resource.id, e.actor]).sort()).toEqual(
      [
        ['task.complete', 'task', scheduled.taskId, { type: 'system', id: null, label: 'system' }],
        ['task.start', 'task', scheduled.taskId, { type: 'system', id: null, label: 'system' }],
        ['webhook.disable', 'webhook', 'wh-1', { type: 'system', id: null, label: 'system' }],
      ].sort(),
    );
    expect(system.length).toBe(3);
  });

  it('when task events are read as system actions, then a start without a request is one, a start with one is not, a completion always is; a message gets one stable record id', () => {
    expect([systemTaskAction('task.started', undefined), systemTaskAction('task.started', 'r'), systemTaskAction('task.completed', 'r')]).toEqual(['task.start', undefined, 'task.complete']);
    const id = auditIdOf('m1', 'task.started');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(auditIdOf('m1', 'task.started')).toBe(id);
    expect(auditIdOf('m1', 'task.completed')).not.toBe(id);
  });
});
