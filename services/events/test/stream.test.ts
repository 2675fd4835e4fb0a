import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { NumberCompleted, TaskProgressChanged } from '@autocall/contracts';
import type { Bus } from '@autocall/bus';
import { asTenant, connectTestBus, eventually, newTenantId, sql } from '@autocall/testing';
import { call, deleteTestQueues, SseClient, startEvents, type Events } from './helpers';

const number = (tenantId: string, taskId = randomUUID(), over: Record<string, unknown> = {}) => ({ tenantId, taskId, phone: '+6287630021323', outcome: 'answered', attempts: 1, variables: {}, sms: null, ...over });
const progress = (tenantId: string, taskId: string, answered: number) => ({
  tenantId, taskId, status: 'running',
  progress: { total: 100, pending: 100 - answered, answered, noAnswer: 0, busy: 0, unavailable: 0, invalidNumber: 0, failed: 0, suppressed: 0, expired: 0, cancelled: 0, smsSent: 0, smsFailed: 0, percent: answered },
});

describe('the live event stream (GET /v1/events, Server-Sent Events)', () => {
  let svc: Events;
  let other: Events;
  let bus: Bus;
  let base: string;
  const clients: SseClient[] = [];
  beforeAll(async () => {
    svc = await startEvents({ EVENTS_HEARTBEAT_MS: '200', EVENTS_PROGRESS_MIN_MS: '500', EVENTS_STREAM_MAX_BUFFER_BYTES: '65536' });
    // a second replica: a client on it sees what the first one stores, told through the broker
    // (its safety poll would come only after ten minutes)
    other = await startEvents({ EVENTS_QUEUE_PREFIX: `eventstest.other.${randomUUID()}`, EVENTS_STREAM_POLL_MS: '600000' });
    await svc.app.listen({ port: 0, host: '127.0.0.1' });
    await other.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(svc.app.server.address() as AddressInfo).port}`;
    bus = await connectTestBus('events-test');
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await svc?.close();
    await other?.close();
    await bus?.close();
    await deleteTestQueues();
  });
  const open = async (tenantId: string, query = '', headers: Record<string, string> = {}, at = base) => {
    const c = await SseClient.open(`${at}/v1/events${query}`, { ...asTenant(tenantId), ...headers });
    clients.push(c);
    return c;
  };
  const connected = (c: SseClient) => eventually(() => c.messages.some((m) => m.comment));

  it("when the tenant's events are stored, then its stream gets each as id / event / data in order, and no other tenant's", async () => {
    const t = newTenantId();
    const c = await open(t);
    expect(c.status).toBe(200);
    expect(String(c.headers['content-type'])).toMatch(/^text\/event-stream/);
    await connected(c);
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of ids) await bus.publish(NumberCompleted, number(t), { id });
    await bus.publish(NumberCompleted, number(newTenantId()), { id: randomUUID() });
    await eventually(() => c.events.length === 3);
    expect(c.messages.filter((m) => m.event).map((m) => [m.id, m.event])).toEqual(ids.map((id) => [id, 'number.completed']));
    expect(c.events.every((e) => e.tenantId === t)).toBe(true);
  });

  it('when 200 clients of a tenant, some on each replica and some replaying, watch a burst of 60 events, then each gets all of them once, in order', async () => {
    const t = newTenantId();
    const otherBase = `http://127.0.0.1:${(other.app.server.address() as AddressInfo).port}`;
    const first = randomUUID();
    const probe = await open(t);
    await connected(probe);
    await bus.publish(NumberCompleted, number(t), { id: first });
    await eventually(() => probe.events.length === 1); // stored: a stream that starts now starts after it
    const watchers = await Promise.all(Array.from({ length: 200 }, (_, i) => open(t, '', i % 4 === 3 ? { 'last-event-id': first } : {}, i % 2 ? otherBase : base)));
    await Promise.all(watchers.map(connected));
    const ids = Array.from({ length: 60 }, () => randomUUID());
    await Promise.all(ids.map((id) => bus.publish(NumberCompleted, number(t), { id })));
    await eventually(() => watchers.every((w) => w.events.length >= 60), 20_000);
    await new Promise((r) => setTimeout(r, 200));
    const seen = watchers.map((w) => w.messages.filter((m) => m.event).map((m) => m.id));
    // the order is the store's (the sequence numbers'), the same for everyone
    const order = seen[0];
    expect(new Set(order)).toEqual(new Set(ids));
    for (const got of seen) expect(got).toEqual(order);
    for (const w of watchers) w.close();
  }, 40_000);

  it('when filtered by taskId and types, then only those come; an unknown type is 400', async () => {
    const t = newTenantId();
    const task = randomUUID();
    const c = await open(t, `?taskId=${task}&types=number.completed,task.status`);
    await connected(c);
    await bus.publish(NumberCompleted, number(t), { id: randomUUID() });
    await bus.publish(TaskProgressChanged, progress(t, task, 1), { id: randomUUID() });
    const mine = randomUUID();
    await bus.publish(NumberCompleted, number(t, task), { id: mine });
    await eventually(() => c.events.length === 1);
    expect(c.events[0].id).toBe(mine);
    const bad = await svc.app.inject({ method: 'GET', url: '/v1/events?types=task.status,call.finished', headers: asTenant(t) });
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'VALIDATION_FAILED']);
    const key = await svc.app.inject({ method: 'GET', url: '/v1/events?apiKey=ak_secret', headers: asTenant(t) });
    expect(key.statusCode).toBe(400);
  });

  it('when a client reconnects with Last-Event-ID, then it gets exactly the events stored after that one, in order', async () => {
    const t = newTenantId();
    const first = await open(t);
    await connected(first);
    const before = [randomUUID(), randomUUID()];
    for (const id of before) await bus.publish(NumberCompleted, number(t), { id });
    await eventually(() => first.events.length === 2);
    first.close();
    const missed = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of missed) await bus.publish(NumberCompleted, number(t), { id });
    await eventually(async () => Number((await sql(`SELECT count(*) AS n FROM events.events WHERE tenant_id = $1`, [t]))[0].n) === 5);
    const again = await open(t, '', { 'last-event-id': before[1] });
    await eventually(() => again.events.length === 3);
    expect(again.events.map((e) => e.id)).toEqual(missed);
    // the query form too, from the first event
    const viaQuery = await open(t, `?lastEventId=${before[0]}`);
    await eventually(() => viaQuery.events.length === 4);
    expect(viaQuery.events.map((e) => e.id)).toEqual([before[1], ...missed]);
  });

  it.each([
    ['malformed', () => 'not-an-id', /is not an event id: the stream starts now/],
    ['unknown', () => randomUUID(), /not an event of the last 60 minutes: the stream starts now/],
  ])('when Last-Event-ID is %s, then the stream starts now and says so in a comment', async (_what, id, said) => {
    const t = newTenantId();
    await bus.publish(NumberCompleted, number(t), { id: randomUUID() });
    await eventually(async () => (await sql(`SELECT 1 FROM events.events WHERE tenant_id = $1`, [t])).length === 1);
    const c = await open(t, '', { 'last-event-id': id() });
    await eventually(() => c.messages.some((m) => m.comment && said.test(m.comment)));
    const next = randomUUID();
    await bus.publish(NumberCompleted, number(t), { id: next });
    await eventually(() => c.events.length === 1);
    expect(c.events[0].id).toBe(next);
  });

  it('when Last-Event-ID is older than the replay window, then the stream starts now and says so', async () => {
    const t = newTenantId();
    const old = randomUUID();
    await bus.publish(NumberCompleted, number(t), { id: old });
    await eventually(async () => (await sql(`SELECT 1 FROM events.events WHERE id = $1`, [old])).length === 1);
    await sql(`UPDATE events.events SET stored_at = now() - interval '61 minutes' WHERE id = $1`, [old]);
    const c = await open(t, '', { 'last-event-id': old });
    await eventually(() => c.messages.some((m) => m.comment && /the stream starts now/.test(m.comment)));
    expect(c.events).toHaveLength(0);
  });

  it("when a task's progress moves 30 times at once, then the stream gets far fewer, the latest last", async () => {
    const t = newTenantId();
    const task = randomUUID();
    const c = await open(t, '?types=task.progress');
    await connected(c);
    for (let i = 1; i <= 30; i++) await bus.publish(TaskProgressChanged, progress(t, task, i), { id: randomUUID() });
    await eventually(() => c.events.at(-1)?.data.progress.answered === 30, 15_000);
    expect(c.events.length).toBeLessThan(30);
    expect(c.events[0].data.taskId).toBe(task);
  });

  it('when the stream is idle, then a comment keeps it alive', async () => {
    const c = await open(newTenantId());
    await eventually(() => c.messages.filter((m) => m.comment === 'keep-alive').length >= 2);
  });

  it('when a client hangs up, then its stream is freed', async () => {
    const before = (await call(svc, newTenantId(), 'GET', '/v1/webhooks')).status; // the service answers
    expect(before).toBe(200);
    const t = newTenantId();
    const c = await open(t);
    await connected(c);
    const open0 = await metric(svc, 'events_stream_clients');
    c.close();
    await eventually(async () => (await metric(svc, 'events_stream_clients')) === open0 - 1);
  });

  it('when a client does not read, then it is dropped instead of buffered without limit', async () => {
    const t = newTenantId();
    const port = (svc.app.server.address() as AddressInfo).port;
    const others = await metric(svc, 'events_stream_clients'); // the earlier tests' clients, still open
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const h = asTenant(t);
    socket.write(`GET /v1/events HTTP/1.1\r\nhost: 127.0.0.1\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
    socket.pause(); // never reads
    let closed = false;
    socket.on('close', () => (closed = true));
    await eventually(async () => (await metric(svc, 'events_stream_clients')) === others + 1);
    // more than the loopback socket's buffers hold (a few MiB), in few messages
    const big = 'x'.repeat(512 * 1024);
    const dropped = async () => (await metric(svc, 'events_stream_clients')) === others;
    for (let i = 0; i < 80 && !(await dropped()); i++) await bus.publish(NumberCompleted, number(t, undefined, { variables: { note: big } }), { id: randomUUID() });
    await eventually(dropped, 20_000);
    // the server closed it: a reader that comes back finds the end
    socket.resume();
    await eventually(() => closed, 20_000);
  }, 60_000);

  it('when the client is on another replica than the one that stored the event, then the broker tells it and it gets the event too', async () => {
    const t = newTenantId();
    const port = (other.app.server.address() as AddressInfo).port;
    const c = await open(t, '', {}, `http://127.0.0.1:${port}`);
    await connected(c);
    // stored by the first replica (a test send is stored by the replica that answers it)
    const hook = (await call(svc, t, 'POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/', events: ['task.status'] })).body;
    const test = (await call(svc, t, 'POST', `/v1/webhooks/${hook.id}/test`)).body;
    await eventually(() => c.events.some((e) => e.id === test.eventId));
    expect(c.events.find((e) => e.id === test.eventId)).toMatchObject({ type: 'webhook.test', data: { webhookId: hook.id } });
  });
});

async function metric(svc: Events, name: string): Promise<number> {
  const res = await svc.app.inject({ method: 'GET', url: '/metrics', headers: asTenant(newTenantId()) });
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(res.body);
  return m ? Number(m[1]) : 0;
}
