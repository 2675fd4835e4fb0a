import type { DataSource } from 'typeorm';
import type { Logger } from '@autocall/logger';
import { WorkLoop } from '@autocall/work-loop';
import { taskRepository as repo } from '../data/task.repository';
import { desiredCommand, type TaskRow } from '../domain/task';
import type { Lease, TaskControl } from './task-control';

/** Due tasks one pass takes. */
const BATCH = 50;

/**
 * Brings the dialer in line with what the API shows after a transition that timed out (or whose
 * process died mid-way): re-sends each due task's current state under a fresh, higher generation
 * until the dialer acknowledges it. Every replica runs one; the control lease gives each due task
 * to one holder at a time, and never while a transition of it is in progress.
 */
export class ControlReconciler {
  private readonly loop: WorkLoop;

  constructor(
    private readonly db: DataSource,
    private readonly control: TaskControl,
    private readonly logger: Logger,
    private readonly opts: { tickMs: number; maxBackoffMs: number },
  ) {
    // A pass every tickMs, the first one tickMs after start; a failed pass is retried after tickMs
    // too (a task's own re-sends back off by maxBackoffMs, in reconcile).
    this.loop = new WorkLoop({
      name: 'control reconciler',
      logger,
      intervalMs: opts.tickMs,
      firstTurnMs: opts.tickMs,
      backoffMs: opts.tickMs,
      maxBackoffMs: opts.tickMs,
      turn: async ({ stopped }) => {
        await this.reconcileDue(stopped);
      },
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Resolves once the running pass, if any, has ended. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One pass over the due tasks (until `stopped`); returns how many the dialer acknowledged. */
  async reconcileDue(stopped: () => boolean = () => false): Promise<number> {
    let synced = 0;
    for (const t of await repo.dueControls(this.db.manager, BATCH)) {
      if (stopped()) break;
      try {
        if (await this.control.withLease(t.tenant_id, t.id, (row, lease) => this.reconcile(row, lease), false)) synced++;
      } catch (err) {
        this.logger.warn({ err: (err as Error).message, taskId: t.id }, 'the dialer did not acknowledge the task’s state; will retry');
      }
    }
    return synced;
  }

  private async reconcile(row: TaskRow, lease: Lease): Promise<boolean> {
    if (!row.control_due_at) return false; // reconciled by another holder since it was listed
    const cmd = desiredCommand(row.status);
    if (!cmd) {
      await repo.controlInSync(this.db.manager, row.id);
      return true;
    }
    const retryInMs = Math.min(this.opts.maxBackoffMs, this.opts.tickMs * 2 ** Math.min(row.control_tries, 10));
    const ack = await this.control.send(lease, row, cmd, retryInMs);
    const { adopted } = await this.control.commit(lease, cmd, ack, async (m, now) => {
      // the row (under its lock) no longer shows what was sent: still owed, re-sent at the next pass
      if (desiredCommand(now.status) !== cmd) await repo.controlDue(m, now.id, 0, false);
    });
    this.logger.info({ taskId: row.id, status: adopted ? 'cancelled' : row.status, command: cmd, generation: ack.generation }, 'the dialer acknowledged the task’s state');
    return true;
  }
}
