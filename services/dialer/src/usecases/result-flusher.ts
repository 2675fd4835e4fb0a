import type { Logger } from '@autocall/logger';
import { WorkLoop } from '@autocall/work-loop';
import type { AttemptRepository, AttemptResult, ClaimedAttempt } from '../data/attempt.repository';
import type { DrainCheck } from './drain';

const RESULT_BATCH = 2000;
/** A failed write is retried after this long, again and again (not doubled). */
const RETRY_MS = 500;

/** What is owed the database for an unplaced attempt: back to the queue after a delay. */
export interface Requeue {
  attempt: ClaimedAttempt;
  delayMs: number;
  reason: string;
  /** A failed try (counts toward notPlacedMaxTries), not a wait for capacity or a hold. */
  failed: boolean;
}

export interface ResultFlusherDeps {
  attempts: AttemptRepository;
  /** This replica's name in claims. */
  me: string;
  /** The calls this replica has claimed and not yet committed a result for; an entry leaves once its result or requeue commits. */
  inFlight: Map<string, ClaimedAttempt>;
  drain: DrainCheck;
  nudgeOutbox: () => void;
  /** Room for more calls, or requeued attempts due: the claim loop may look now. */
  nudgeClaims: () => void;
  logger: Logger;
}

/**
 * Commits call results (with their retries and call.completed) and requeues of unplaced attempts
 * in batches of up to 2,000, requeues first; a failed batch is put back and retried after 500 ms.
 */
export class ResultFlusher {
  private results: AttemptResult[] = [];
  private requeues: Requeue[] = [];
  /** start / nudge / stop */
  readonly loop: WorkLoop;

  constructor(private readonly deps: ResultFlusherDeps) {
    this.loop = new WorkLoop({ name: 'dialer result flusher', turn: () => this.turn(), intervalMs: 1000, backoffMs: RETRY_MS, maxBackoffMs: RETRY_MS, logger: deps.logger });
  }

  result(r: AttemptResult): void {
    this.results.push(r);
    this.loop.nudge();
  }

  requeue(r: Requeue): void {
    this.requeues.push(r);
    this.loop.nudge();
  }

  /** Results or requeues not committed yet (queued, or in the batch being written). */
  get busy(): boolean {
    return this.loop.busy || this.results.length > 0 || this.requeues.length > 0;
  }

  private async turn(): Promise<'again' | void> {
    if (this.requeues.length > 0) await this.flushRequeues();
    else if (this.results.length > 0) await this.flushResults();
    return this.results.length > 0 || this.requeues.length > 0 ? 'again' : undefined;
  }

  private async flushRequeues(): Promise<void> {
    const { attempts, me, inFlight } = this.deps;
    const batch = this.requeues.splice(0, RESULT_BATCH);
    let closed: Set<string>;
    try {
      closed = await attempts.requeue(
        me,
        batch.map((r) => ({ id: r.attempt.id, taskId: r.attempt.taskId, delayMs: r.delayMs, reason: r.reason, failed: r.failed })),
      );
    } catch (err) {
      this.requeues = batch.concat(this.requeues);
      throw new Error(`requeue of ${batch.length} attempts failed: ${(err as Error).message}`);
    }
    const back = batch.filter((r) => !closed.has(r.attempt.id));
    for (const r of back) inFlight.delete(r.attempt.id);
    // the roster refused meanwhile (its queued attempts were settled): they end as a failed call
    // never placed (no start: the report counts no call for it). A cancel turned its unplaced
    // attempts into `cancelled` itself, so none comes back here.
    for (const r of batch.filter((b) => closed.has(b.attempt.id))) {
      const now = new Date();
      this.results.push({
        attempt: r.attempt,
        neverPlaced: true,
        result: { outcome: 'failed', hangupBy: null, sipCode: null, failureReason: r.reason, retryable: false, startedAt: now, answeredAt: null, endedAt: now },
      });
    }
    if (back.length > 0) {
      this.deps.logger.warn({ attempts: back.length, reasons: [...new Set(back.map((r) => r.reason))] }, 'calls not placed (nothing sent); attempts requeued');
    }
    this.deps.nudgeClaims();
  }

  private async flushResults(): Promise<void> {
    const batch = this.results.splice(0, RESULT_BATCH);
    let taskIds: string[];
    try {
      ({ taskIds } = await this.deps.attempts.writeResults(batch));
    } catch (err) {
      this.results = batch.concat(this.results);
      throw new Error(`result write of ${batch.length} results failed: ${(err as Error).message}`);
    }
    for (const r of batch) this.deps.inFlight.delete(r.attempt.id);
    this.deps.nudgeOutbox();
    this.deps.nudgeClaims();
    await this.deps.drain(taskIds);
  }
}
