/**
 * music-metadata (the recording service) exports only import / module-sync conditions.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { randomUUID } from 'node:crypto';
import { eventually } from '@autocall/testing';
import { admin } from '../../gateway/test/helpers';
import { call, OPEN_DIALING, rosterRows, startPlatform, uploadRecording, uploadRoster, type Platform, type Res } from './platform';

/**
 * Issue 13's end-to-end test, through the gateway with every service running: the platform admin
 * creates a tenant with its owner; the owner logs in and creates an operator and a viewer; the
 * operator runs a task, the viewer watches it but may not pause it; the audit log shows who did
 * each step, under the request ids the responses carried.
 */
let p: Platform;
beforeAll(async () => {
  p = await startPlatform({ dialerEnv: { SIM_TIME_SCALE: '0' } });
}, 40_000);
afterAll(async () => {
  await p?.close();
});

const PASSWORD = 'a long enough secret';

interface Person {
  id: string;
  email: string;
  /** Headers of this person's cookie requests (session cookie and CSRF token). */
  h: Record<string, string>;
}

async function login(email: string): Promise<Person> {
  const res = await call(p.url, 'POST', '/v1/auth/login', { json: { email, password: PASSWORD } });
  expect(res.status).toBe(200);
  const cookie = String(res.headers['set-cookie']).split(';')[0];
  return { id: res.body.user.id, email, h: { cookie, 'x-csrf-token': res.body.csrfToken } };
}

describe('people, roles and the audit log end to end', () => {
  it('when an owner adds an operator and a viewer, then the operator runs a task, the viewer watches but gets 403 on pause, and the audit log names each of them and the platform as the one that completed the task', async () => {
    const ownerEmail = `owner-${randomUUID().slice(0, 8)}@example.com`;
    const tenant = await call(p.url, 'POST', '/v1/admin/tenants', { headers: admin, json: { name: 'People E2E', owner: { email: ownerEmail, name: 'Owner', password: PASSWORD } } });
    expect(tenant.status).toBe(201);
    const owner = await login(ownerEmail);

    const steps: { who: Person; res: Res; action: string }[] = [];
    const addUser = async (role: string) => {
      const email = `${role}-${randomUUID().slice(0, 8)}@example.com`;
      const res = await call(p.url, 'POST', '/v1/users', { headers: owner.h, json: { email, name: role, role, password: PASSWORD } });
      expect(res.status).toBe(201);
      steps.push({ who: owner, res, action: 'user.create' });
      return login(email);
    };
    const operator = await addUser('operator');
    const viewer = await addUser('viewer');

    const recording = await uploadRecording(p.url, operator.h);
    expect(recording.status).toBe(201);
    steps.push({ who: operator, res: recording, action: 'recording.create' });
    const roster = await uploadRoster(p.url, operator.h, rosterRows(87630041320, 3));
    expect(roster.body.status).toBe('ready');
    steps.push({ who: operator, res: roster, action: 'roster.create' });
    const task = await call(p.url, 'POST', '/v1/tasks', {
      headers: operator.h,
      json: { name: 'People task', recordingId: recording.body.id, rosterId: roster.body.id, start: { mode: 'immediate' }, dialing: OPEN_DIALING },
    });
    expect([task.status, task.body.status]).toEqual([201, 'running']);
    steps.push({ who: operator, res: task, action: 'task.create' });

    const watched = await call(p.url, 'GET', `/v1/tasks/${task.body.id}`, { headers: viewer.h });
    expect(watched.status).toBe(200);
    expect((await call(p.url, 'GET', `/v1/tasks/${task.body.id}/calls`, { headers: viewer.h })).status).toBe(200);
    const pause = await call(p.url, 'POST', `/v1/tasks/${task.body.id}/pause`, { headers: viewer.h });
    expect([pause.status, pause.body.code]).toEqual([403, 'FORBIDDEN']);
    steps.push({ who: viewer, res: pause, action: 'task.pause' });
    expect((await call(p.url, 'GET', '/v1/audit-events', { headers: viewer.h })).status).toBe(403);

    const log = await eventually(async () => {
      const res = await call(p.url, 'GET', '/v1/audit-events?limit=200', { headers: owner.h });
      const items = res.body.items as any[];
      // settled, and the task completed by the platform (actor system, no status: no request asked for it)
      return items.every((e) => e.status !== null || e.actor.type === 'system') && items.some((e) => e.action === 'task.complete') && items;
    });
    expect(log.find((e: any) => e.action === 'task.complete')).toMatchObject({ actor: { type: 'system' }, resource: { type: 'task', id: task.body.id } });
    const changes = log.filter((e: { action: string; actor: { type: string } }) => !e.action.startsWith('auth.') && e.actor.type !== 'system').reverse();
    expect(changes.map((e: any) => ({ action: e.action, actor: e.actor.id, status: e.status, requestId: e.requestId }))).toEqual(
      steps.map((s) => ({ action: s.action, actor: s.who.id, status: s.res.status, requestId: s.res.headers['x-request-id'] })),
    );
    expect(changes.find((e: any) => e.action === 'task.pause').resource).toEqual({ type: 'task', id: task.body.id });
    expect(changes.find((e: any) => e.action === 'task.create').resource).toEqual({ type: 'task', id: task.body.id });
    const logins = log.filter((e: { action: string }) => e.action === 'auth.login').map((e: any) => e.actor.id);
    expect(logins.sort()).toEqual([owner.id, operator.id, viewer.id].sort());
  });
});
