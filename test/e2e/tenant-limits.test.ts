/**
 * music-metadata (the recording service) exports only import / module-sync conditions.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { randomUUID } from 'node:crypto';
import { eventually, sql } from '@autocall/testing';
import { admin } from '../../gateway/test/helpers';
import { bearer, call, newTenant, OPEN_DIALING, rosterRows, startPlatform, uploadRecording, uploadRoster, type Platform } from './platform';

/**
 * Tenant limits end to end (API.md "Platform admin: PATCH /v1/admin/tenants/{id}"): the platform
 * admin sets them on the gateway, which stores them and publishes tenant.limits-updated through its
 * outbox; the task service (maxActiveTasks), the sms service (smsPerDay) and the recording and
 * roster services (storageBytes, reserved through the gateway) act on them.
 */
let p: Platform;
beforeAll(async () => {
  p = await startPlatform({ dialerEnv: { SIM_TIME_SCALE: '0' } });
}, 40_000);
afterAll(async () => {
  await p?.close();
});

const patch = (id: string, json: unknown, headers: Record<string, string> = admin) => call(p.url, 'PATCH', `/v1/admin/tenants/${id}`, { headers, json });
const NONE = { maxConcurrentCalls: null, callsPerSecond: null, maxActiveTasks: null, storageBytes: null, smsPerDay: null };

/** The version of the tenant's limits each consumer keeps (undefined: none yet). */
const kept = async (tenantId: string) => {
  const [row] = await sql<{ task: number | null; sms: number | null; recording: number | null; roster: number | null }>(
    `SELECT (SELECT version::int FROM task.tenant_limits WHERE tenant_id = $1) AS task,
            (SELECT version::int FROM sms.tenant_limits WHERE tenant_id = $1) AS sms,
            (SELECT version::int FROM recording.tenant_limits WHERE tenant_id = $1) AS recording,
            (SELECT version::int FROM roster.tenant_limits WHERE tenant_id = $1) AS roster`,
    [tenantId],
  );
  return row;
};
/** Waits until every consumer keeps version `v` of the tenant's limits. */
const reached = (tenantId: string, v: number) => eventually(async () => Object.values(await kept(tenantId)).every((x) => x === v), 15_000);
const storageUsed = async (tenantId: string) => Number((await sql<{ n: string }>(`SELECT storage_used AS n FROM gateway.tenants WHERE id = $1`, [tenantId]))[0].n);

describe('PATCH /v1/admin/tenants/{id}', () => {
  it('when the admin sets some limits, then the others stay, GET shows them, each change is audited and published with a version that only goes up, and it reaches the services', async () => {
    const t = await newTenant(p.url);
    expect((await call(p.url, 'GET', `/v1/admin/tenants/${t.id}`, { headers: admin })).body.limits).toEqual(NONE);
    const first = await patch(t.id, { limits: { maxActiveTasks: 1, smsPerDay: 5 } });
    expect([first.status, first.body.limits]).toEqual([200, { ...NONE, maxActiveTasks: 1, smsPerDay: 5 }]);
    const second = await patch(t.id, { name: 'Renamed', limits: { storageBytes: 1_000_000, smsPerDay: null } });
    expect(second.body).toMatchObject({ id: t.id, name: 'Renamed', limits: { ...NONE, maxActiveTasks: 1, storageBytes: 1_000_000 } });
    const renamed = await patch(t.id, { name: 'Only the name' });
    expect(renamed.body.limits).toEqual(second.body.limits);
    const list = await call(p.url, 'GET', '/v1/admin/tenants?pageSize=100', { headers: admin });
    expect(list.body.items.find((x: { id: string }) => x.id === t.id)).toMatchObject({ name: 'Only the name', limits: second.body.limits });

    const published = await sql<{ payload: { version: number; limits: unknown } }>(`SELECT payload FROM gateway.outbox WHERE name = 'tenant.limits-updated' AND payload->>'tenantId' = $1 ORDER BY seq`, [t.id]);
    expect(published.map((r) => [r.payload.version, r.payload.limits])).toEqual([
      [1, first.body.limits],
      [2, second.body.limits],
    ]);
    const audit = await call(p.url, 'GET', `/v1/admin/audit-events?action=tenant.update&resourceId=${t.id}`, { headers: admin });
    expect(audit.body.items.map((e: { status: number; requestId: string }) => [e.status, e.requestId]).reverse()).toEqual(
      [first, second, renamed].map((r) => [200, r.headers['x-request-id']]),
    );

    await reached(t.id, 2);
    for (const schema of ['task', 'sms', 'recording', 'roster']) {
      expect((await sql(`SELECT limits FROM ${schema}.tenant_limits WHERE tenant_id = $1`, [t.id]))[0]).toEqual({ limits: second.body.limits });
    }

    // and the task service enforces it: one running task, the second immediate create refused
    const rec = await uploadRecording(p.url, t.auth);
    const ros = await uploadRoster(p.url, t.auth, rosterRows(87630021000, 2));
    const body = { name: 'Limited', recordingId: rec.body.id, rosterId: ros.body.id, start: { mode: 'immediate' }, dialing: { ...OPEN_DIALING, callingWindow: { ...OPEN_DIALING.callingWindow, days: [] as number[] } } };
    body.dialing.callingWindow.days = [((new Date().getUTCDay() + 3) % 7) + 1]; // a day that is neither today nor tomorrow: the task stays running
    const a = await call(p.url, 'POST', '/v1/tasks', { headers: t.auth, json: body });
    expect([a.status, a.body.status]).toEqual([201, 'running']);
    const refused = await call(p.url, 'POST', '/v1/tasks', { headers: t.auth, json: body });
    expect([refused.status, refused.body.code, refused.headers['content-type']]).toEqual([422, 'TENANT_LIMIT_REACHED', expect.stringMatching(/problem\+json/)]);
  });

  it.each([
    ['a negative limit', { limits: { maxActiveTasks: -1 } }],
    ['a negative storage', { limits: { storageBytes: -5 } }],
    ['a fractional task count', { limits: { maxActiveTasks: 1.5 } }],
    ['an unknown limit', { limits: { maxTasks: 3 } }],
    ['an unknown field', { name: 'x', plan: 'gold' }],
    ['an empty body', {}],
    ['an empty name', { name: '' }],
  ])('when the body has %s, then 400 and nothing changes', async (_what, json) => {
    const t = await newTenant(p.url);
    const res = await patch(t.id, json);
    expect([res.status, res.headers['content-type']]).toEqual([400, expect.stringMatching(/problem\+json/)]);
    expect((await call(p.url, 'GET', `/v1/admin/tenants/${t.id}`, { headers: admin })).body).toMatchObject({ name: expect.stringMatching(/^E2E /), limits: NONE });
    expect(await sql(`SELECT 1 FROM gateway.outbox WHERE name = 'tenant.limits-updated' AND payload->>'tenantId' = $1`, [t.id])).toEqual([]);
  });

  it("when a tenant's own key (owner or viewer), another tenant's key or no key asks, then 401 as on every /v1/admin route (only the admin token opens them); an unknown tenant is 404", async () => {
    const t = await newTenant(p.url);
    const viewer = await call(p.url, 'POST', '/v1/api-keys', { headers: t.auth, json: { name: 'watcher', role: 'viewer' } });
    expect(viewer.status).toBe(201);
    const other = await newTenant(p.url);
    for (const [id, headers] of [[t.id, t.auth], [t.id, bearer(viewer.body.apiKey)], [t.id, {}], [other.id, t.auth]] as const) {
      const res = await patch(id, { limits: { maxActiveTasks: 100 } }, headers);
      expect([res.status, res.body.code]).toEqual([401, 'UNAUTHORIZED']);
    }
    const unknown = await patch(randomUUID(), { limits: { maxActiveTasks: 1 } });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'TENANT_NOT_FOUND']);
    expect((await call(p.url, 'GET', `/v1/admin/tenants/${t.id}`, { headers: admin })).body.limits).toEqual(NONE);
  });
});

describe('storageBytes', () => {
  it('when an upload would pass the limit, then 413 TENANT_STORAGE_FULL and nothing is stored; a delete gives the bytes back', async () => {
    const t = await newTenant(p.url);
    await patch(t.id, { limits: { storageBytes: 1_000_000_000 } });
    await reached(t.id, 1);
    const first = await uploadRecording(p.url, t.auth);
    expect(first.status).toBe(201);
    const one = await storageUsed(t.id);
    expect(one).toBeGreaterThan(first.body.sizeBytes); // the MP3 and its renditions
    await patch(t.id, { limits: { storageBytes: one + 100 } });
    await reached(t.id, 2);

    const full = await uploadRecording(p.url, t.auth);
    expect([full.status, full.body.code, full.headers['content-type']]).toEqual([413, 'TENANT_STORAGE_FULL', expect.stringMatching(/problem\+json/)]);
    expect((await call(p.url, 'GET', '/v1/recordings', { headers: t.auth })).body.total).toBe(1);
    const roster = await uploadRoster(p.url, t.auth, rosterRows(87630022000, 3));
    expect([roster.status, roster.body.code]).toEqual([413, 'TENANT_STORAGE_FULL']);
    expect((await call(p.url, 'GET', '/v1/rosters', { headers: t.auth })).body.total).toBe(0);
    expect(await storageUsed(t.id)).toBe(one);

    expect((await call(p.url, 'DELETE', `/v1/recordings/${first.body.id}`, { headers: t.auth })).status).toBe(204);
    await eventually(async () => (await storageUsed(t.id)) === 0);
    // two uploads at once where one fits: exactly one is stored
    const both = await Promise.all([uploadRecording(p.url, t.auth), uploadRecording(p.url, t.auth)]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 413]);
    expect(await storageUsed(t.id)).toBe(one);
  });

  it('when a tenant that stored uploads without a limit gets one, then what it stores already counts against it', async () => {
    const t = await newTenant(p.url);
    const rec = await uploadRecording(p.url, t.auth);
    const roster = await uploadRoster(p.url, t.auth, rosterRows(87630024000, 3));
    expect([rec.status, roster.status]).toEqual([201, 201]);
    expect(await storageUsed(t.id)).toBe(0); // no limit, nothing asked of the gateway
    await patch(t.id, { limits: { storageBytes: 10_000_000 } });
    const reservations = async () => (await sql<{ key: string }>(`SELECT key FROM gateway.storage_reservations WHERE tenant_id = $1 ORDER BY key`, [t.id])).map((r) => r.key);
    await eventually(async () => (await reservations()).length === 2, 15_000);
    expect(await reservations()).toEqual([`recording:${rec.body.id}`, `roster:${roster.body.id}`]);
    const counted = await storageUsed(t.id);
    expect(counted).toBeGreaterThan(roster.body.sizeBytes + rec.body.sizeBytes);
    await patch(t.id, { limits: { storageBytes: counted + 10 } });
    await reached(t.id, 2);
    expect((await uploadRecording(p.url, t.auth)).body.code).toBe('TENANT_STORAGE_FULL');
    expect(await storageUsed(t.id)).toBe(counted); // the second backfill counted nothing twice
    expect((await call(p.url, 'DELETE', `/v1/rosters/${roster.body.id}`, { headers: t.auth })).status).toBe(204);
    await eventually(async () => (await storageUsed(t.id)) === counted - roster.body.sizeBytes);
  });

  it('when a roster is stored under a limit, then its upload size counts until it is deleted', async () => {
    const t = await newTenant(p.url);
    await patch(t.id, { limits: { storageBytes: 10_000_000 } });
    await reached(t.id, 1);
    const roster = await uploadRoster(p.url, t.auth, rosterRows(87630023000, 3));
    expect(roster.status).toBe(201);
    expect(await storageUsed(t.id)).toBe(roster.body.sizeBytes);
    expect((await call(p.url, 'DELETE', `/v1/rosters/${roster.body.id}`, { headers: t.auth })).status).toBe(204);
    await eventually(async () => (await storageUsed(t.id)) === 0);
  });
});
