import { DialerTaskCancel, DialerTaskCancelV2, DialerTaskHold, DialerTaskHoldV2, DialerTaskRelease, DialerTaskReleaseV2 } from '@autocall/contracts';
import { Client } from 'pg';
import { newId } from '@autocall/contracts';
import { eventually, newTenantId, testDatabaseUrl } from '@autocall/testing';
import { callsPerNumber, dialerSql, dialerWorld, rosterOf, snapshot, startDialer, startTask, type Dialer } from './helpers';

const w = dialerWorld(null);
let a: Dialer;
let b: Dialer;

beforeAll(async () => {
  // calls take ~50–250 ms (ring and talk at 1/100 of real time), so some are always in flight; 20
  // channels each under a task limit of 40 concurrent calls, so both replicas hold calls at once
  a = await startDialer({ DIALER_ID: 'dialer-a', SIM_TIME_SCALE: '0.01', SIM_MAX_CHANNELS: '20' });
  b = await startDialer({ DIALER_ID: 'dialer-b', SIM_TIME_SCALE: '0.01', SIM_MAX_CHANNELS: '20' });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

describe('pause and resume with two dialer replicas', () => {
  it('when the hold answers, then no call starts after it; in-flight calls finish; after release every number is called exactly once', async () => {
    const tenantId = newTenantId();
    const count = 300;
    const s = snapshot({ tenantId, rosterId: w.roster.add(rosterOf(count)), total: count, dialing: { maxConcurrentCalls: 40, callsPerSecond: 150 } });
    w.events.watch(s.taskId);
    await startTask(w.bus, s);
    await eventually(async () => (await callsPerNumber(s.taskId)).size >= 60, 20_000);

    await w.bus.request(DialerTaskHold, { tenantId, taskId: s.taskId });
    // what had been claimed (committed `dialing`) when the hold answered: nothing else may be placed
    const claimed = new Set(
      (await dialerSql<{ id: string }>(`SELECT id FROM call_attempts WHERE task_id = $1 AND status IN ('dialing', 'completed')`, [s.taskId])).map((r) => r.id),
    );
    expect(claimed.size).toBeLessThan(count);
    // both replicas took part
    const by = await dialerSql<{ claimed_by: string }>(`SELECT DISTINCT claimed_by FROM call_attempts WHERE task_id = $1 AND claimed_by IS NOT NULL`, [s.taskId]);
    expect(by.map((r) => r.claimed_by).sort()).toEqual(['dialer-a', 'dialer-b']);

    // in-flight calls finish; nothing new is claimed or placed while held
    await eventually(async () => (await dialerSql(`SELECT 1 FROM call_attempts WHERE task_id = $1 AND status = 'dialing'`, [s.taskId])).length === 0, 10_000);
    await new Promise((r) => setTimeout(r, 600));
    const placed = await dialerSql<{ attempt_id: string }>(`SELECT s.attempt_id FROM sim_calls s JOIN call_attempts a ON a.id = s.attempt_id WHERE a.task_id = $1`, [s.taskId]);
    expect(placed.filter((p) => !claimed.has(p.attempt_id))).toEqual([]);
    // nothing claimed after the hold; a claimed call that had not been placed when the hold
    // committed went back to the queue unplaced (it re-checks the hold right before the call)
    const after = await dialerSql<{ id: string; status: string; not_placed: number }>(`SELECT id, status, not_placed FROM call_attempts WHERE task_id = $1`, [s.taskId]);
    expect(after.filter((r) => r.status !== 'queued' && !claimed.has(r.id))).toEqual([]);
    const requeued = after.filter((r) => r.status === 'queued' && claimed.has(r.id));
    expect(requeued.every((r) => r.not_placed > 0)).toBe(true);
    const placedIds = new Set(placed.map((p) => p.attempt_id));
    expect(requeued.filter((r) => placedIds.has(r.id))).toEqual([]);
    expect(w.events.drained.find((d) => d.taskId === s.taskId)).toBeUndefined();

    // a repeated hold is harmless
    await w.bus.request(DialerTaskHold, { tenantId, taskId: s.taskId });
    await w.bus.request(DialerTaskRelease, { tenantId, taskId: s.taskId });
    expect(await w.events.drainedOf(s.taskId, 30_000)).toMatchObject({ finalCount: count, cancelled: 0 });

    const perNumber = await callsPerNumber(s.taskId);
    expect(perNumber.size).toBe(count);
    expect([...perNumber.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    await eventually(() => w.events.callsOf(s.taskId).length === count);
  });

  it('when the hold is for another tenant, then it answers 404 and the task keeps dialling', async () => {
    const tenantId = newTenantId();
    const s = snapshot({ tenantId, rosterId: w.roster.add(rosterOf(20)), total: 20 });
    w.events.watch(s.taskId);
    await startTask(w.bus, s);
    await eventually(async () => (await dialerSql(`SELECT 1 FROM tasks WHERE task_id = $1`, [s.taskId])).length === 1);
    await expect(w.bus.request(DialerTaskHold, { tenantId: newTenantId(), taskId: s.taskId })).rejects.toMatchObject({ status: 404 });
    expect(await w.events.drainedOf(s.taskId)).toMatchObject({ finalCount: 20 });
  });
});

const soon = () => Date.now() + 5000;
const heldOf = async (taskId: string) => (await dialerSql<{ held: boolean; cancelled: boolean; control_generation: string }>(`SELECT held, cancelled, control_generation FROM tasks WHERE task_id = $1`, [taskId]))[0];

async function runningTask(count: number, dialing: Record<string, number> = {}) {
  const tenantId = newTenantId();
  const s = snapshot({ tenantId, rosterId: w.roster.add(rosterOf(count)), total: count, dialing: { maxConcurrentCalls: 5, callsPerSecond: 20, ...dialing } });
  w.events.watch(s.taskId);
  await startTask(w.bus, s);
  await eventually(async () => (await heldOf(s.taskId)) !== undefined);
  return { tenantId, taskId: s.taskId };
}

describe('versioned control (v2 hold/release/cancel)', () => {
  it('when an order’s generation is not higher than the one the dialer holds, then it changes nothing and the answer says what is held', async () => {
    const { tenantId, taskId } = await runningTask(200);
    expect(await w.bus.request(DialerTaskHoldV2, { tenantId, taskId, generation: 10, deadline: soon() })).toEqual({ applied: true, generation: 10, cancelled: false, cancelledCount: null });
    // an older release (a resume that timed out, arriving late) and an equal one: ignored
    for (const generation of [9, 10]) {
      expect(await w.bus.request(DialerTaskReleaseV2, { tenantId, taskId, generation, deadline: soon() })).toEqual({ applied: false, reason: 'stale', generation: 10, cancelled: false, cancelledCount: null });
    }
    expect(await heldOf(taskId)).toMatchObject({ held: true, control_generation: '10' });
    // an older cancel does not cancel
    expect(await w.bus.request(DialerTaskCancelV2, { tenantId, taskId, generation: 3, deadline: soon(), total: 200 })).toMatchObject({ applied: false, reason: 'stale', cancelled: false });
    // an unversioned (v1) order cannot undo a versioned one
    await expect(w.bus.request(DialerTaskHold, { tenantId, taskId })).rejects.toMatchObject({ code: 'CONTROL_SUPERSEDED', status: 409 });
    expect(await w.bus.request(DialerTaskReleaseV2, { tenantId, taskId, generation: 11, deadline: soon() })).toMatchObject({ applied: true, generation: 11 });
    expect(await heldOf(taskId)).toMatchObject({ held: false, cancelled: false });
    // a release after a cancel keeps it cancelled (and held), and reports the cancel's count
    const cancel = await w.bus.request(DialerTaskCancelV2, { tenantId, taskId, generation: 12, deadline: soon(), total: 200 });
    expect(cancel).toMatchObject({ applied: true, generation: 12, cancelled: true });
    expect(await w.bus.request(DialerTaskReleaseV2, { tenantId, taskId, generation: 13, deadline: soon() })).toEqual({ applied: true, generation: 13, cancelled: true, cancelledCount: cancel.cancelledCount });
    expect(await heldOf(taskId)).toMatchObject({ held: true, cancelled: true });
    // a v1 cancel of a task a v2 order cancelled: done, with the same count
    expect(await w.bus.request(DialerTaskCancel, { tenantId, taskId, total: 200 })).toEqual({ ok: true, cancelled: cancel.cancelledCount });
  });

  it('when an order’s handler starts after its deadline, then it does nothing: no hold, no cancel, no generation taken', async () => {
    const { tenantId, taskId } = await runningTask(30, { callsPerSecond: 1000, maxConcurrentCalls: 30 });
    const past = Date.now() - 1;
    expect(await w.bus.request(DialerTaskHoldV2, { tenantId, taskId, generation: 5, deadline: past })).toEqual({ applied: false, reason: 'expired', generation: 0, cancelled: false, cancelledCount: null });
    expect(await w.bus.request(DialerTaskCancelV2, { tenantId, taskId, generation: 6, deadline: past, total: 30 })).toMatchObject({ applied: false, reason: 'expired', cancelled: false });
    expect(await heldOf(taskId)).toMatchObject({ held: false, cancelled: false, control_generation: '0' });
    // the task was never held: it dials every number
    expect(await w.events.drainedOf(taskId, 30_000)).toMatchObject({ finalCount: 30, cancelled: 0 });
    expect((await callsPerNumber(taskId)).size).toBe(30);
  });

  it('when the sweeper settles a lapsed claimed-but-never-sent attempt while a cancel counts, then the number counts once: failed, not also cancelled', async () => {
    const tenantId = newTenantId();
    const taskId = newId();
    const attemptId = newId();
    // a task of 2 numbers: number 1 claimed by a replica that died before sending it, number 2 not loaded
    await dialerSql(`INSERT INTO tasks (task_id, tenant_id) VALUES ($1, $2)`, [taskId, tenantId]);
    await dialerSql(
      `INSERT INTO call_attempts (id, task_id, phone, row_number, attempt, status, due_at, claimed_by, lease_until) VALUES ($1, $2, '+628120000001', 1, 1, 'dialing', now(), 'dead-replica', now() + interval '1 hour')`,
      [attemptId, taskId],
    );
    // the sweeper, mid-transaction: it holds the attempt (its lease lapsed in this transaction only, so no live sweeper takes it)
    const sweeper = new Client({ connectionString: testDatabaseUrl() });
    await sweeper.connect();
    try {
      await sweeper.query('BEGIN');
      await sweeper.query(`SELECT 1 FROM dialer.call_attempts WHERE id = $1 FOR UPDATE`, [attemptId]);
      const cancel = w.bus.request(DialerTaskCancelV2, { tenantId, taskId, generation: 1, deadline: soon(), total: 2 });
      // the cancel waits for the sweeper's lock
      const pid = (await sweeper.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      await eventually(async () => (await dialerSql(`SELECT 1 FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid))`, [pid])).length > 0, 10_000, 5);
      // what settleInterrupted does to it, then commit
      await sweeper.query(
        `UPDATE dialer.call_attempts SET status = 'completed', final = true, outcome = 'failed', failure_reason = 'interrupted', ended_at = clock_timestamp(), duration_ms = 0, lease_until = NULL WHERE id = $1`,
        [attemptId],
      );
      await sweeper.query('COMMIT');
      expect(await cancel).toMatchObject({ applied: true, cancelled: true, cancelledCount: 1 });
    } finally {
      await sweeper.end();
    }
    expect(await dialerSql(`SELECT status, outcome FROM call_attempts WHERE task_id = $1`, [taskId])).toEqual([{ status: 'completed', outcome: 'failed' }]);
  });
});
