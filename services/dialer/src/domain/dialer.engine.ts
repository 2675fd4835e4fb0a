import type { Bus } from '@autocall/bus';
import { AppError, RosterEntriesPage } from '@autocall/contracts';
import type { Logger } from '@autocall/logger';
import { type Carrier, type DialRequest, isNotPlaced, type NotPlacedError } from '../adapters/carrier';
import type { AttemptRepository, AttemptResult, ClaimedAttempt } from '../data/attempt.repository';
import type { LoadJob, TaskRepository } from '../data/task.repository';

export interface EngineOptions {
  /** This replica's name in claims. */
  me: string;
  leaseMs: number;
  tickMs: number;
  claimBatch: number;
  sweepMs: number;
  rosterPageSize: number;
  rosterTimeoutMs: number;
  /** First back-off of an attempt the carrier did not place (ms); doubles per try up to `notPlacedMaxMs`. */
  notPlacedBackoffMs: number;
  notPlacedMaxMs: number;
  /**
   * Failed unplaced tries (see failedTry) after which the attempt is settled final as `failed`,
   * reason `not placed: <last reason>` (safe: nothing was sent), so a recording that never loads
   * cannot keep a task from draining. Waiting for capacity or a hold never ends an attempt.
   */
  notPlacedMaxTries: number;
}

export interface EngineDeps {
  attempts: AttemptRepository;
  tasks: TaskRepository;
  carrier: Carrier;
  bus: Bus;
  /** Publishes committed outbox rows now. */
  nudgeOutbox: () => void;
  loadUlaw: (tenantId: string, recordingId: string) => Promise<Buffer>;
  logger: Logger;
}

const RESULT_BATCH = 2000;

/** What the engine owes the database for an unplaced attempt: back to the queue after a delay. */
interface Requeue {
  attempt: ClaimedAttempt;
  delayMs: number;
  reason: string;
  /** A failed try (counts toward notPlacedMaxTries), not a wait for capacity or a hold. */
  failed: boolean;
}

/**
 * Unplaced tries that failed: the recording could not be loaded, the carrier could not be set up.
 * The others wait for something that comes back by itself — a free channel or RTP port (the
 * carrier's own calls end), the next process (shutdown), the release of a hold.
 */
const failedTry = (err: NotPlacedError): boolean => err.reason === 'recording' || err.reason === 'setup';

/**
 * A roster refusal that retrying cannot cure: the owner answered that the roster does not exist
 * for this tenant (ROSTER_NOT_FOUND, the roster service's answer for a gone or foreign roster) or
 * that it is forbidden. Not a timeout or a 5xx, and not another 4xx either (e.g. a request the
 * owner finds invalid during a rolling upgrade): those may pass, and are retried.
 */
export function isDefinitiveRefusal(err: unknown): boolean {
  return err instanceof AppError && (err.code === 'ROSTER_NOT_FOUND' || err.status === 403 || err.status === 404);
}

/**
 * The dialing loop of one replica: claim due attempts (committed `dialing` before the carrier is
 * asked), dial them concurrently, commit their results in batches, keep their leases alive, settle
 * other replicas' interrupted attempts, load rosters, and announce drained tasks.
 */
export class DialerEngine {
  private readonly inFlight = new Map<string, ClaimedAttempt>();
  private results: AttemptResult[] = [];
  private requeues: Requeue[] = [];
  private flushing = false;
  private stopped = true;
  private claimLoopDone: Promise<void> = Promise.resolve();
  private wakeUp?: () => void;
  private woken = false;
  private timers: NodeJS.Timeout[] = [];
  private loading = false;
  private loadAgain = false;
  private readonly log: Logger;

  constructor(
    private readonly deps: EngineDeps,
    private readonly opts: EngineOptions,
  ) {
    this.log = deps.logger.child({ component: 'dialer', dialerId: opts.me });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.claimLoopDone = this.claimLoop();
    this.timers.push(setInterval(() => void this.renewLeases(), Math.max(100, Math.floor(this.opts.leaseMs / 3))));
    this.timers.push(setInterval(() => void this.sweep(), this.opts.sweepMs));
    void this.sweep();
  }

  /** Work may be due (a task started, resumed or changed): look now rather than at the next tick. */
  nudge(): void {
    if (this.wakeUp) this.wakeUp();
    else this.woken = true;
  }

  /** A task started: load its roster now. */
  nudgeLoader(): void {
    void this.loadLoop();
  }

  /** Calls this replica has claimed and not yet committed a result for. */
  get callsInFlight(): number {
    return this.inFlight.size;
  }

  /** Stops claiming, lets calls in flight finish (up to `graceMs`) and commits their results. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.wakeUp?.();
    await this.claimLoopDone;
    const end = Date.now() + graceMs;
    while ((this.inFlight.size > 0 || this.flushing) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wakeUp === done) this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  private async claimLoop(): Promise<void> {
    while (!this.stopped) {
      const room = this.deps.carrier.maxChannels - this.inFlight.size;
      if (room <= 0) {
        await this.sleep(this.opts.tickMs);
        continue;
      }
      const want = Math.min(this.opts.claimBatch, room);
      let claimed: ClaimedAttempt[];
      try {
        claimed = await this.deps.attempts.claim(this.opts.me, this.opts.leaseMs, want);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'claim failed; will retry');
        await this.sleep(this.opts.tickMs);
        continue;
      }
      for (const a of claimed) this.dial(a);
      if (claimed.length === 0) await this.sleep(this.opts.tickMs);
      else if (claimed.length < want) await this.sleep(Math.min(this.opts.tickMs, 10));
    }
  }

  private dial(a: ClaimedAttempt): void {
    this.inFlight.set(a.id, a);
    const recordingId = a.recordingId;
    /** Set when the pre-INVITE check found the attempt no longer this replica's. */
    let lost = false;
    const request: DialRequest = {
      attemptId: a.id,
      phone: a.phone,
      attempt: a.attempt,
      callerId: a.callerId,
      ringTimeoutSeconds: a.ringTimeoutSeconds,
      recording: {
        id: recordingId ?? '',
        durationMs: a.recordingDurationMs,
        loadUlaw: () => (recordingId ? this.deps.loadUlaw(a.tenantId, recordingId) : Promise.reject(new Error('task has no recording'))),
      },
      // A hold may have committed since the claim (the recording's first load can be slow), or this
      // replica's lease may have lapsed and the sweeper settled the attempt: the carrier asks once
      // more, under the task's and the attempt's row locks, right before the INVITE.
      beforeSend: async (send) => {
        const verdict = await this.deps.tasks.whileDialable(a.taskId, a.id, this.opts.me, send);
        if (verdict === 'lost') lost = true;
        return verdict === 'sent';
      },
    };
    const startedAt = new Date();
    this.deps.carrier
      .dial(request)
      .then(
        (result) => this.results.push({ attempt: a, result }),
        (err: unknown) => {
          if (isNotPlaced(err) && lost) {
            // Not ours any more (settled final by the sweeper, its call.completed out; or made
            // `cancelled` by a cancel): nothing was sent, and nothing is owed — no requeue, no result.
            this.inFlight.delete(a.id);
            this.log.warn({ attemptId: a.id, taskId: a.taskId }, 'attempt settled elsewhere before its call (lease lapsed, or the task cancelled); not placed, not requeued');
          } else if (isNotPlaced(err) && failedTry(err) && a.notPlacedFailed + 1 >= this.opts.notPlacedMaxTries) {
            // Never placed, try after try: settle it (nothing was sent, so a final failed is safe).
            this.log.error({ attemptId: a.id, taskId: a.taskId, tries: a.notPlacedFailed + 1, err: err.message }, 'call never placed; attempt settled as failed');
            const now = new Date();
            this.results.push({
              attempt: a,
              neverPlaced: true,
              result: { outcome: 'failed', hangupBy: null, sipCode: null, failureReason: `not placed: ${err.message}`, retryable: false, startedAt: now, answeredAt: null, endedAt: now },
            });
          } else if (isNotPlaced(err)) this.requeues.push({ attempt: a, delayMs: this.backoff(a, err), reason: `not placed: ${err.message}`, failed: failedTry(err) });
          else {
            // Anything else may have happened after the INVITE left: a failed call, never redialled.
            this.results.push({
              attempt: a,
              result: {
                outcome: 'failed',
                hangupBy: null,
                sipCode: null,
                failureReason: `carrier error: ${(err as Error).message}`,
                retryable: false,
                startedAt,
                answeredAt: null,
                endedAt: new Date(),
              },
            });
          }
        },
      )
      .then(() => {
        if (!this.flushing) void this.flush();
      })
      .catch((err: unknown) => this.log.error({ err }, 'result not queued'));
  }

  /**
   * When an unplaced attempt is due again: at once when the task was held (the hold itself keeps
   * it from being claimed until released), else doubling per unplaced try from notPlacedBackoffMs
   * up to notPlacedMaxMs, so a carrier or recording outage is not hammered.
   */
  private backoff(a: ClaimedAttempt, err: NotPlacedError): number {
    if (err.reason === 'held') return 0;
    return Math.min(this.opts.notPlacedMaxMs, this.opts.notPlacedBackoffMs * 2 ** Math.min(a.notPlaced, 20));
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.results.length > 0 || this.requeues.length > 0) {
        if (this.requeues.length > 0) {
          const batch = this.requeues.splice(0, RESULT_BATCH);
          try {
            const closed = await this.deps.attempts.requeue(
              this.opts.me,
              batch.map((r) => ({ id: r.attempt.id, taskId: r.attempt.taskId, delayMs: r.delayMs, reason: r.reason, failed: r.failed })),
            );
            const back = batch.filter((r) => !closed.has(r.attempt.id));
            for (const r of back) this.inFlight.delete(r.attempt.id);
            // the roster refused meanwhile (its queued attempts were settled): they end as a failed
            // call never placed (no start: the report counts no call for it). A cancel turned its
            // unplaced attempts into `cancelled` itself, so none comes back here.
            for (const r of batch.filter((b) => closed.has(b.attempt.id))) {
              const now = new Date();
              this.results.push({
                attempt: r.attempt,
                neverPlaced: true,
                result: { outcome: 'failed', hangupBy: null, sipCode: null, failureReason: r.reason, retryable: false, startedAt: now, answeredAt: null, endedAt: now },
              });
            }
            if (back.length > 0) {
              this.log.warn({ attempts: back.length, reasons: [...new Set(back.map((r) => r.reason))] }, 'calls not placed (nothing sent); attempts requeued');
            }
            this.nudge();
          } catch (err) {
            this.log.warn({ err: (err as Error).message, requeues: batch.length }, 'requeue failed; will retry');
            this.requeues = batch.concat(this.requeues);
            await new Promise((r) => setTimeout(r, 500));
          }
          continue;
        }
        const batch = this.results.splice(0, RESULT_BATCH);
        try {
          const { taskIds } = await this.deps.attempts.writeResults(batch);
          for (const r of batch) this.inFlight.delete(r.attempt.id);
          this.deps.nudgeOutbox();
          this.nudge();
          await this.drain(taskIds);
        } catch (err) {
          this.log.warn({ err: (err as Error).message, results: batch.length }, 'result write failed; will retry');
          this.results = batch.concat(this.results);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async drain(taskIds: string[]): Promise<void> {
    try {
      if ((await this.deps.tasks.drainIfDone(taskIds)) > 0) this.deps.nudgeOutbox();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'drain check failed; the sweep retries');
    }
  }

  /** After a cancel: announce the task if nothing is left in flight. */
  checkDrained(taskIds: string[]): Promise<void> {
    return this.drain(taskIds);
  }

  private async renewLeases(): Promise<void> {
    try {
      await this.deps.attempts.renewLeases(this.opts.me, [...this.inFlight.keys()], this.opts.leaseMs);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'lease renewal failed');
    }
  }

  /** Settles interrupted attempts, resumes roster loads, and drains idle tasks (after a crash too). */
  private async sweep(): Promise<void> {
    try {
      for (;;) {
        const taskIds = await this.deps.attempts.settleInterrupted(500);
        if (taskIds.length === 0) break;
        this.log.warn({ tasks: taskIds.length }, 'settled interrupted attempts of a dead replica as failed');
        this.deps.nudgeOutbox();
        await this.drain(taskIds);
      }
      await this.drain(await this.deps.tasks.idleTasks());
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'sweep failed');
    }
    void this.loadLoop();
  }

  private async loadLoop(): Promise<void> {
    if (this.loading) {
      this.loadAgain = true;
      return;
    }
    this.loading = true;
    try {
      for (;;) {
        if (this.stopped) break;
        const job = await this.deps.tasks.takeLoadJob(this.opts.me, Math.max(this.opts.leaseMs, this.opts.rosterTimeoutMs * 2));
        if (!job) break;
        await this.load(job);
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'roster load failed; will resume');
    } finally {
      this.loading = false;
      if (this.loadAgain && !this.stopped) {
        this.loadAgain = false;
        void this.loadLoop();
      }
    }
  }

  /** Pulls the roster in keyset pages; each page and the cursor commit together, so a crash resumes. */
  private async load(job: LoadJob): Promise<void> {
    let cursor = job.cursor;
    const leaseMs = Math.max(this.opts.leaseMs, this.opts.rosterTimeoutMs * 2);
    for (;;) {
      if (this.stopped) return this.deps.tasks.releaseLoadJob(this.opts.me, job.taskId, 0);
      let page;
      try {
        page = await this.deps.bus.request(
          RosterEntriesPage,
          { tenantId: job.tenantId, rosterId: job.rosterId, afterRowNumber: cursor, limit: this.opts.rosterPageSize },
          { timeoutMs: this.opts.rosterTimeoutMs },
        );
      } catch (err) {
        if (isDefinitiveRefusal(err)) {
          // The owner answered and refused (the roster is gone, or not this tenant's): asking again
          // cannot help, and waiting would keep the task running forever. Settle what is left
          // (TaskRepository.refuseRoster says how) so the task drains and the task service can
          // complete it. A timeout or a 5xx is not a refusal: retried below.
          this.log.error({ err: (err as Error).message, taskId: job.taskId, rosterId: job.rosterId }, 'roster refused by its owner; settling the task\'s remaining numbers as failed');
          const settled = await this.deps.tasks.refuseRoster(this.opts.me, job.taskId, 'roster unavailable');
          if (settled !== undefined) {
            this.deps.nudgeOutbox();
            await this.drain([job.taskId]);
          }
          return;
        }
        // Any other 4xx is not cured by hammering: retry slowly and say it loudly.
        const odd = err instanceof AppError && err.status >= 400 && err.status < 500;
        if (odd) this.log.error({ err: err.message, code: err.code, taskId: job.taskId }, 'roster page refused by the roster service; retrying in 60 s');
        else this.log.warn({ err: (err as Error).message, taskId: job.taskId }, 'roster page not loaded; will retry');
        return this.deps.tasks.releaseLoadJob(this.opts.me, job.taskId, odd ? 60_000 : 2000);
      }
      const last = page.entries.length > 0 ? page.entries[page.entries.length - 1].rowNumber : cursor;
      const done = page.nextAfterRowNumber === null;
      const next = page.nextAfterRowNumber ?? last;
      const stored = await this.deps.tasks.storePage(this.opts.me, leaseMs, { ...job, cursor }, page.entries, next, done);
      if (!stored) return;
      cursor = next;
      this.nudge();
      if (done) return this.drain([job.taskId]);
    }
  }
}
