/**
 * music-metadata (the recording service) exports only import / module-sync conditions.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { Webhook } from 'standardwebhooks';
import { randomUUID } from 'node:crypto';
import { eventually, sql } from '@autocall/testing';
import { Receiver } from '../../services/events/test/helpers';
import { bearer, call, e164, newTenant, OPEN_DIALING, rosterRows, startPlatform, uploadRecording, uploadRoster, type Platform } from './platform';

/**
 * Issue 16's end-to-end test: a tenant adds a webhook through the gateway and runs a task; its
 * calls, numbers, SMS, roster and task status reach a real receiver in this process, each signed
 * as the Standard Webhooks verifier (the `standardwebhooks` package) expects.
 */
let p: Platform;
let rx: Receiver;
beforeAll(async () => {
  p = await startPlatform({ dialerEnv: { SIM_TIME_SCALE: '0' } });
  rx = await Receiver.start();
}, 40_000);
afterAll(async () => {
  await p?.close();
  await rx?.close();
});

const EVENTS = ['call.completed', 'number.completed', 'task.status', 'roster.status', 'sms.status'];

interface Got {
  id: string;
  type: string;
  createdAt: string;
  tenantId: string;
  data: any;
}

it("when a tenant's task runs, then its calls, numbers, SMS, roster and status reach the webhook receiver, each event once in effect and signed", async () => {
  const { id: tenantId, auth } = await newTenant(p.url);
  const created = await call(p.url, 'POST', '/v1/webhooks', { headers: auth, json: { url: rx.url, events: EVENTS, description: 'CRM' } });
  expect(created.status).toBe(201);
  const verifier = new Webhook(created.body.secret);

  const recording = await uploadRecording(p.url, auth);
  const rows = rosterRows(87630021320, 10);
  const roster = await uploadRoster(p.url, auth, rows);
  expect(roster.body.status).toBe('ready');
  const tpl = await call(p.url, 'POST', '/v1/sms-templates', { headers: auth, json: { name: 'Thanks', content: 'Thanks {{name}}' } });
  await call(p.url, 'PUT', '/v1/sms-account', { headers: auth, json: { provider: 'simulated', senderId: 'AUTOCALL', status: 'active' } });
  const task = await call(p.url, 'POST', '/v1/tasks', {
    headers: auth,
    json: {
      name: 'Webhooks',
      recordingId: recording.body.id,
      rosterId: roster.body.id,
      start: { mode: 'immediate' },
      sms: { onDisconnect: { enabled: true, templateId: tpl.body.id }, onUnanswered: { enabled: true, templateId: tpl.body.id } },
      dialing: OPEN_DIALING,
    },
  });
  expect(task.status).toBe(201);
  const taskId = task.body.id as string;

  /** What arrived, verified and parsed, one per webhook-id (a retry is the same event again). */
  const received = () => {
    const byId = new Map<string, Got>();
    for (const r of rx.requests) {
      const e = verifier.verify(r.body, { 'webhook-id': String(r.headers['webhook-id']), 'webhook-timestamp': String(r.headers['webhook-timestamp']), 'webhook-signature': String(r.headers['webhook-signature']) }) as Got;
      expect(e.id).toBe(r.headers['webhook-id']);
      byId.set(e.id, e);
    }
    return [...byId.values()].filter((e) => e.tenantId === tenantId);
  };
  const of = (type: string) => received().filter((e) => e.type === type);

  // the roster's validation ended: roster.status with the roster view
  await eventually(() => of('roster.status').some((e) => e.data.id === roster.body.id && e.data.status === 'ready'), 20_000);
  await eventually(() => of('task.status').some((e) => e.data.id === taskId && e.data.status === 'completed'), 30_000);
  await eventually(() => of('number.completed').length === 10 && of('sms.status').length === 9, 30_000);

  const statuses = of('task.status').filter((e) => e.data.id === taskId).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  expect(statuses.map((e) => e.data.status)).toEqual(['running', 'completed']);
  expect(statuses[1].data.progress).toMatchObject({ total: 10, pending: 0, percent: 100 });

  const calls = of('call.completed');
  expect(calls).toHaveLength(10);
  expect(new Set(calls.map((c) => c.data.phone))).toEqual(new Set(rows.map((r) => e164(r.phone))));
  expect(calls.every((c) => c.data.taskId === taskId && c.data.status === 'completed' && c.data.final === true)).toBe(true);

  const numbers = of('number.completed');
  expect(new Set(numbers.map((n) => n.data.phone))).toEqual(new Set(rows.map((r) => e164(r.phone))));
  const failed = numbers.find((n) => n.data.phone.endsWith('9'))!;
  expect(failed.data).toMatchObject({ taskId, outcome: 'failed', attempts: 1, sms: null });
  const answered = numbers.find((n) => n.data.phone.endsWith('0'))!;
  expect(answered.data).toMatchObject({ taskId, outcome: 'answered', attempts: 1, sms: { kind: 'disconnect', status: 'queued' }, variables: { 'Order Id': 'ORD-1000' } });

  const sms = of('sms.status');
  expect(sms.every((s) => s.data.taskId === taskId && s.data.status === 'sent')).toBe(true);

  // the endpoint's deliveries through the gateway: every one delivered
  const list = await call(p.url, 'GET', `/v1/webhooks/${created.body.id}/deliveries?limit=200`, { headers: auth });
  expect(list.status).toBe(200);
  expect(list.body.items.length).toBeGreaterThanOrEqual(32);
  await eventually(async () => {
    const items = (await call(p.url, 'GET', `/v1/webhooks/${created.body.id}/deliveries?limit=200&status=pending`, { headers: auth })).body.items;
    return items.length === 0;
  });
}, 90_000);

it('when a viewer adds a webhook, then 403; it may read them; another tenant gets 404; an admin change is audited', async () => {
  const owner = await newTenant(p.url);
  const hook = await call(p.url, 'POST', '/v1/webhooks', { headers: owner.auth, json: { url: rx.url, events: ['task.status'] } });
  expect(hook.status).toBe(201);
  const key = await call(p.url, 'POST', '/v1/api-keys', { headers: owner.auth, json: { name: 'dashboard', role: 'viewer' } });
  expect(key.status).toBe(201);
  const viewer = bearer(key.body.apiKey);
  const refused = await call(p.url, 'POST', '/v1/webhooks', { headers: viewer, json: { url: rx.url, events: ['task.status'] } });
  expect([refused.status, refused.body.code]).toEqual([403, 'FORBIDDEN']);
  expect((await call(p.url, 'POST', `/v1/webhooks/${hook.body.id}/rotate-secret`, { headers: viewer })).status).toBe(403);
  const read = await call(p.url, 'GET', '/v1/webhooks', { headers: viewer });
  expect([read.status, read.body.total]).toEqual([200, 1]);
  expect(read.body.items[0].secret).toBeUndefined();
  const other = await newTenant(p.url);
  expect((await call(p.url, 'GET', `/v1/webhooks/${hook.body.id}`, { headers: other.auth })).status).toBe(404);
  expect((await call(p.url, 'DELETE', `/v1/webhooks/${hook.body.id}`, { headers: other.auth })).status).toBe(404);
  const audit = await call(p.url, 'GET', '/v1/audit-events?limit=50', { headers: owner.auth });
  const actions = audit.body.items.map((e: { action: string; status: number; resource: { id: string } }) => [e.action, e.status, e.resource.id]);
  expect(actions).toEqual(expect.arrayContaining([['webhook.create', 201, hook.body.id], ['webhook.create', 403, null], ['webhook.rotateSecret', 403, hook.body.id]]));
});

it('when a webhook is created under an Idempotency-Key and retried, then the same endpoint and secret come back, and the gateway keeps that answer only encrypted', async () => {
  const { id: tenantId, auth } = await newTenant(p.url);
  const key = randomUUID();
  const body = { url: rx.url, events: ['number.completed'] };
  const first = await call(p.url, 'POST', '/v1/webhooks', { headers: { ...auth, 'idempotency-key': key }, json: body });
  const again = await call(p.url, 'POST', '/v1/webhooks', { headers: { ...auth, 'idempotency-key': key }, json: body });
  expect(first.status).toBe(201);
  expect([again.status, again.headers['idempotent-replayed'], again.body.id, again.body.secret]).toEqual([201, 'true', first.body.id, first.body.secret]);
  expect((await call(p.url, 'GET', '/v1/webhooks', { headers: auth })).body.total).toBe(1);
  const [kept] = await sql(`SELECT body, body_sealed FROM gateway.idempotency_keys WHERE tenant_id = $1 AND key = $2`, [tenantId, key]);
  expect(kept.body_sealed).toBe(true);
  expect(Buffer.from(kept.body).toString('latin1')).not.toContain(first.body.secret.slice(6, 20));
});
