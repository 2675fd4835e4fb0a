/**
 * Versioned task control end to end: the task service (two replicas, in-process, listening on real
 * ports) and two dialer processes run from dist, on this worker's database and vhost; recording,
 * roster and sms in-process. The simulated carrier records every call it placed with the time it
 * sent it (sim_calls.placed_at).
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { asTenant, eventually, newTenantId, sql, testDatabaseUrl } from '@autocall/testing';
import { dialersReady, spawnDialer } from '../../dialer/test/helpers';
import { TASK_SCHEMA } from '../src/app';
import { closedDays, rosterRows, startRecording, startRoster, startSms, startTask, uploadRecording, uploadRoster } from './helpers';

const root = join(__dirname, '..', '..', '..');
const RPC_TIMEOUT_MS = 1000;
const GRACE_MS = 500;
const env = { TASK_RPC_TIMEOUT_MS: String(RPC_TIMEOUT_MS), TASK_CONTROL_REPLY_GRACE_MS: String(GRACE_MS), TASK_CONTROL_RECONCILE_MS: '100', TASK_CONTROL_RECONCILE_MAX_BACKOFF_MS: '500' };

let recording: Awaited<ReturnType<typeof startRecording>>;
let roster: Awaited<ReturnType<typeof startRoster>>;
let sms: Awaited<ReturnType<typeof startSms>>;
let tasks: Awaited<ReturnType<typeof startTask>>[] = [];
let urls: string[] = [];
const dialers: ChildProcess[] = [];

beforeAll(async () => {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
  if (!existsSync(join(root, 'services/dialer/dist/main.js'))) throw new Error(`build failed: ${build.stderr}`);
  [recording, roster, sms] = await Promise.all([startRecording(), startRoster(), startSms()]);
  tasks = [await startTask(env), await startTask(env)];
  for (const t of tasks) {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    urls.push(`http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`);
  }
  // ring 60 ms, talk up to ~100 ms: calls take a little time, so some are always in flight
  const dialerEnv = { SIM_TIME_SCALE: '0.02', DIALER_TICK_MS: '20', DIALER_SWEEP_MS: '500' };
  dialers.push(spawnDialer('control-a', dialerEnv), spawnDialer('control-b', dialerEnv));
  await dialersReady(2);
}, 90_000);
afterAll(async () => {
  for (const d of dialers) d.kill('SIGKILL');
  for (const t of tasks) await t.close();
  await sms?.close();
  await roster?.close();
  await recording?.close();
  urls = [];
}, 30_000);

type Json = Record<string, any>;

/** A request through a real socket; `abortAfterMs` gives up early as an impatient client does (the server carries on). */
async function http(tenant: string, method: string, path: string, body?: unknown, o: { replica?: number; abortAfterMs?: number } = {}): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${urls[o.replica ?? 0]}${path}`, {
    method,
    headers: { ...asTenant(tenant), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: o.abortAfterMs === undefined ? undefined : AbortSignal.timeout(o.abortAfterMs),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json };
}

/** A tenant with a recording and a roster of `count` numbers (number i ends in digit i % 10). */
async function world(count: number) {
  const tenant = newTenantId();
  const [rec, ros] = await Promise.all([uploadRecording(recording, tenant), uploadRoster(roster, tenant, rosterRows(count))]);
  expect(ros).toMatchObject({ status: 'ready', counts: { valid: count } });
  const create = async (dialing: Json, name = 'Control test') => {
    const res = await http(tenant, 'POST', '/v1/tasks', {
      name,
      recordingId: rec.id,
      rosterId: ros.id,
      start: { mode: 'immediate' },
      dialing: { maxAttempts: 1, ringTimeoutSeconds: 5, callingWindow: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] }, ...dialing },
    });
    expect(res.status).toBe(201);
    return res.body;
  };
  return { tenant, create };
}

// to_jsonb: the same queries run on a schema from before versioned control, so this file can show what failed there
const dialerTask = async (taskId: string) =>
  (await sql<{ held: boolean; cancelled: boolean; control_generation: string | null }>(`SELECT held, cancelled, to_jsonb(t)->>'control_generation' AS control_generation FROM dialer.tasks t WHERE task_id = $1`, [taskId]))[0];
const controlOf = async (taskId: string) =>
  (
    await sql<{ control_due_at: string | null; control_holder: string | null; control_generation: string | null }>(
      `SELECT to_jsonb(t)->>'control_due_at' AS control_due_at, to_jsonb(t)->>'control_holder' AS control_holder, to_jsonb(t)->>'control_generation' AS control_generation FROM ${TASK_SCHEMA}.tasks t WHERE id = $1`,
      [taskId],
    )
  )[0];
const simCalls = (taskId: string) =>
  sql<{ attempt_id: string; phone: string; placed_at: Date }>(`SELECT s.attempt_id, s.phone, s.placed_at FROM dialer.sim_calls s JOIN dialer.call_attempts a ON a.id = s.attempt_id WHERE a.task_id = $1`, [taskId]);

/** The dialer's state matches what the API shows. */
function agrees(status: string, d: { held: boolean; cancelled: boolean }): boolean {
  switch (status) {
    case 'running':
    case 'scheduled':
      return !d.held && !d.cancelled;
    case 'paused':
      return d.held && !d.cancelled;
    case 'cancelled':
      return d.cancelled;
    default:
      return true; // completed: nothing left to dial
  }
}

/** A small seeded generator (mulberry32), so a storm's choices replay. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('versioned control', () => {
  it('when a resume times out because the dialer’s handler is stuck, then 503, the task stays paused, the late handler changes nothing and the reconciler leaves the dialer holding', async () => {
    const w = await world(3);
    // outside its calling days: running, loaded, but no call placed
    const t = await w.create({ callingWindow: { days: closedDays() } });
    const paused = (await http(w.tenant, 'POST', `/v1/tasks/${t.id}/pause`)).body;
    expect(paused.status).toBe('paused');
    expect(await dialerTask(t.id)).toMatchObject({ held: true, cancelled: false });

    // the dialer's task row is locked: its resume handler waits past the deadline and the caller's patience
    const lock = new Client({ connectionString: testDatabaseUrl() });
    await lock.connect();
    let resume: { status: number; body: Json };
    try {
      await lock.query('BEGIN');
      await lock.query(`SELECT 1 FROM dialer.tasks WHERE task_id = $1 FOR UPDATE`, [t.id]);
      resume = await http(w.tenant, 'POST', `/v1/tasks/${t.id}/resume`);
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await lock.query('COMMIT');
      await lock.end();
    }
    expect([resume.status, resume.body.code]).toEqual([503, 'DEPENDENCY_UNAVAILABLE']);
    expect((await http(w.tenant, 'GET', `/v1/tasks/${t.id}`)).body).toMatchObject({ status: 'paused', pausedAt: paused.pausedAt });
    // the stuck release has run by now, after its deadline: it changed nothing
    await new Promise((r) => setTimeout(r, 1000));
    expect(await dialerTask(t.id)).toMatchObject({ held: true, cancelled: false });
    // the reconciler re-sent the state shown (paused) under a newer generation until acknowledged
    await eventually(async () => (await controlOf(t.id)).control_due_at === null, 10_000);
    const synced = await controlOf(t.id);
    expect(Number(synced.control_generation)).toBeGreaterThan(0);
    expect(await dialerTask(t.id)).toMatchObject({ held: true, cancelled: false, control_generation: synced.control_generation });
    expect((await http(w.tenant, 'GET', `/v1/tasks/${t.id}`)).body.status).toBe('paused');
    expect((await http(w.tenant, 'POST', `/v1/tasks/${t.id}/cancel`)).body.status).toBe('cancelled');
  }, 60_000);

  it('A control storm: 200 concurrent pause/resume/cancel calls with impatient clients on 5 running tasks and two dialers end with every task’s API state equal to the dialer’s, no call started after a paused task’s pausedAt, and no number called twice', async () => {
    const w = await world(300);
    const all = await Promise.all(Array.from({ length: 5 }, (_, i) => w.create({ maxConcurrentCalls: 10, callsPerSecond: 25 }, `Storm ${i}`)));
    const ids = all.map((t) => t.id as string);
    await eventually(async () => (await Promise.all(ids.map(simCalls))).every((c) => c.length >= 3), 20_000);

    const random = seeded(11);
    const statuses: Record<string, number> = {};
    const storm = Array.from({ length: 200 }, () => {
      const id = ids[Math.floor(random() * ids.length)];
      const r = random();
      const action = r < 0.02 ? 'cancel' : r < 0.51 ? 'pause' : 'resume';
      const startIn = Math.floor(random() * 3000);
      const abortAfterMs = random() < 0.5 ? 5 + Math.floor(random() * 300) : undefined;
      const replica = random() < 0.5 ? 0 : 1;
      return (async () => {
        await new Promise((res) => setTimeout(res, startIn));
        const key = await http(w.tenant, 'POST', `/v1/tasks/${id}/${action}`, undefined, { replica, abortAfterMs }).then(
          (res) => `${action} ${res.status}`,
          () => `${action} aborted`,
        );
        statuses[key] = (statuses[key] ?? 0) + 1;
      })();
    });
    await Promise.all(storm);
    expect(Object.keys(statuses).filter((k) => / 5\d\d$/.test(k) && !k.endsWith(' 503'))).toEqual([]);

    // the reconciler converges: nothing owed to the dialer, no transition in progress
    await eventually(async () => (await Promise.all(ids.map(controlOf))).every((c) => c.control_due_at === null && c.control_holder === null), 20_000);
    const views = await Promise.all(ids.map(async (id) => (await http(w.tenant, 'GET', `/v1/tasks/${id}`)).body));
    const mismatches = [];
    for (const v of views) {
      const d = await dialerTask(v.id);
      if (!agrees(v.status, d)) mismatches.push({ status: v.status, ...d });
    }
    expect(mismatches).toEqual([]);

    // a paused task places nothing that starts after its pausedAt, however long it stays paused
    await new Promise((r) => setTimeout(r, 1000));
    const late = [];
    for (const v of views.filter((x) => x.status === 'paused')) {
      const pausedAt = new Date(v.pausedAt as string).getTime();
      for (const c of await simCalls(v.id)) if (c.placed_at.getTime() > pausedAt) late.push({ taskId: v.id, placedAt: c.placed_at.toISOString(), pausedAt: v.pausedAt });
    }
    expect(late).toEqual([]);
    for (const id of ids) {
      const perNumber = new Map<string, number>();
      for (const c of await simCalls(id)) perNumber.set(c.phone, (perNumber.get(c.phone) ?? 0) + 1);
      expect([...perNumber.entries()].filter(([, n]) => n > 1)).toEqual([]);
    }
    process.stdout.write(`control storm: ${JSON.stringify(statuses)}; final ${JSON.stringify(views.map((v) => v.status))}\n`);
    for (const id of ids) await http(w.tenant, 'POST', `/v1/tasks/${id}/cancel`);
  }, 90_000);

  it('A cancel mid-run, 20 times: the progress counters add up to total with nothing pending, and no number that was never dialled is failed', async () => {
    // 200 numbers, 20 at a time: ten waves of calls, so the cancel (after at most 20 calls) lands
    // mid-run even when the machine is slow to notice the calls (60 numbers finished first in CI)
    const w = await world(200);
    const problems: unknown[] = [];
    const once = async (i: number) => {
      const t = await w.create({ maxConcurrentCalls: 20, callsPerSecond: 200 }, `Cancel ${i}`);
      await eventually(async () => (await simCalls(t.id)).length >= 5 + (i % 4) * 5, 20_000, 5);
      const c = await http(w.tenant, 'POST', `/v1/tasks/${t.id}/cancel`);
      expect([c.status, c.body.status]).toEqual([200, 'cancelled']);
      const end = await eventually(async () => {
        const v = (await http(w.tenant, 'GET', `/v1/tasks/${t.id}`)).body;
        return v.progress.pending === 0 && v;
      }, 20_000);
      const p = end.progress;
      if (p.total !== p.pending + p.answered + p.noAnswer + p.busy + p.unavailable + p.failed + p.cancelled) problems.push({ i, progress: p });
      // every failed number was called; the task's failed counter counts only those
      const failed = await sql<{ id: string; failure_reason: string | null; called: boolean }>(
        `SELECT a.id, a.failure_reason, EXISTS (SELECT 1 FROM dialer.sim_calls s WHERE s.attempt_id = a.id) AS called
           FROM dialer.call_attempts a WHERE a.task_id = $1 AND a.final AND a.outcome = 'failed'`,
        [t.id],
      );
      const never = failed.filter((f) => !f.called);
      if (never.length > 0) problems.push({ i, neverDialledButFailed: never.map((f) => f.failure_reason) });
      if (p.failed !== failed.length - never.length) problems.push({ i, failedCounter: p.failed, calledAndFailed: failed.length - never.length });
    };
    for (let i = 0; i < 20; i += 5) await Promise.all([0, 1, 2, 3, 4].map((k) => once(i + k)));
    expect(problems).toEqual([]);
  }, 120_000);
});
