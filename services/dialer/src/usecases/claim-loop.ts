import type { Logger } from '@autocall/logger';
import { WorkLoop } from '@autocall/work-loop';
import type { AttemptRepository, ClaimedAttempt } from '../data/attempt.repository';
import type { AttemptDialer } from './dial-attempt';

export interface ClaimLoopDeps {
  attempts: AttemptRepository;
  dialer: AttemptDialer;
  /** Calls this process's carrier can hold at once. */
  maxChannels: number;
  inFlight: Map<string, ClaimedAttempt>;
  /** Numbers of these tasks were settled without a call (listed): publish, and look for a drain. */
  onSettled: (taskIds: string[]) => void;
  logger: Logger;
}

export interface ClaimLoopOptions {
  me: string;
  leaseMs: number;
  /** Idle wait between looks, and the wait after a failed claim (not doubled). */
  tickMs: number;
  claimBatch: number;
}

/**
 * Claims due attempts (committed `dialing` before the carrier is asked) up to the carrier's free
 * channels and dials each: a full batch looks again at once, a short one after at most 10 ms,
 * none after tickMs; a nudge (a task started or released, a result committed) looks now.
 */
export class ClaimLoop {
  /** start / nudge / stop */
  readonly loop: WorkLoop;

  constructor(
    private readonly deps: ClaimLoopDeps,
    private readonly opts: ClaimLoopOptions,
  ) {
    this.loop = new WorkLoop({ name: 'dialer claim loop', turn: () => this.turn(), intervalMs: opts.tickMs, backoffMs: opts.tickMs, maxBackoffMs: opts.tickMs, logger: deps.logger });
  }

  private async turn(): Promise<'again' | number | void> {
    const { tickMs, claimBatch, me, leaseMs } = this.opts;
    const room = this.deps.maxChannels - this.deps.inFlight.size;
    if (room <= 0) return;
    const want = Math.min(claimBatch, room);
    const { claimed, settledTasks } = await this.deps.attempts.claimAndSettle(me, leaseMs, want);
    for (const a of claimed) this.deps.dialer.dial(a);
    if (settledTasks.length > 0) this.deps.onSettled(settledTasks);
    if (claimed.length === 0) return settledTasks.length > 0 ? 'again' : undefined;
    if (claimed.length < want) return Math.min(tickMs, 10);
    return 'again';
  }
}
