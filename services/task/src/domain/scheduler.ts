import type { DataSource } from 'typeorm';
import { publishManyInTransaction, type OutboxRelay } from '@autocall/bus';
import type { Logger } from '@autocall/logger';
import { TaskStarted } from '@autocall/contracts';
import { taskRepository as repo } from '../data/task.repository';
import type { Dependencies } from './dependencies';
import { toSnapshot } from './task';

/**
 * Starts due scheduled tasks. Every replica runs one; the claim (FOR UPDATE SKIP LOCKED, status
 * checked in the UPDATE) gives each due task to exactly one transaction, which also writes its
 * task.started to the outbox. It ticks every `tickMs` and sleeps less when a start is nearer, so a
 * task starts within a few ms of its time; a task overdue at start-up starts on the first tick.
 * The same loop retries releases of reservations left by failed creations.
 */
export class Scheduler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  private lastCleanup = 0;

  constructor(
    private readonly db: DataSource,
    private readonly relay: OutboxRelay,
    private readonly deps: Dependencies,
    private readonly logger: Logger,
    private readonly opts: { tickMs: number; batch: number; rpcTimeoutMs: number },
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
      });
    }, Math.max(0, ms));
  }

  private async tick(): Promise<void> {
    let next = this.opts.tickMs;
    try {
      let claimed: number;
      do claimed = await this.startDue();
      while (claimed >= this.opts.batch && !this.stopped);
      const dueIn = await repo.nextDueInMs(this.db.manager);
      if (dueIn !== null) next = Math.min(next, Math.max(0, Math.ceil(dueIn)));
      if (Date.now() - this.lastCleanup >= 1000) {
        this.lastCleanup = Date.now();
        await this.cleanups();
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'scheduler tick failed; will retry');
    }
    this.schedule(next);
  }

  /** One claim transaction; returns how many tasks it started. */
  async startDue(): Promise<number> {
    const started = await this.db.transaction(async (m) => {
      const rows = await repo.claimDue(m, this.opts.batch);
      await publishManyInTransaction(m, TaskStarted, rows.map(toSnapshot));
      return rows.length;
    });
    if (started > 0) {
      this.relay.nudge();
      this.logger.info({ started }, 'scheduled tasks started');
    }
    return started;
  }

  private async cleanups(): Promise<void> {
    const rows = await this.db.transaction(async (m) => {
      const due = await repo.claimCleanups(m, 50);
      for (const c of due) await repo.retryCleanup(m, c.task_id, this.opts.rpcTimeoutMs * 2 * 2 ** Math.min(c.attempts, 8));
      return due;
    });
    for (const c of rows) {
      try {
        await this.deps.releaseAll(c.tenant_id, c.task_id);
        await repo.finishCleanup(this.db.manager, c.task_id);
      } catch (err) {
        this.logger.warn({ err: (err as Error).message, taskId: c.task_id }, 'release of a failed creation’s reservations failed; will retry');
      }
    }
  }
}
