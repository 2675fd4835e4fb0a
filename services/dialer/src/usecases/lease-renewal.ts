import type { Logger } from '@autocall/logger';
import { WorkLoop } from '@autocall/work-loop';
import type { AttemptRepository, ClaimedAttempt } from '../data/attempt.repository';

/** Keeps the leases of this replica's calls in flight alive: every third of the lease (at least 100 ms). */
export class LeaseRenewal {
  /** start / nudge / stop */
  readonly loop: WorkLoop;

  constructor(deps: { attempts: AttemptRepository; inFlight: Map<string, ClaimedAttempt>; me: string; leaseMs: number; logger: Logger }) {
    const everyMs = Math.max(100, Math.floor(deps.leaseMs / 3));
    this.loop = new WorkLoop({
      name: 'dialer lease renewal',
      turn: () => deps.attempts.renewLeases(deps.me, [...deps.inFlight.keys()], deps.leaseMs),
      intervalMs: everyMs,
      firstTurnMs: everyMs,
      backoffMs: everyMs,
      maxBackoffMs: everyMs,
      logger: deps.logger,
    });
  }
}
