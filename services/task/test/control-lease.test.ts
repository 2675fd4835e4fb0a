/**
 * The control lease fences the commit: a holder whose lease lapsed mid-transition (a slow commit)
 * must not commit over the holder that took the lease after it. Two TaskControl instances (two
 * replicas) on this worker's database; the dialer is an in-memory stand-in that applies an order
 * only if its generation is higher, so each step is placed deterministically.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { newId } from '@autocall/contracts';
import { newTenantId } from '@autocall/testing';
import { taskRepository as repo } from '../src/data/task.repository';
import type { ControlAck, ControlOrder, Dependencies } from '../src/domain/dependencies';
import type { TaskRow, TaskStatus } from '../src/domain/task';
import { ControlReconciler } from '../src/usecases/control-reconciler';
import { type Lease, TaskControl } from '../src/usecases/task-control';
import { startTask } from './helpers';

let svc: Awaited<ReturnType<typeof startTask>>;
// the service's own reconciler stays idle: this test drives its own
beforeAll(async () => (svc = await startTask({ TASK_CONTROL_RECONCILE_MS: '60000' })));
afterAll(async () => svc?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

/** The dialer's side: what it holds, and the newest generation applied. */
function fakeDialer(onRelease: () => Promise<void>) {
  const state = { held: false, generation: 0 };
  const apply = (held: boolean) => (order: ControlOrder): ControlAck => {
    if (order.generation <= state.generation) return { applied: false, reason: 'stale', generation: state.generation, cancelled: false, cancelledCount: null };
    Object.assign(state, { held, generation: order.generation });
    return { applied: true, generation: order.generation, cancelled: false, cancelledCount: null };
  };
  const deps = {
    hold: async (_t: string, _id: string, o: ControlOrder) => apply(true)(o),
    release: async (_t: string, _id: string, o: ControlOrder) => {
      const ack = apply(false)(o);
      await onRelease();
      return ack;
    },
  } as unknown as Dependencies;
  return { state, deps };
}

/** A task row of its own (no neighbour service is asked anything here). */
async function task(status: TaskStatus) {
  const tenantId = newTenantId();
  const id = newId();
  const db = svc.deps.db;
  await repo.insert(db.manager, {
    id, tenant_id: tenantId, name: 'Lease test', status, recording_id: newId(), recording_duration_ms: 1000, roster_id: newId(), roster_columns: [],
    total: 1, start_mode: 'immediate', start_at: new Date(), timezone: 'Asia/Jakarta', sms: {} as never, dialing: {} as never, started_at: new Date(),
  });
  return { tenantId, id, db };
}

describe('control lease', () => {
  it('when a pause’s commit stalls past its lease and the reconciler takes the lease and releases, then the stale pause is refused 503 and the task shows what the dialer holds', async () => {
    const { tenantId, id, db } = await task('running');

    let releaseSent!: () => void;
    const releaseSeen = new Promise<void>((r) => (releaseSent = r));
    let pauseDone!: () => void;
    const pauseOver = new Promise<void>((r) => (pauseDone = r));
    // the reconciler's release is applied by the dialer, and its answer arrives after the stale pause tried to commit
    const dialer = fakeDialer(async () => {
      releaseSent();
      await Promise.race([pauseOver, sleep(3000)]);
    });
    const opts = { rpcTimeoutMs: 100, replyGraceMs: 50 }; // lease 300 ms
    const a = new TaskControl(db, svc.deps.relay, dialer.deps, opts);
    const r = new TaskControl(db, svc.deps.relay, dialer.deps, opts);
    const reconciler = new ControlReconciler(db, r, svc.deps.logger, { tickMs: 50, maxBackoffMs: 100 });

    // one reconciler pass over this task alone (reconcileDue would also take other tests' due tasks)
    const inner = reconciler as unknown as { reconcile(row: TaskRow, lease: Lease): Promise<boolean> };
    const reconcileOnce = () => r.withLease(tenantId, id, (row, lease) => inner.reconcile(row, lease), false);
    let reconciling: Promise<boolean | undefined> | undefined;
    const pause = a.withLease(tenantId, id, async (row, lease) => {
      const ack = await a.send(lease, row, 'hold');
      expect(dialer.state.held).toBe(true);
      await sleep(450); // the commit stalls: the lease lapses, the task is due
      reconciling = reconcileOnce();
      await Promise.race([releaseSeen, sleep(3000)]);
      try {
        return await a.commit(lease, 'hold', ack, async (m) => repo.update(m, id, { status: 'paused', paused_at: new Date() }));
      } finally {
        pauseDone();
      }
    });
    const [paused] = await Promise.allSettled([pause]);
    expect(await reconciling).toBe(true);
    // whatever is still owed is settled by further passes
    for (let i = 0; i < 5 && (await repo.find(db.manager, tenantId, id))!.control_due_at; i++) {
      await sleep(20);
      await reconcileOnce();
    }
    const row = (await repo.find(db.manager, tenantId, id))!;
    expect({ status: row.status, held: dialer.state.held, due: row.control_due_at, holder: row.control_holder }).toEqual({ status: 'running', held: false, due: null, holder: null });
    expect(Number(row.control_generation)).toBe(dialer.state.generation);
    // the stale holder was told nothing changed
    expect(paused).toMatchObject({ status: 'rejected', reason: { status: 503 } });
  }, 30_000);

  it('when a resume’s commit fails after the dialer released, then the task is due at once, and the next reconciler pass holds the dialer again', async () => {
    const { tenantId, id, db } = await task('paused');
    const dialer = fakeDialer(async () => undefined);
    dialer.state.held = true;
    const opts = { rpcTimeoutMs: 2000, replyGraceMs: 1000 }; // lease 6 s: the mark drawGeneration leaves is far off
    const a = new TaskControl(db, svc.deps.relay, dialer.deps, opts);
    const resume = a.withLease(tenantId, id, async (row, lease) => {
      const ack = await a.send(lease, row, 'release');
      return a.commit(lease, 'release', ack, async () => {
        throw new Error('connection lost');
      });
    });
    await expect(resume).rejects.toThrow('connection lost');
    expect(dialer.state.held).toBe(false);
    const [due] = await db.query(`SELECT control_due_at <= clock_timestamp() AS now FROM tasks WHERE id = $1`, [id]);
    expect(due).toEqual({ now: true });
    const reconciler = new ControlReconciler(db, a, svc.deps.logger, { tickMs: 50, maxBackoffMs: 100 });
    const inner = reconciler as unknown as { reconcile(row: TaskRow, lease: Lease): Promise<boolean> };
    expect(await a.withLease(tenantId, id, (row, lease) => inner.reconcile(row, lease), false)).toBe(true);
    expect({ status: (await repo.find(db.manager, tenantId, id))!.status, held: dialer.state.held }).toEqual({ status: 'paused', held: true });
  }, 30_000);
});
