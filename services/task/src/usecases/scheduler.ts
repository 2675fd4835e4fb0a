import type { DataSource } from 'typeorm';
import type { OutboxRelay } from '@autocall/bus';
import type { Logger } from '@autocall/logger';
import { TaskStarted } from '@autocall/contracts';
import { WorkLoop, type TurnResult } from '@autocall/work-loop';
import { taskRepository as repo } from '../data/task.repository';
import { admitDue } from '../domain/active-limit';
import { publishStatus } from './public-events';
import { publishSnapshots } from './snapshot-events';

/**
 * Starts due scheduled tasks. Every replica runs one; the claim (FOR UPDATE SKIP LOCKED, status
 * checked in the UPDATE) gives each due task to exactly one transaction, which also writes its
 * task.started to the outbox. It ticks every `tickMs` and sleeps less when a start is nearer, so a
 * task starts within a few ms of its time; a task overdue at start-up starts on the first tick.
 */
export class Scheduler {
  private readonly loop: WorkLoop;

  constructor(
    private readonly db: DataSource,
    private readonly relay: OutboxRelay,
    private readonly logger: Logger,
    private readonly opts: { tickMs: number; batch: number },
  ) {
    // A failed tick is retried after tickMs, not backed off: starts must stay within ms of their time once the database answers again.
    this.loop = new WorkLoop({ name: 'scheduler', logger, intervalMs: opts.tickMs, backoffMs: opts.tickMs, maxBackoffMs: opts.tickMs, turn: () => this.tick() });
  }

  start(): void {
    this.loop.start();
  }

  /** Resolves once the running tick, if any, has ended. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** A full batch: claim again at once; else wait for the nearest start, at most tickMs. */
  private async tick(): Promise<TurnResult> {
    if ((await this.startDue()) >= this.opts.batch) return 'again';
    const dueIn = await repo.nextDueInMs(this.db.manager);
    return dueIn === null ? this.opts.tickMs : Math.min(this.opts.tickMs, Math.max(0, Math.ceil(dueIn)));
  }

  /**
   * One claim transaction; returns how many tasks it started. A due task of a tenant at its
   * maxActiveTasks stays scheduled (and is not counted, so it never keeps the loop spinning): a
   * later tick starts it once one of the tenant's tasks has ended.
   */
  async startDue(): Promise<number> {
    const started = await this.db.transaction(async (m) => {
      const due = await repo.dueCandidates(m, this.opts.batch);
      // under the locks of the tenants' limit rows: replicas starting tasks of one tenant take turns
      const slots = await repo.lockActiveSlots(m, [...new Set(due.map((t) => t.tenant_id))]);
      const rows = await repo.startClaimed(m, admitDue(due, slots).map((t) => t.id));
      await publishSnapshots(m, TaskStarted, rows);
      await publishStatus(m, rows);
      return rows.length;
    });
    if (started > 0) {
      this.relay.nudge();
      this.logger.info({ started }, 'scheduled tasks started');
    }
    return started;
  }
}
