/**
 * music-metadata (the recording service) exports only import / module-sync conditions.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { eventually, sql } from '@autocall/testing';
import { SseClient } from '../../services/events/test/helpers';
import { bearer, call, newTenant, OPEN_DIALING, rosterRows, startPlatform, uploadRecording, uploadRoster, type Platform } from './platform';

/**
 * Issue 16's stream through the gateway: a client sees a task's progress and its completion; a
 * reconnect with Last-Event-ID gets exactly what it missed; a revoked key ends the stream.
 */
let p: Platform;
const clients: SseClient[] = [];
beforeAll(async () => {
  // a gateway of 4 connections per service and 12 streams at most: streams must not take the connections
  p = await startPlatform({ dialerEnv: { SIM_TIME_SCALE: '0' }, eventsEnv: { EVENTS_PROGRESS_MIN_MS: '100' }, env: { UPSTREAM_CONNECTIONS: '4', GATEWAY_MAX_STREAMS: '12' } });
}, 40_000);
afterAll(async () => {
  for (const c of clients) c.close();
  await p?.close();
});
const stream = async (auth: Record<string, string>, query = '', headers: Record<string, string> = {}) => {
  const c = await SseClient.open(`${p.url}/v1/events${query}`, { ...auth, ...headers });
  clients.push(c);
  await eventually(() => c.messages.some((m) => m.comment));
  return c;
};

it("when a client follows the stream through the gateway, then it sees the task's progress and its completion; a reconnect with Last-Event-ID gets exactly the missed events", async () => {
  const { id: tenantId, auth } = await newTenant(p.url);
  const c = await stream(auth);
  expect(c.status).toBe(200);
  expect(String(c.headers['content-type'])).toMatch(/^text\/event-stream/);
  const recording = await uploadRecording(p.url, auth);
  const roster = await uploadRoster(p.url, auth, rosterRows(87630021340, 10));
  const task = await call(p.url, 'POST', '/v1/tasks', {
    headers: auth,
    json: { name: 'Stream', recordingId: recording.body.id, rosterId: roster.body.id, start: { mode: 'immediate' }, dialing: OPEN_DIALING },
  });
  expect(task.status).toBe(201);
  const taskId = task.body.id as string;
  await eventually(() => c.events.some((e) => e.type === 'task.status' && e.data.id === taskId && e.data.status === 'completed'), 30_000);
  const types = new Set(c.events.map((e) => e.type));
  expect([...types].sort()).toEqual(['call.completed', 'number.completed', 'roster.status', 'task.progress', 'task.status']);
  expect(c.events.filter((e) => e.type === 'task.progress').every((e) => e.data.taskId === taskId)).toBe(true);
  await eventually(() => c.events.some((e) => e.type === 'task.progress' && e.data.progress.percent === 100));
  expect(c.events.filter((e) => e.type === 'call.completed')).toHaveLength(10);

  // hang up, let events happen, come back with the last id seen
  await eventually(() => c.events.filter((e) => e.type === 'number.completed').length === 10);
  const lastSeen = c.events.at(-1)!.id;
  c.close();
  const hook = (await call(p.url, 'POST', '/v1/webhooks', { headers: auth, json: { url: 'https://127.0.0.1/hook', events: ['task.status'] } })).body;
  const missed = [(await call(p.url, 'POST', `/v1/webhooks/${hook.id}/test`, { headers: auth })).body.eventId, (await call(p.url, 'POST', `/v1/webhooks/${hook.id}/test`, { headers: auth })).body.eventId];
  const again = await stream(auth, '', { 'last-event-id': lastSeen });
  await eventually(() => missed.every((id) => again.events.some((e) => e.id === id)));
  // exactly what was stored after the last one seen, in the order it was stored (a late progress of the task included)
  const stored = await sql<{ id: string }>(
    `SELECT id FROM events.events WHERE tenant_id = $1 AND seq > (SELECT seq FROM events.events WHERE id = $2) ORDER BY seq`,
    [tenantId, lastSeen],
  );
  expect(again.events.map((e) => e.id)).toEqual(stored.map((r) => r.id));
  expect(stored.map((r) => r.id).slice(-2)).toEqual(missed);
  expect(again.events.some((e) => e.id === lastSeen)).toBe(false);
}, 90_000);

it('when the API key a stream was opened with is revoked, then the stream ends; a key in the query string is refused', async () => {
  const { auth } = await newTenant(p.url);
  const key = await call(p.url, 'POST', '/v1/api-keys', { headers: auth, json: { name: 'screen', role: 'viewer' } });
  const viewer = bearer(key.body.apiKey);
  const c = await stream(viewer);
  expect(c.status).toBe(200);
  expect((await call(p.url, 'DELETE', `/v1/api-keys/${key.body.id}`, { headers: auth })).status).toBe(204);
  await eventually(() => c.ended, 10_000);
  const inQuery = await call(p.url, 'GET', `/v1/events?apiKey=${key.body.apiKey}`, { headers: auth });
  expect(inQuery.status).toBe(400);
  const anonymous = await call(p.url, 'GET', `/v1/events`);
  expect(anonymous.status).toBe(401);
});

it('when more streams are open than the gateway has connections to the events service, then the webhook routes still answer, and past GATEWAY_MAX_STREAMS a stream is 503 STREAM_LIMIT_REACHED with Retry-After until one closes', async () => {
  const { auth } = await newTenant(p.url);
  // the earlier tests' streams end first (the gateway counts a stream until its socket has closed)
  for (const c of clients.splice(0)) c.close();
  const opened = async () =>
    eventually(async () => {
      const c = await SseClient.open(`${p.url}/v1/events`, auth);
      if (c.status === 200) return c;
      c.close();
      return undefined;
    });
  const open: SseClient[] = [];
  for (let i = 0; i < 12; i++) open.push(await opened());
  clients.push(...open);
  // 12 streams on a gateway of 4 events connections: the API beside them is not queued behind them
  const listed = await call(p.url, 'GET', '/v1/webhooks', { headers: auth });
  expect(listed.status).toBe(200);
  const refused = await call(p.url, 'GET', '/v1/events', { headers: auth });
  expect([refused.status, refused.body.code, refused.headers['retry-after']]).toEqual([503, 'STREAM_LIMIT_REACHED', '5']);
  open[0].close();
  const next = await opened();
  clients.push(next);
  expect(next.status).toBe(200);
});
