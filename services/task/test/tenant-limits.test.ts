/**
 * maxActiveTasks (API.md "Platform admin"): the task service keeps the tenant's limit from
 * tenant.limits-updated and refuses an immediate create or a resume over it; a scheduled task due
 * at the limit waits, still scheduled, until one of the tenant's tasks ends. Real neighbours
 * in-process (recording, roster, sms, dialer) and two task replicas.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { NO_TENANT_LIMITS, TenantLimitsUpdated, type TenantLimits } from '@autocall/contracts';
import { TenantLimitsCopy, type Bus } from '@autocall/bus';
import { asTenant, connectTestBus, eventually, newTenantId, sql } from '@autocall/testing';
import { TASK_SCHEMA } from '../src/app';
import { closedDays, rosterRows, startDialer, startRecording, startRoster, startSms, startTask, uploadRecording, uploadRoster } from './helpers';

let recording: Awaited<ReturnType<typeof startRecording>>;
let roster: Awaited<ReturnType<typeof startRoster>>;
let sms: Awaited<ReturnType<typeof startSms>>;
let dialer: Awaited<ReturnType<typeof startDialer>>;
let tasks: Awaited<ReturnType<typeof startTask>>[] = [];
let bus: Bus;

beforeAll(async () => {
  [recording, roster, sms, dialer] = await Promise.all([startRecording(), startRoster(), startSms(), startDialer()]);
  tasks = [await startTask({ TASK_RPC_TIMEOUT_MS: '3000' }), await startTask({ TASK_RPC_TIMEOUT_MS: '3000' })];
  bus = await connectTestBus('task-limits-test');
}, 60_000);
afterAll(async () => {
  await bus?.close();
  for (const t of tasks) await t.close();
  await dialer?.close();
  await sms?.close();
  await roster?.close();
  await recording?.close();
}, 30_000);

type Json = Record<string, any>;
const call = async (tenant: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, replica = 0) => {
  const res = await tasks[replica].app.inject({ method, url, headers: asTenant(tenant), payload: payload as object });
  return { status: res.statusCode, body: (res.body ? res.json() : undefined) as Json };
};

/** A tenant with a recording and a roster; its tasks dial on days other than today and tomorrow, so they stay running. */
async function world() {
  const tenant = newTenantId();
  const [rec, ros] = await Promise.all([uploadRecording(recording, tenant), uploadRoster(roster, tenant, rosterRows(2))]);
  const body = (start: Json = { mode: 'immediate' }): Json => ({ name: 'Limit test', recordingId: rec.id, rosterId: ros.id, start, dialing: { callingWindow: { days: closedDays() } } });
  return { tenant, body };
}

let version = 0;
/** Publishes the gateway's event as the gateway would, and waits until the task service keeps it. */
async function setLimits(tenantId: string, limits: Partial<TenantLimits>) {
  const v = ++version;
  await bus.publish(TenantLimitsUpdated, { tenantId, version: v, limits: { ...NO_TENANT_LIMITS, ...limits }, updatedAt: new Date().toISOString() });
  await eventually(async () => (await sql<{ version: number }>(`SELECT version::int AS version FROM ${TASK_SCHEMA}.tenant_limits WHERE tenant_id = $1`, [tenantId]))[0]?.version === v);
  return v;
}

const statusOf = async (tenant: string, id: string) => (await call(tenant, 'GET', `/v1/tasks/${id}`)).body.status as string;
const countOf = async (tenant: string) => (await call(tenant, 'GET', '/v1/tasks?pageSize=100')).body.total as number;

describe('maxActiveTasks', () => {
  it('when a tenant at its limit creates an immediate task, then 422 TENANT_LIMIT_REACHED and nothing is created; paused tasks count too', async () => {
    const w = await world();
    await setLimits(w.tenant, { maxActiveTasks: 1 });
    const a = await call(w.tenant, 'POST', '/v1/tasks', w.body());
    expect([a.status, a.body.status]).toEqual([201, 'running']);
    const refused = await call(w.tenant, 'POST', '/v1/tasks', w.body());
    expect([refused.status, refused.body.code]).toEqual([422, 'TENANT_LIMIT_REACHED']);
    const dry = await call(w.tenant, 'POST', '/v1/tasks?dryRun=true', w.body());
    expect([dry.status, dry.body.code]).toEqual([422, 'TENANT_LIMIT_REACHED']);
    expect((await call(w.tenant, 'POST', `/v1/tasks/${a.body.id}/pause`)).body.status).toBe('paused');
    expect((await call(w.tenant, 'POST', '/v1/tasks', w.body())).body.code).toBe('TENANT_LIMIT_REACHED');
    expect(await countOf(w.tenant)).toBe(1);
    // a scheduled create takes no slot (it waits for one when due)
    expect((await call(w.tenant, 'POST', '/v1/tasks', w.body({ mode: 'scheduled', at: new Date(Date.now() + 3_600_000).toISOString() }))).status).toBe(201);
    // once the task ends, the slot is free again
    expect((await call(w.tenant, 'POST', `/v1/tasks/${a.body.id}/cancel`)).body.status).toBe('cancelled');
    expect((await call(w.tenant, 'POST', '/v1/tasks', w.body())).status).toBe(201);
  });

  it('when concurrent creates on two replicas race for the last slot, then exactly the limit is running', async () => {
    const w = await world();
    await setLimits(w.tenant, { maxActiveTasks: 2 });
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => call(w.tenant, 'POST', '/v1/tasks', w.body(), i % 2)));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 422, 422, 422, 422]);
    expect(await countOf(w.tenant)).toBe(2);
  });

  it('when a tenant is over its lowered limit, then a resume is 422 TENANT_LIMIT_REACHED and the task stays paused; under it, the resume works', async () => {
    const w = await world();
    const a = (await call(w.tenant, 'POST', '/v1/tasks', w.body())).body;
    const b = (await call(w.tenant, 'POST', '/v1/tasks', w.body())).body;
    expect((await call(w.tenant, 'POST', `/v1/tasks/${b.id}/pause`)).body.status).toBe('paused');
    await setLimits(w.tenant, { maxActiveTasks: 1 });
    const refused = await call(w.tenant, 'POST', `/v1/tasks/${b.id}/resume`);
    expect([refused.status, refused.body.code]).toEqual([422, 'TENANT_LIMIT_REACHED']);
    expect(await statusOf(w.tenant, b.id)).toBe('paused');
    expect((await call(w.tenant, 'POST', `/v1/tasks/${a.id}/cancel`)).body.status).toBe('cancelled');
    expect((await call(w.tenant, 'POST', `/v1/tasks/${b.id}/resume`)).body.status).toBe('running');
  });

  it('when a scheduled task comes due at the limit, then it stays scheduled until a task of the tenant ends, and then starts', async () => {
    const w = await world();
    const other = await world(); // no limit: its task due just after shows the scheduler has passed the limited one's time
    await setLimits(w.tenant, { maxActiveTasks: 1 });
    const running = (await call(w.tenant, 'POST', '/v1/tasks', w.body())).body;
    const at = Date.now() + 1500;
    const waiting = (await call(w.tenant, 'POST', '/v1/tasks', w.body({ mode: 'scheduled', at: new Date(at).toISOString() })));
    expect([waiting.status, waiting.body.status]).toEqual([201, 'scheduled']);
    const control = (await call(other.tenant, 'POST', '/v1/tasks', other.body({ mode: 'scheduled', at: new Date(at + 100).toISOString() }))).body;
    await eventually(async () => (await statusOf(other.tenant, control.id)) === 'running', 15_000);
    expect(await statusOf(w.tenant, waiting.body.id)).toBe('scheduled');
    expect((await call(w.tenant, 'POST', `/v1/tasks/${running.id}/cancel`)).body.status).toBe('cancelled');
    await eventually(async () => (await statusOf(w.tenant, waiting.body.id)) === 'running', 15_000);
  });

  it('when a scheduled task is PATCHed to start now at the limit, then 422 TENANT_LIMIT_REACHED and it stays scheduled', async () => {
    const w = await world();
    await setLimits(w.tenant, { maxActiveTasks: 1 });
    await call(w.tenant, 'POST', '/v1/tasks', w.body());
    const later = (await call(w.tenant, 'POST', '/v1/tasks', w.body({ mode: 'scheduled', at: new Date(Date.now() + 3_600_000).toISOString() }))).body;
    const res = await call(w.tenant, 'PATCH', `/v1/tasks/${later.id}`, { start: { mode: 'immediate' } });
    expect([res.status, res.body.code]).toEqual([422, 'TENANT_LIMIT_REACHED']);
    expect(await statusOf(w.tenant, later.id)).toBe('scheduled');
  });

  it('when an older version of the limits arrives after a newer one, then the newer one stays', async () => {
    const w = await world();
    const v = await setLimits(w.tenant, { maxActiveTasks: 5 });
    // what the consumer does with a late message, awaited here (the bus gives no order to wait on)
    await new TenantLimitsCopy(tasks[1].deps.db).store({ tenantId: w.tenant, version: v - 1, limits: { ...NO_TENANT_LIMITS, maxActiveTasks: 0 }, updatedAt: new Date().toISOString() });
    expect((await sql<{ n: number }>(`SELECT (limits->>'maxActiveTasks')::int AS n FROM ${TASK_SCHEMA}.tenant_limits WHERE tenant_id = $1`, [w.tenant]))[0].n).toBe(5);
    expect((await call(w.tenant, 'POST', '/v1/tasks', w.body())).status).toBe(201);
  });
});
