import { WorkLoop } from '@autocall/work-loop';
import type { AttemptRepository } from '../data/attempt.repository';
import type { SettlingDeps } from './drain';

export interface SweeperDeps extends SettlingDeps {
  attempts: AttemptRepository;
  /** Unfinished roster loads are resumed after each sweep. */
  nudgeLoader: () => void;
  /** Ends the calls of the attempts settled `interrupted` (their dialogs' BYE/CANCEL). */
  endOrphans: () => Promise<number>;
}

/**
 * Every sweepMs (and at start): settles attempts a dead replica left in `dialing` (lease expired)
 * as failed `interrupted` and hangs up their calls (BYE/CANCEL from the stored dialog), expires the pending numbers of tasks whose end time came, drains idle
 * tasks (after a crash too), then resumes roster loads.
 */
export class Sweeper {
  /** start / nudge / stop */
  readonly loop: WorkLoop;

  constructor(
    private readonly deps: SweeperDeps,
    sweepMs: number,
  ) {
    this.loop = new WorkLoop({ name: 'dialer sweep', turn: () => this.turn(), intervalMs: sweepMs, backoffMs: sweepMs, maxBackoffMs: sweepMs, logger: deps.logger });
  }

  private async turn(): Promise<void> {
    const { attempts, tasks, drain, logger } = this.deps;
    try {
      for (;;) {
        const taskIds = await attempts.settleInterrupted(500);
        if (taskIds.length === 0) break;
        logger.warn({ tasks: taskIds.length }, 'settled interrupted attempts of a dead replica as failed');
        this.deps.nudgeOutbox();
        await drain(taskIds);
      }
      // the calls those dead replicas left up are ended now (and any a sweeper died before ending)
      await this.deps.endOrphans();
      for (;;) {
        // tasks whose end time has come: their pending numbers end expired
        const expired = await tasks.expireDue();
        if (expired.length === 0) break;
        this.deps.nudgeOutbox();
        await drain(expired);
      }
      await drain(await tasks.idleTasks());
      await attempts.pruneCounts();
    } finally {
      this.deps.nudgeLoader();
    }
  }
}
