import type { Bus } from '@autocall/bus';
import { RosterEntriesPage } from '@autocall/contracts';
import { WorkLoop } from '@autocall/work-loop';
import type { LoadJob } from '../data/task.repository';
import { isDefinitiveRefusal, isOddRefusal } from '../domain/roster-refusal';
import type { SettlingDeps } from './drain';

export interface RosterLoaderDeps extends SettlingDeps {
  bus: Bus;
  /** New queued attempts: the claim loop may look now. */
  nudgeClaims: () => void;
}

export interface RosterLoaderOptions {
  me: string;
  leaseMs: number;
  pageSize: number;
  rpcTimeoutMs: number;
  /** A look for unfinished loads at least this often (the sweeper nudges it after each sweep too). */
  intervalMs: number;
}

/**
 * Loads started tasks' rosters (roster.entries.page, keyset pages) into queued first attempts,
 * one load job at a time, each leased to this replica; on a task.started nudge and after every
 * sweep. A failed turn is logged and resumed on the next nudge (not backed off: the jobs' own
 * leases and retry delays pace the roster service).
 */
export class RosterLoader {
  /** start / nudge / stop */
  readonly loop: WorkLoop;

  constructor(
    private readonly deps: RosterLoaderDeps,
    private readonly opts: RosterLoaderOptions,
  ) {
    this.loop = new WorkLoop({ name: 'dialer roster loader', turn: (ctx) => this.turn(ctx.stopped), intervalMs: opts.intervalMs, logger: deps.logger });
  }

  /** Stops taking jobs; the job in hand is given up at its next page. Resolves when the turn has ended. */
  private get jobLeaseMs(): number {
    return Math.max(this.opts.leaseMs, this.opts.rpcTimeoutMs * 2);
  }

  private async turn(stopped: () => boolean): Promise<void> {
    try {
      for (;;) {
        if (stopped()) break;
        const job = await this.deps.tasks.takeLoadJob(this.opts.me, this.jobLeaseMs);
        if (!job) break;
        await this.load(job, stopped);
      }
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'roster load failed; will resume');
    }
  }

  /** Pulls the roster in keyset pages; each page and the cursor commit together, so a crash resumes. */
  private async load(job: LoadJob, stopped: () => boolean): Promise<void> {
    const { tasks, bus, logger: log } = this.deps;
    const { me, pageSize, rpcTimeoutMs } = this.opts;
    let cursor = job.cursor;
    for (;;) {
      if (stopped()) return tasks.releaseLoadJob(me, job.taskId, 0);
      let page;
      try {
        page = await bus.request(RosterEntriesPage, { tenantId: job.tenantId, rosterId: job.rosterId, afterRowNumber: cursor, limit: pageSize }, { timeoutMs: rpcTimeoutMs });
      } catch (err) {
        if (isDefinitiveRefusal(err)) {
          // The owner answered and refused (the roster is gone, or not this tenant's): asking again
          // cannot help, and waiting would keep the task running forever. Settle what is left
          // (TaskRepository.refuseRoster says how) so the task drains and the task service can
          // complete it. A timeout or a 5xx is not a refusal: retried below.
          log.error({ err: (err as Error).message, taskId: job.taskId, rosterId: job.rosterId }, "roster refused by its owner; settling the task's remaining numbers as failed");
          const settled = await tasks.refuseRoster(me, job.taskId, 'roster unavailable');
          if (settled !== undefined) {
            this.deps.nudgeOutbox();
            await this.deps.drain([job.taskId]);
          }
          return;
        }
        const odd = isOddRefusal(err);
        if (odd) log.error({ err: err.message, code: err.code, taskId: job.taskId }, 'roster page refused by the roster service; retrying in 60 s');
        else log.warn({ err: (err as Error).message, taskId: job.taskId }, 'roster page not loaded; will retry');
        return tasks.releaseLoadJob(me, job.taskId, odd ? 60_000 : 2000);
      }
      const last = page.entries.length > 0 ? page.entries[page.entries.length - 1].rowNumber : cursor;
      const done = page.nextAfterRowNumber === null;
      const next = page.nextAfterRowNumber ?? last;
      const stored = await tasks.storePage(me, this.jobLeaseMs, { ...job, cursor }, page.entries, next, done);
      if (!stored) return;
      cursor = next;
      this.deps.nudgeClaims();
      if (done) return this.deps.drain([job.taskId]);
    }
  }
}
