import type { DataSource } from 'typeorm';
import type { Logger } from '@autocall/logger';
import { WorkLoop } from '@autocall/work-loop';
import { taskRepository as repo } from '../data/task.repository';
import type { Dependencies } from '../domain/dependencies';

/** How often the clean-up loop looks for due releases (ms), and how many one pass takes. */
const CLEANUP_INTERVAL_MS = 1000;
const CLEANUP_BATCH = 50;

/**
 * What a task reserved with the owners of its references (recording, roster, templates) goes back
 * to them: when the task ends (the release consumer), and when its creation failed — released at
 * once, and again from a durable row by the clean-up loop, so a reserve that timed out here and
 * landed late at its owner is released too.
 */
export class Reservations {
  private readonly loop: WorkLoop;

  constructor(
    private readonly db: DataSource,
    private readonly deps: Dependencies,
    private readonly logger: Logger,
    private readonly opts: { rpcTimeoutMs: number },
  ) {
    this.loop = new WorkLoop({
      name: 'reservation clean-up',
      logger,
      intervalMs: CLEANUP_INTERVAL_MS,
      backoffMs: CLEANUP_INTERVAL_MS,
      maxBackoffMs: CLEANUP_INTERVAL_MS,
      turn: () => this.cleanups(),
    });
  }

  /** A finished task's references. Idempotent; a failure throws (the bus retries with back-off). */
  release(tenantId: string, taskId: string): Promise<void> {
    return this.deps.releaseAll(tenantId, taskId);
  }

  /**
   * Undoes reservations of a creation that failed: released now (best effort) and again after
   * twice the RPC timeout from a durable row.
   */
  async compensate(tenantId: string, taskId: string): Promise<void> {
    await repo.addCleanup(this.db.manager, tenantId, taskId, this.opts.rpcTimeoutMs * 2).catch(() => undefined);
    await this.deps.releaseAll(tenantId, taskId).catch(() => undefined);
  }

  /** Starts the clean-up loop: a pass at once, then every second. */
  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async cleanups(): Promise<void> {
    const rows = await this.db.transaction(async (m) => {
      const due = await repo.claimCleanups(m, CLEANUP_BATCH);
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
