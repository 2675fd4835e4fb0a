import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { AppError, commonErrors, TaskCancelled } from '@autocall/contracts';
import type { OutboxRelay } from '@autocall/bus';
import { taskRepository as repo } from '../data/task.repository';
import type { ControlAck, Dependencies } from '../domain/dependencies';
import { taskErrors } from '../domain/errors';
import type { ControlCommand, TaskRow } from '../domain/task';
import { publishStatus } from './public-events';
import { publishSnapshots } from './snapshot-events';

export interface ControlOptions {
  rpcTimeoutMs: number;
  /** How much longer than the deadline the answer is waited for. */
  replyGraceMs: number;
}

/** The per-task control lease of one holder. */
export interface Lease {
  tenantId: string;
  taskId: string;
  holder: string;
}

const busy = () => commonErrors.DEPENDENCY_UNAVAILABLE('Another change of this task is still in progress; nothing was changed.');
const unavailable = () => commonErrors.DEPENDENCY_UNAVAILABLE('The dialer did not confirm the change in time; nothing was changed.');

/**
 * Versioned control of the dialer (ARCHITECTURE.md "Task control is versioned"). A transition of a
 * task runs under its control lease — a lease column taken try-and-retry, not a row lock nor a
 * pooled connection held over the RPC — from before the RPC until after the commit, so transitions
 * of one task are serialised end to end. Each order to the dialer draws a generation from a
 * sequence (used up whatever becomes of the order) and carries a deadline; the row records the
 * generation the dialer acknowledged, and only a higher one may commit over it.
 */
export class TaskControl {
  constructor(
    private readonly db: DataSource,
    private readonly relay: OutboxRelay,
    private readonly deps: Dependencies,
    private readonly opts: ControlOptions,
  ) {}

  /** Long enough for one order and its commit; a holder that dies frees the task after it. */
  private get leaseMs(): number {
    return 2 * (this.opts.rpcTimeoutMs + this.opts.replyGraceMs);
  }

  /** Per task, the last local contender's turn: contenders of one replica queue here, not on the database. */
  private readonly turns = new Map<string, Promise<void>>();

  /**
   * Runs `fn` holding the task's control lease, with the row as read when the lease was taken.
   * Contenders in this replica wait their turn in memory (so the holder's own queries are not stuck
   * behind their polls in the connection pool); the lease itself, shared with the other replicas, is
   * tried again without holding a connection. `wait`: give up with 503 after ~2 RPC timeouts; else
   * answer undefined at once when another holder has it.
   */
  async withLease<T>(tenantId: string, taskId: string, fn: (row: TaskRow, lease: Lease) => Promise<T>, wait = true): Promise<T | undefined> {
    const before = this.turns.get(taskId);
    if (before && !wait) return undefined;
    let done!: () => void;
    const mine = new Promise<void>((r) => (done = r));
    const turn = (before ?? Promise.resolve()).then(() => mine);
    this.turns.set(taskId, turn);
    try {
      const giveUp = Date.now() + this.opts.rpcTimeoutMs * 2;
      if (before) {
        let timer: NodeJS.Timeout | undefined;
        const ours = await Promise.race([before.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), giveUp - Date.now())))]);
        clearTimeout(timer);
        if (!ours) throw busy();
      }
      const lease = { tenantId, taskId, holder: randomUUID() };
      let row: TaskRow | undefined;
      for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
        row = await repo.takeControl(this.db.manager, tenantId, taskId, lease.holder, this.leaseMs);
        if (row) break;
        if (!(await repo.find(this.db.manager, tenantId, taskId))) throw taskErrors.TASK_NOT_FOUND();
        if (!wait) return undefined;
        if (Date.now() > giveUp) throw busy();
        await new Promise((r) => setTimeout(r, pause));
      }
      try {
        return await fn(row, lease);
      } finally {
        await repo.releaseControl(this.db.manager, taskId, lease.holder).catch(() => undefined);
      }
    } finally {
      done();
      if (this.turns.get(taskId) === turn) this.turns.delete(taskId);
    }
  }

  /**
   * Sends `cmd` under a fresh generation and returns the dialer's acknowledgement. When the dialer
   * did not apply it (no answer in time, or it refused it as stale or late), the task is left to
   * the reconciler after `retryInMs` and this throws 503: the caller changes nothing.
   */
  async send(lease: Lease, row: TaskRow, cmd: ControlCommand, retryInMs = 0): Promise<ControlAck> {
    const drawn = await repo.drawGeneration(this.db.manager, lease.taskId, lease.holder);
    if (!drawn) throw busy();
    const order = { generation: drawn.generation, deadline: drawn.nowMs + this.opts.rpcTimeoutMs, waitMs: this.opts.rpcTimeoutMs + this.opts.replyGraceMs };
    let ack: ControlAck;
    try {
      ack =
        cmd === 'hold'
          ? await this.deps.hold(lease.tenantId, lease.taskId, order)
          : cmd === 'release'
            ? await this.deps.release(lease.tenantId, lease.taskId, order)
            : await this.deps.cancel(lease.tenantId, lease.taskId, row.total, order);
    } catch (err) {
      await repo.controlDue(this.db.manager, lease.taskId, retryInMs, true).catch(() => undefined);
      if (err instanceof AppError && err.status < 500) throw err;
      throw unavailable();
    }
    if (!ack.applied) {
      await repo.controlDue(this.db.manager, lease.taskId, retryInMs, true).catch(() => undefined);
      throw unavailable();
    }
    return ack;
  }

  /**
   * Commits what the dialer acknowledged: its generation (the task is in sync) and the
   * transition's own change, in one transaction under the row lock. A dialer that reports the task
   * cancelled (a cancel it applied whose answer never came back) is followed — a cancel is for good
   * — and `adopted` says so; `apply` does not run then.
   */
  async commit<T>(lease: Lease, cmd: ControlCommand, ack: ControlAck, apply: (m: EntityManager, row: TaskRow) => Promise<T>): Promise<{ adopted: boolean; value?: T }> {
    const out = await this.db
      .transaction(async (m) => {
        const row = await repo.find(m, lease.tenantId, lease.taskId, true);
        if (!row) throw taskErrors.TASK_NOT_FOUND();
        // The lease lapsed and another holder took it (a stalled commit): it may have sent the dialer
        // a newer order already, so this one's acknowledgement must not be committed over it.
        if (row.control_holder !== lease.holder) throw unavailable();
        if (!(await repo.ackControl(m, row.id, ack.generation, lease.holder))) throw unavailable(); // a newer order has been acknowledged
        if (cmd !== 'cancel' && ack.cancelled && row.status !== 'cancelled' && row.status !== 'completed') {
          const r = await repo.update(m, row.id, { status: 'cancelled', cancelled_at: new Date(), cancelled: ack.cancelledCount ?? 0 });
          await publishSnapshots(m, TaskCancelled, [r]);
          await publishStatus(m, [r]);
          return { adopted: true };
        }
        return { adopted: false, value: await apply(m, row) };
      })
      .catch(async (err: unknown) => {
        // The dialer applied an order this row does not show (the lease was lost, or the commit
        // failed): due now, not when the lease lapses, so the reconciler re-sends the row's state at
        // its next pass. Best effort: failing that, the mark drawGeneration left takes over.
        await repo.controlDue(this.db.manager, lease.taskId, 0, false).catch(() => undefined);
        throw err;
      });
    this.relay.nudge();
    return out;
  }
}
