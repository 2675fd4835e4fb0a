import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { CallCompleted, CallCompletedV1, DialerNumberSettled, NumberCompleted, type NumberCompletedT } from '@autocall/contracts';
import type { Bus } from '@autocall/bus';
import { connectTestBus, eventually, newTenantId, sql } from '@autocall/testing';
import { call, deleteTestQueues, Receiver, startEvents, type Events } from './helpers';

const numberCompleted = (tenantId: string, over: Partial<NumberCompletedT> = {}): NumberCompletedT => ({
  tenantId,
  taskId: randomUUID(),
  phone: '+6287630021323',
  outcome: 'answered',
  attempts: 1,
  variables: { 'Order Id': 'ORD-1' },
  sms: { kind: 'disconnect', status: 'queued' },
  ...over,
});

const headersOf = (h: Record<string, unknown>) => ({ 'webhook-id': String(h['webhook-id']), 'webhook-timestamp': String(h['webhook-timestamp']), 'webhook-signature': String(h['webhook-signature']) });

describe('webhook deliveries (Standard Webhooks)', () => {
  let svc: Events;
  let bus: Bus;
  let rx: Receiver;
  beforeAll(async () => {
    svc = await startEvents();
    bus = await connectTestBus('events-test');
    rx = await Receiver.start();
  });
  afterAll(async () => {
    await svc?.close();
    await bus?.close();
    await rx?.close();
    await deleteTestQueues();
  });
  beforeEach(() => {
    rx.behave = (_req, res) => res.end('ok');
  });

  async function endpoint(tenantId: string, url = rx.url, events = ['number.completed', 'call.completed']) {
    const res = await call(svc, tenantId, 'POST', '/v1/webhooks', { url, events });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  }
  const deliveries = async (tenantId: string, id: string) => (await call(svc, tenantId, 'GET', `/v1/webhooks/${id}/deliveries`)).body.items as any[];

  it('when a subscribed event is published, then the receiver gets it once, signed as the standardwebhooks verifier expects, and the delivery shows delivered', async () => {
    const t = newTenantId();
    const { id, secret } = await endpoint(t);
    const payload = numberCompleted(t);
    const eventId = randomUUID();
    await bus.publish(NumberCompleted, payload, { id: eventId });
    const [got] = await eventually(() => (rx.ofEvent(eventId).length ? rx.ofEvent(eventId) : undefined));
    expect(got.headers['content-type']).toBe('application/json');
    const verified = new Webhook(secret).verify(got.body, headersOf(got.headers)) as any;
    const { tenantId: _t, ...data } = payload;
    expect(verified).toEqual({ id: eventId, type: 'number.completed', createdAt: expect.any(String), tenantId: t, data });
    expect(Math.abs(Number(got.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    const [d] = await eventually(async () => ((await deliveries(t, id))[0]?.status === 'delivered' ? deliveries(t, id) : undefined));
    expect(d).toMatchObject({ eventId, eventType: 'number.completed', status: 'delivered', attempts: 1, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
    expect(d.deliveredAt).toEqual(expect.any(String));
    // a wrong secret does not verify
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(got.body, headersOf(got.headers))).toThrow();
  });

  it('when call.completed is published, then its data is the call record of /calls plus taskId and final (the roster row left out)', async () => {
    const t = newTenantId();
    await endpoint(t);
    const eventId = randomUUID();
    const attemptId = randomUUID();
    const taskId = randomUUID();
    await bus.publish(
      CallCompleted,
      {
        tenantId: t, taskId, attemptId, phone: '+6287630021320', rowNumber: 2, attempt: 1, outcome: 'answered', hangupBy: 'callee', sipCode: 200, failureReason: null,
        startedAt: '2026-01-15T02:00:00.000Z', answeredAt: '2026-01-15T02:00:03.000Z', endedAt: '2026-01-15T02:00:10.000Z', durationMs: 7000, name: 'Budi', variables: { 'Order Id': 'X' }, final: true,
      },
      { id: eventId },
    );
    const [got] = await eventually(() => (rx.ofEvent(eventId).length ? rx.ofEvent(eventId) : undefined));
    expect(JSON.parse(got.body).data).toEqual({
      id: attemptId, taskId, phone: '+6287630021320', attempt: 1, status: 'completed', outcome: 'answered', hangupBy: 'callee', sipCode: 200, failureReason: null,
      answeredBy: null, dtmf: null, tags: [],
      startedAt: '2026-01-15T02:00:00.000Z', answeredAt: '2026-01-15T02:00:03.000Z', endedAt: '2026-01-15T02:00:10.000Z', durationMs: 7000, sms: null, final: true,
    });
  });

  it('when the dialer settles a number without a call (suppressed, expired), then the endpoint gets its number.completed: attempts as counted, no SMS', async () => {
    const t = newTenantId();
    await endpoint(t, rx.url, ['number.completed']);
    const taskId = randomUUID();
    const settled = (outcome: 'suppressed' | 'expired', attempts: number) => ({
      tenantId: t, taskId, attemptId: randomUUID(), phone: '+6287630021329', rowNumber: 5, attempt: attempts + 1, attempts, outcome, reason: outcome === 'suppressed' ? 'DNC' : 'END_TIME',
      settledAt: new Date().toISOString(), name: 'Sari', variables: { 'Order Id': 'ORD-9' },
    });
    const [a, b] = [randomUUID(), randomUUID()];
    await bus.publish(DialerNumberSettled, settled('suppressed', 0), { id: a });
    await bus.publish(DialerNumberSettled, settled('expired', 1), { id: b });
    const got = await eventually(() => (rx.ofEvent(a).length && rx.ofEvent(b).length ? [rx.ofEvent(a)[0], rx.ofEvent(b)[0]] : undefined));
    expect(got.map((g) => JSON.parse(g.body)).map((e) => [e.type, e.data])).toEqual([
      ['number.completed', { taskId, phone: '+6287630021329', outcome: 'suppressed', attempts: 0, variables: { 'Order Id': 'ORD-9' }, sms: null }],
      ['number.completed', { taskId, phone: '+6287630021329', outcome: 'expired', attempts: 1, variables: { 'Order Id': 'ORD-9' }, sms: null }],
    ]);
  });

  it('when call.completed v2 carries invalid_number, answeredBy, dtmf and tags, or a v1 message arrives, then both are delivered in the call record shape', async () => {
    const t = newTenantId();
    await endpoint(t);
    const v2 = randomUUID();
    const v1 = randomUUID();
    const call = callOf(t);
    await bus.publish(CallCompleted, { ...call, attemptId: randomUUID(), outcome: 'answered', answeredBy: 'human', dtmf: '19', tags: ['interested'] }, { id: v2 });
    await bus.publish(CallCompletedV1, { ...call, attemptId: randomUUID(), outcome: 'busy' } as never, { id: v1 });
    const [a] = await eventually(() => (rx.ofEvent(v2).length ? rx.ofEvent(v2) : undefined));
    expect(JSON.parse(a.body).data).toMatchObject({ outcome: 'answered', answeredBy: 'human', dtmf: '19', tags: ['interested'] });
    const [b] = await eventually(() => (rx.ofEvent(v1).length ? rx.ofEvent(v1) : undefined));
    expect(JSON.parse(b.body).data).toMatchObject({ outcome: 'busy', answeredBy: null, dtmf: null, tags: [] });
    const invalid = randomUUID();
    await bus.publish(CallCompleted, { ...call, attemptId: randomUUID(), outcome: 'invalid_number', sipCode: 404, failureReason: '404 Not Found' }, { id: invalid });
    const [c] = await eventually(() => (rx.ofEvent(invalid).length ? rx.ofEvent(invalid) : undefined));
    expect(JSON.parse(c.body).data).toMatchObject({ outcome: 'invalid_number', sipCode: 404, failureReason: '404 Not Found' });
  });

  it("when events of another type or another tenant are published, or the same message twice, then only the endpoint's own arrive, once each, numbered in order", async () => {
    const t = newTenantId();
    const other = newTenantId();
    await endpoint(t, rx.url, ['number.completed']);
    const mine = [randomUUID(), randomUUID(), randomUUID()];
    const foreign = randomUUID();
    const call1 = randomUUID();
    for (const id of mine) await bus.publish(NumberCompleted, numberCompleted(t), { id });
    await bus.publish(NumberCompleted, numberCompleted(t), { id: mine[0] }); // redelivered: the same message id
    await bus.publish(NumberCompleted, numberCompleted(other), { id: foreign });
    await bus.publish(CallCompleted, { ...callOf(t), attemptId: randomUUID() }, { id: call1 });
    await eventually(() => mine.every((id) => rx.ofEvent(id).length === 1));
    const stored = await eventually(async () => {
      const rows = await sql<{ id: string; seq: string; type: string }>(`SELECT id, seq, type FROM events.events WHERE tenant_id = $1 ORDER BY seq`, [t]);
      return rows.length === 4 ? rows : undefined;
    });
    expect(stored.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4]);
    expect(stored.filter((r) => r.type === 'number.completed').map((r) => r.id).sort()).toEqual([...mine].sort());
    expect(rx.ofEvent(foreign)).toHaveLength(0);
    expect(rx.ofEvent(call1)).toHaveLength(0);
    expect(mine.map((id) => rx.ofEvent(id).length)).toEqual([1, 1, 1]);
  });

  it('when the receiver fails the first attempts, then it is retried on the schedule with the same webhook-id, each attempt signed afresh, and delivered once', async () => {
    const t = newTenantId();
    const { id, secret } = await endpoint(t);
    rx.behave = (req, res) => {
      const n = rx.ofEvent(String(req.headers['webhook-id'])).length;
      res.statusCode = n <= 2 ? 500 : 204;
      res.end(n <= 2 ? 'database down' : undefined);
    };
    const eventId = randomUUID();
    await bus.publish(NumberCompleted, numberCompleted(t), { id: eventId });
    const tries = await eventually(() => (rx.ofEvent(eventId).length >= 3 ? rx.ofEvent(eventId) : undefined));
    for (const r of tries) expect(new Webhook(secret).verify(r.body, headersOf(r.headers))).toMatchObject({ id: eventId });
    expect(new Set(tries.map((r) => r.headers['webhook-id']))).toEqual(new Set([eventId]));
    expect(new Set(tries.map((r) => r.body)).size).toBe(1);
    // the schedule's waits (50 ms, 100 ms) lie between the attempts
    expect(tries[1].at - tries[0].at).toBeGreaterThanOrEqual(45);
    expect(tries[2].at - tries[1].at).toBeGreaterThanOrEqual(95);
    const [d] = await eventually(async () => ((await deliveries(t, id))[0]?.status === 'delivered' ? deliveries(t, id) : undefined));
    expect(d).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 204, lastError: null });
    await new Promise((r) => setTimeout(r, 300)); // nothing more comes after the 2xx
    expect(rx.ofEvent(eventId)).toHaveLength(3);
  });

  it('when every attempt fails, then after the schedule the delivery is failed with the last status and the receiver\'s words', async () => {
    const t = newTenantId();
    const { id } = await endpoint(t);
    rx.behave = (_req, res) => {
      res.statusCode = 503;
      res.end('try later\u0000\n');
    };
    const eventId = randomUUID();
    await bus.publish(NumberCompleted, numberCompleted(t), { id: eventId });
    const [d] = await eventually(async () => ((await deliveries(t, id))[0]?.status === 'failed' ? deliveries(t, id) : undefined));
    expect(d).toMatchObject({ status: 'failed', attempts: 4, lastStatusCode: 503, lastError: 'The receiver answered 503: try later', nextAttemptAt: null });
    expect(rx.ofEvent(eventId)).toHaveLength(4);
  });

  it('when the secret is rotated, then deliveries carry both signatures: the old secret and the new one each verify', async () => {
    const t = newTenantId();
    const { id, secret: old } = await endpoint(t);
    const rotated = (await call(svc, t, 'POST', `/v1/webhooks/${id}/rotate-secret`)).body.secret as string;
    const eventId = randomUUID();
    await bus.publish(NumberCompleted, numberCompleted(t), { id: eventId });
    const [got] = await eventually(() => (rx.ofEvent(eventId).length ? rx.ofEvent(eventId) : undefined));
    expect(String(got.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(new Webhook(rotated).verify(got.body, headersOf(got.headers))).toMatchObject({ id: eventId });
    expect(new Webhook(old).verify(got.body, headersOf(got.headers))).toMatchObject({ id: eventId });
    // once the grace ends, only the new secret signs
    await sql(`UPDATE events.webhooks SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
    const later = randomUUID();
    await bus.publish(NumberCompleted, numberCompleted(t), { id: later });
    const [next] = await eventually(() => (rx.ofEvent(later).length ? rx.ofEvent(later) : undefined));
    expect(String(next.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(new Webhook(rotated).verify(next.body, headersOf(next.headers))).toMatchObject({ id: later });
    expect(() => new Webhook(old).verify(next.body, headersOf(next.headers))).toThrow();
  });

  it('when the receiver answers 410, then the endpoint is disabled with its reason, the platform audits it, and later events make no delivery', async () => {
    const t = newTenantId();
    const { id } = await endpoint(t);
    rx.behave = (_req, res) => {
      res.statusCode = 410;
      res.end();
    };
    const eventId = randomUUID();
    await bus.publish(NumberCompleted, numberCompleted(t), { id: eventId });
    const hook = await eventually(async () => {
      const w = (await call(svc, t, 'GET', `/v1/webhooks/${id}`)).body;
      return w.enabled === false ? w : undefined;
    });
    expect(hook.disabledReason).toBe('The endpoint answered 410 Gone.');
    expect((await deliveries(t, id))[0]).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: 410 });
    const audit = await sql(`SELECT payload FROM events.outbox WHERE name = 'audit.system-action' AND payload->>'tenantId' = $1`, [t]);
    expect(audit.map((a) => a.payload)).toEqual([{ tenantId: t, action: 'webhook.disable', resource: { type: 'webhook', id } }]);
    await bus.publish(NumberCompleted, numberCompleted(t), { id: randomUUID() });
    await eventually(async () => Number((await sql(`SELECT count(*) AS n FROM events.events WHERE tenant_id = $1`, [t]))[0].n) === 2);
    expect(await deliveries(t, id)).toHaveLength(1);
    expect((await call(svc, t, 'POST', `/v1/webhooks/${id}/test`)).body.code).toBe('WEBHOOK_DISABLED');
  });

  it('when an endpoint has failed every delivery for 5 days, then its next failure disables it', async () => {
    const t = newTenantId();
    const { id } = await endpoint(t);
    await sql(`UPDATE events.webhooks SET failing_since = now() - interval '5 days 1 minute' WHERE id = $1`, [id]);
    rx.behave = (_req, res) => {
      res.statusCode = 500;
      res.end();
    };
    await bus.publish(NumberCompleted, numberCompleted(t), { id: randomUUID() });
    const hook = await eventually(async () => {
      const w = (await call(svc, t, 'GET', `/v1/webhooks/${id}`)).body;
      return w.enabled === false ? w : undefined;
    });
    expect(hook.disabledReason).toMatch(/^Every delivery failed for 120 h/);
    // a success in between resets the clock: re-enabled, one good answer, then failures do not disable it at once
    // (the receiver answers again first: a retry failing right after the PATCH would start a new failing spell)
    rx.behave = (_req, res) => {
      res.statusCode = 204;
      res.end();
    };
    await call(svc, t, 'PATCH', `/v1/webhooks/${id}`, { enabled: true });
    expect((await sql(`SELECT failing_since FROM events.webhooks WHERE id = $1`, [id]))[0].failing_since).toBeNull();
  });

  it('when a test is sent, then a webhook.test event with the endpoint id reaches it; a redelivery sends the same webhook-id again', async () => {
    const t = newTenantId();
    const { id, secret } = await endpoint(t);
    const test = await call(svc, t, 'POST', `/v1/webhooks/${id}/test`);
    expect(test.status).toBe(202);
    expect(test.body).toMatchObject({ eventType: 'webhook.test', status: 'pending', attempts: 0 });
    const [got] = await eventually(() => (rx.ofEvent(test.body.eventId).length ? rx.ofEvent(test.body.eventId) : undefined));
    expect(new Webhook(secret).verify(got.body, headersOf(got.headers))).toMatchObject({ type: 'webhook.test', tenantId: t, data: { webhookId: id } });
    await eventually(async () => (await deliveries(t, id))[0]?.status === 'delivered');
    const again = await call(svc, t, 'POST', `/v1/webhooks/${id}/deliveries/${test.body.id}/redeliver`);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ id: test.body.id, status: 'pending' });
    await eventually(() => rx.ofEvent(test.body.eventId).length === 2);
    expect(rx.ofEvent(test.body.eventId)[1].body).toBe(got.body);
    await eventually(async () => (await deliveries(t, id))[0]?.attempts === 2);
  });

  it('when a delivery is held by a replica that died (its lease not lapsed), then nobody sends it until the lease lapses; then it goes out with the same webhook-id and is settled by the new claim', async () => {
    const t = newTenantId();
    const { id } = await endpoint(t);
    // as a replica that claimed it and died would leave it: pending, leased under a token nobody holds any more
    const eventId = randomUUID();
    const body = JSON.stringify({ id: eventId, type: 'number.completed', createdAt: new Date().toISOString(), tenantId: t, data: {} });
    const [held] = await sql<{ id: string; lease_until: Date }>(
      `INSERT INTO events.deliveries (id, tenant_id, webhook_id, event_id, event_type, body, status, next_attempt_at, lease_until, lease_token)
       VALUES (gen_random_uuid(), $1, $2, $3, 'number.completed', $4, 'pending', now(), now() + interval '700 milliseconds', gen_random_uuid())
       RETURNING id, lease_until`,
      [t, id, eventId, body],
    );
    const [got] = await eventually(() => (rx.ofEvent(eventId).length ? rx.ofEvent(eventId) : undefined), 10_000);
    // sent only once the lease had lapsed (the database's clock and this process's are the machine's)
    expect(got.at).toBeGreaterThanOrEqual(held.lease_until.getTime() - 20);
    expect(got.body).toBe(body);
    const row = await eventually(async () => {
      const [r] = await sql(`SELECT status, attempts, lease_token FROM events.deliveries WHERE id = $1`, [held.id]);
      return r.status === 'delivered' ? r : undefined;
    });
    expect(row).toEqual({ status: 'delivered', attempts: 1, lease_token: null });
    expect(rx.ofEvent(eventId)).toHaveLength(1);
  });
});

function callOf(tenantId: string) {
  return {
    tenantId, taskId: randomUUID(), attemptId: randomUUID(), phone: '+6287630021320', rowNumber: 2, attempt: 1, outcome: 'no_answer' as const, hangupBy: null, sipCode: 487, failureReason: null,
    startedAt: new Date().toISOString(), answeredAt: null, endedAt: new Date().toISOString(), durationMs: 0, name: null, variables: {}, final: false,
  };
}
