import type { Logger } from '@autocall/logger';

/**
 * What one turn asks for next: `'again'` runs the next turn at once (a full batch: there is more),
 * a number waits that many milliseconds (a wake-up known in advance, e.g. the next scheduled task),
 * nothing waits the loop's interval.
 */
export type TurnResult = void | 'again' | number;

export interface WorkLoopOptions {
  /** Names the loop in its logs. */
  name: string;
  /** One turn of work. `stopped()` turns true once stop() was called: a long turn checks it. */
  turn: (ctx: { stopped: () => boolean }) => Promise<TurnResult>;
  /** Idle wait between turns when nothing nudges the loop; Infinity: turns run only when nudged. */
  intervalMs: number;
  logger: Logger;
  /**
   * Nudges within this many milliseconds share one turn (default 0: the next turn starts as soon
   * as the event loop is free). A nudge during a turn always runs one more turn after it.
   */
  coalesceMs?: number;
  /** First wait after a failed turn; it doubles with each failure in a row (default intervalMs, or 1 s if that is Infinity). */
  backoffMs?: number;
  /** The longest wait after failures (default 5 s, never below backoffMs). */
  maxBackoffMs?: number;
  /** Wait before the first turn after start() (default 0). */
  firstTurnMs?: number;
}

/**
 * The one loop every background worker runs on (outbox relay, import worker, scheduler, SMS
 * sender, dialer, in-process bus): at most one turn at a time; a turn runs on start, on nudge()
 * and every intervalMs; a turn that throws is logged and the next waits with exponential back-off
 * (nudges do not cut a back-off short, so a failing dependency is not hammered); stop() stops
 * scheduling and resolves once the running turn, if any, has ended.
 */
export class WorkLoop {
  private timer?: NodeJS.Timeout;
  private dueAt = Infinity;
  private current?: Promise<void>;
  private again = false;
  private stopped = true;
  private failures = 0;
  private backoffUntil = 0;
  private turns = 0;

  constructor(private readonly opts: WorkLoopOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.failures = 0;
    this.backoffUntil = 0;
    this.schedule(this.opts.firstTurnMs ?? 0);
  }

  /**
   * There is work: run a turn soon (after the running one, or after the back-off if one holds).
   * With `inMs`, work falls due then (a retry's time): a turn runs no later than that, or right
   * after the turn running then; an earlier wake-up already set wins.
   */
  nudge(inMs = 0): void {
    if (this.stopped) return;
    if (this.current && inMs <= 0) {
      this.again = true;
      return;
    }
    this.schedule(Math.max(inMs, this.opts.coalesceMs ?? 0, this.backoffUntil - Date.now()));
  }

  /** Stops scheduling turns; resolves when the running turn has ended. Safe to call twice. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dueAt = Infinity;
    await this.current;
  }

  /** true while a turn runs */
  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Turns run since construction (diagnostics and tests). */
  get turnCount(): number {
    return this.turns;
  }

  /** Failed turns in a row (0 after a turn succeeds). */
  get failuresInARow(): number {
    return this.failures;
  }

  /** Schedules a turn in `ms` unless one is already due sooner. */
  private schedule(ms: number): void {
    if (this.stopped || !Number.isFinite(ms)) return;
    const at = Date.now() + Math.max(0, ms);
    if (this.timer && this.dueAt <= at) return;
    clearTimeout(this.timer);
    this.dueAt = at;
    this.timer = setTimeout(() => this.run(), Math.max(0, ms));
    this.timer.unref?.();
  }

  private run(): void {
    this.timer = undefined;
    this.dueAt = Infinity;
    if (this.stopped) return;
    if (this.current) {
      this.again = true; // a delayed nudge fell due during a turn: one more turn after it
      return;
    }
    this.again = false;
    this.turns++;
    this.current = this.turnOnce().then((next) => {
      this.current = undefined;
      if (this.stopped) return;
      if (this.failures > 0) this.schedule(this.backoffUntil - Date.now());
      else if (next === 'again' || this.again) this.schedule(0);
      else this.schedule(typeof next === 'number' ? next : this.opts.intervalMs);
    });
  }

  private async turnOnce(): Promise<TurnResult> {
    try {
      const next = await this.opts.turn({ stopped: () => this.stopped });
      this.failures = 0;
      this.backoffUntil = 0;
      return next;
    } catch (err) {
      this.failures++;
      const first = this.opts.backoffMs ?? (Number.isFinite(this.opts.intervalMs) ? this.opts.intervalMs : 1000);
      const wait = Math.min(Math.max(first, this.opts.maxBackoffMs ?? 5_000), first * 2 ** Math.min(this.failures - 1, 20));
      this.backoffUntil = Date.now() + wait;
      this.opts.logger.warn({ err, loop: this.opts.name, failures: this.failures, retryInMs: wait }, `${this.opts.name}: turn failed; will retry`);
      return undefined;
    }
  }
}
