import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { RosterFailed, RosterReady, RosterStatusChanged } from '@autocall/contracts';
import { publishInTransaction, type OutboxRelay } from '@autocall/bus';
import type { Logger } from '@autocall/logger';
import { WorkLoop, type TurnResult } from '@autocall/work-loop';
import { EntryWriter } from '../data/entry-writer';
import { rosterRepository as repo, type Counts } from '../data/roster.repository';
import { readUpload } from '../data/upload-reader';
import { parseOnThread } from '../adapters/import-thread-host';
import { inspectXlsx } from '@autocall/xlsx';
import { ImportFailure } from '../domain/errors';
import { ImportAborted, SinkError } from '../domain/roster-rows';
import { toView } from './roster.service';

export interface ImportWorkerOptions {
  leaseMs: number;
  pollMs: number;
  maxAttempts: number;
  maxRows: number;
  maxColumns: number;
  maxExpandedBytes: number;
  maxUncompressedBytes: number;
  maxRatio: number;
  copySegmentRows: number;
  defaultRegion: string;
  allowedRegions: string[];
  /** Old-generation heap cap of the import thread, MiB. */
  threadHeapMb: number;
}

class LeaseLost extends Error {}

/**
 * Runs roster imports from durable jobs (`roster_jobs`). Any replica claims a due job with
 * FOR UPDATE SKIP LOCKED and holds it by renewing a lease; a replica that dies stops renewing, the
 * lease expires and another replica claims the job with attempt + 1. Rows are written tagged with
 * their attempt and the roster only ever shows the attempt that completed it, so a restarted
 * import can never end `ready` with duplicate or missing rows. One import at a time per replica.
 */
export class ImportWorker {
  private readonly id = `roster-worker-${randomUUID()}`;
  /** one turn claims one due job and runs its import; after one, it looks again at once */
  private readonly loop: WorkLoop;
  private stopped = true;
  private abort?: 'stop' | 'crash' | 'lost';
  /** The upload last stored on this replica, until its import starts here (see offer). */
  private offered?: { rosterId: string; bytes: Buffer };

  constructor(
    private readonly db: DataSource,
    private readonly relay: OutboxRelay,
    private readonly logger: Logger,
    private readonly opts: ImportWorkerOptions,
  ) {
    this.loop = new WorkLoop({ name: 'roster import', logger, intervalMs: opts.pollMs, turn: ({ stopped }) => this.claimAndRun(stopped) });
  }

  start(): void {
    this.stopped = false;
    this.loop.start();
  }

  /**
   * An upload was stored (committed) on this replica: look for work now, and should this replica
   * claim that roster's job, import from these bytes (the stored upload's own) instead of reading
   * them back from the database. The buffer is then handed to the import thread (detached here).
   * Only the latest offer is kept; any other upload is read from the database.
   */
  offer(rosterId: string, bytes: Buffer): void {
    if (this.stopped) return;
    this.offered = { rosterId, bytes };
    this.nudge();
  }

  /** Look for work now. */
  nudge(): void {
    this.loop.nudge();
  }

  private async claimAndRun(stopped: () => boolean): Promise<TurnResult> {
    if (stopped()) return;
    let job: Awaited<ReturnType<typeof repo.claimJob>>;
    const offered = this.offered;
    try {
      job = await repo.claimJob(this.db.manager, this.id, this.opts.leaseMs);
    } catch (err) {
      // tried again at the next poll or nudge
      this.logger.warn({ err: (err as Error).message }, 'roster import: claim failed');
      return;
    }
    if (!job) {
      // Nothing due: an offered upload's job is done or another replica's.
      if (this.offered === offered) this.offered = undefined;
      return;
    }
    await this.run(job.roster_id, job.attempt, job.request_id ?? undefined);
    return 'again';
  }

  private async run(rosterId: string, attempt: number, requestId?: string): Promise<void> {
    const log = this.logger.child({ rosterId, attempt, requestId });
    this.abort = undefined;
    const heartbeat = setInterval(() => {
      repo.renewLease(this.db.manager, rosterId, attempt, this.opts.leaseMs).then(
        (ok) => {
          if (!ok && !this.abort) this.abort = 'lost';
        },
        (err: unknown) => log.warn({ err: (err as Error).message }, 'roster import: lease renewal failed'),
      );
    }, Math.max(100, Math.floor(this.opts.leaseMs / 3)));
    let writer: EntryWriter | undefined;
    let completed = false;
    try {
      const roster = await repo.findById(this.db.manager, rosterId);
      let bytes = this.offered?.rosterId === rosterId ? this.offered.bytes : undefined;
      if (bytes) this.offered = undefined;
      else bytes = await readUpload(this.db, rosterId);
      if (!roster || !bytes || roster.status !== 'validating') {
        await repo.finishJob(this.db.manager, rosterId, attempt);
        return;
      }
      if (attempt > this.opts.maxAttempts) throw new ImportFailure('ROSTER_UNREADABLE', `The import failed ${attempt - 1} times.`);
      // Leftovers of earlier (crashed) attempts go first; ours are written fresh below.
      await repo.discardEarlier(this.db.manager, rosterId, attempt);
      const verdict = inspectXlsx(bytes, { maxUncompressedBytes: this.opts.maxUncompressedBytes, maxRatio: this.opts.maxRatio });
      if (verdict.kind !== 'xlsx') throw new ImportFailure('ROSTER_UNREADABLE', 'The workbook is password-protected or corrupt.');
      writer = new EntryWriter(this.db, this.opts.copySegmentRows);
      let last: Counts | undefined;
      let writing = false;
      const progress = setInterval(() => {
        if (!last || writing) return;
        const c = { ...last };
        writing = true;
        repo.progress(this.db.manager, rosterId, attempt, c).then(
          () => (writing = false),
          () => (writing = false),
        );
      }, 250);
      let result;
      try {
        // The parse (inflate, scan, validate, build COPY text) runs on a worker thread; this
        // thread only writes its batches, so HTTP stays responsive. The size caps are checked
        // again while inflating: a zip whose directory lied stops there, as ROSTER_UNREADABLE.
        result = await parseOnThread(
          bytes,
          { rosterId, attempt },
          { maxRows: this.opts.maxRows, maxColumns: this.opts.maxColumns, maxExpandedBytes: this.opts.maxExpandedBytes, maxUncompressedBytes: this.opts.maxUncompressedBytes, defaultRegion: this.opts.defaultRegion, allowedRegions: this.opts.allowedRegions, heapMb: this.opts.threadHeapMb },
          writer,
          { aborted: () => this.abort !== undefined, onProgress: (c) => (last = c) },
        );
        await writer.end();
      } finally {
        clearInterval(progress);
      }
      if (this.abort) throw new ImportAborted();
      const columns = result.columns;
      const counts = result.counts;
      const done = await this.db.transaction(async (m) => {
        if (!(await repo.finishJob(m, rosterId, attempt))) throw new LeaseLost();
        const row = await repo.complete(m, rosterId, attempt, counts, columns);
        await publishInTransaction(m, RosterReady, { tenantId: row.tenant_id, rosterId, valid: counts.valid, totalRows: counts.total }, { requestId });
        // the public event (API.md "Platform events"): the roster as GET /v1/rosters/{id} shows it
        await publishInTransaction(m, RosterStatusChanged, { tenantId: row.tenant_id, roster: toView(row) }, { requestId });
        return row;
      });
      completed = true;
      this.relay.nudge();
      log.info({ totalRows: counts.total, valid: counts.valid, status: done.status }, 'roster import: ready');
    } catch (err) {
      await writer?.abort();
      if (err instanceof ImportFailure) {
        await this.fail(rosterId, attempt, err, requestId).catch((e: unknown) => log.warn({ err: (e as Error).message }, 'roster import: could not record the failure'));
      } else if (err instanceof ImportAborted || err instanceof LeaseLost) {
        if (this.abort === 'stop') await repo.releaseJob(this.db.manager, rosterId, attempt).catch(() => undefined);
        log.info({ reason: this.abort ?? 'lost' }, 'roster import: stopped');
      } else {
        const cause = err instanceof SinkError ? err.cause : err;
        log.warn({ err: (cause as Error)?.message }, 'roster import: error; the job will be retried');
        await repo.releaseJob(this.db.manager, rosterId, attempt, Math.min(30_000, 1000 * 2 ** attempt)).catch(() => undefined);
      }
    } finally {
      clearInterval(heartbeat);
      // Rows that are not the roster's: earlier attempts after a success, ours otherwise. (A crash
      // leaves its rows behind, as a killed process would; the next attempt clears them.)
      if (completed) await repo.discardEarlier(this.db.manager, rosterId, attempt).catch(() => undefined);
      else if (this.abort !== 'crash') await repo.discardAttempt(this.db.manager, rosterId, attempt).catch(() => undefined);
    }
  }

  private async fail(rosterId: string, attempt: number, failure: ImportFailure, requestId?: string): Promise<void> {
    const row = await this.db.transaction(async (m) => {
      if (!(await repo.finishJob(m, rosterId, attempt))) return undefined;
      const r = await repo.fail(m, rosterId, failure.reason);
      if (r) {
        await publishInTransaction(m, RosterFailed, { tenantId: r.tenant_id, rosterId, failureReason: failure.reason }, { requestId });
        await publishInTransaction(m, RosterStatusChanged, { tenantId: r.tenant_id, roster: toView(r) }, { requestId });
      }
      return r;
    });
    if (row) this.relay.nudge();
    this.logger.info({ rosterId, reason: failure.reason, detail: failure.message }, 'roster import: failed');
  }

  /** Graceful stop: the current import gives its job back at once for another replica. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.loop.busy) this.abort ??= 'stop';
    await this.loop.stop();
  }

  /**
   * Simulates a crash (tests): the current import stops dead, writes nothing more, and keeps its
   * claim until the lease runs out — exactly what a killed process leaves behind.
   */
  async crash(): Promise<void> {
    this.stopped = true;
    if (this.loop.busy) this.abort = 'crash';
    await this.loop.stop();
  }
}
