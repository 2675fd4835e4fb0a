import type { DataSource, EntityManager } from 'typeorm';
import { newId, type RosterEntry, type TaskSnapshotT } from '@autocall/contracts';
import { publishManyInTransaction } from '@autocall/bus';
import { CallCompleted, DialerTaskDrained, NumberCompleted } from '@autocall/contracts';
import type { Static } from '@sinclair/typebox';
import { DNC_REASON, END_TIME_REASON, mayDial, type DialAttempt } from '../domain/dial-policy';
import { AttemptRepository } from './attempt.repository';
import { DncRepository, dncLockSql } from './dnc.repository';
import { settledFailedEvent } from '../domain/outcome';
import type { CarrierDialog } from '../domain/carrier';
import type { ControlCommand, ControlState } from '../domain/task-control';

export interface TaskRow {
  task_id: string;
  tenant_id: string;
  roster_id: string | null;
  load_cursor: number;
  cancelled: boolean;
  cancelled_count: number | null;
  deleted_at: Date | null;
}

/**
 * The pre-INVITE check's answer: sent; not sent, the task is held/cancelled/deleted; not sent, the
 * attempt is no longer this replica's (settled by the sweeper); not sent, the number is on the
 * do-not-call list or the task's end time has come, and the attempt was settled `suppressed` or
 * `expired` in the check's own transaction.
 */
export type DialVerdict = 'sent' | 'held' | 'lost' | 'settled';

export interface LoadJob {
  taskId: string;
  tenantId: string;
  rosterId: string;
  cursor: number;
}

/** The dialer's view of tasks: snapshots, hold/cancel flags, roster loading, completion. */
export class TaskRepository {
  constructor(
    private readonly db: DataSource,
    /** The dialing policy's clock. */
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Applies a task.* snapshot: the newest by `occurredAt` wins (a retried or reordered older event
   * never rolls settings back); `started` only ever turns on, whatever the order. Another tenant's
   * id changes nothing.
   */
  async applySnapshot(m: EntityManager, s: TaskSnapshotT, started: boolean, occurredAt?: string): Promise<void> {
    const d = s.dialing;
    const newer = `(tasks.snapshot_at IS NULL OR EXCLUDED.snapshot_at IS NULL OR EXCLUDED.snapshot_at >= tasks.snapshot_at)`;
    const settings = ['snapshot', 'status', 'roster_id', 'total', 'max_concurrent', 'cps', 'max_attempts', 'retry_delay_minutes', 'ring_timeout_seconds', 'caller_id', 'window_start', 'window_end', 'window_days', 'timezone', 'recording_id', 'recording_duration_ms', 'snapshot_at', 'skip_blackouts', 'retry', 'end_at'];
    await m.query(
      `INSERT INTO tasks (task_id, tenant_id, snapshot, status, roster_id, total, started, max_concurrent, cps, max_attempts,
                          retry_delay_minutes, ring_timeout_seconds, caller_id, window_start, window_end, window_days, timezone,
                          recording_id, recording_duration_ms, snapshot_at, skip_blackouts, retry, end_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
       ON CONFLICT (task_id) DO UPDATE SET
         ${settings.map((c) => `${c} = CASE WHEN ${newer} THEN EXCLUDED.${c} ELSE tasks.${c} END`).join(',\n         ')},
         started = tasks.started OR EXCLUDED.started,
         updated_at = now()
       WHERE tasks.tenant_id = EXCLUDED.tenant_id AND tasks.deleted_at IS NULL`,
      [
        s.taskId, s.tenantId, JSON.stringify(s), s.status, s.rosterId, s.total, started || s.status === 'running',
        d.maxConcurrentCalls, d.callsPerSecond, d.maxAttempts, d.retryDelayMinutes, d.ringTimeoutSeconds, d.callerId,
        d.callingWindow.start, d.callingWindow.end, d.callingWindow.days, s.timezone, s.recordingId, s.recordingDurationMs,
        occurredAt ?? null, d.skipBlackouts ?? true, JSON.stringify(d.retry ?? {}), d.endAt ?? null,
      ],
    );
  }

  async markDeleted(m: EntityManager, tenantId: string, taskId: string): Promise<void> {
    const [, count] = (await m.query(`UPDATE tasks SET deleted_at = now(), held = true WHERE task_id = $1 AND tenant_id = $2 AND deleted_at IS NULL`, [taskId, tenantId])) as [unknown[], number];
    if (count > 0) await m.query(`DELETE FROM call_attempts WHERE task_id = $1 AND status <> 'dialing'`, [taskId]);
  }

  /** Locks the task row, created as a placeholder when an RPC arrives before task.created; undefined if another tenant's. */
  private async lockForControl(m: EntityManager, tenantId: string, taskId: string): Promise<TaskRow | undefined> {
    await m.query(`INSERT INTO tasks (task_id, tenant_id) VALUES ($1, $2) ON CONFLICT (task_id) DO NOTHING`, [taskId, tenantId]);
    const rows = (await m.query(`SELECT task_id, tenant_id, roster_id, load_cursor, cancelled, cancelled_count, deleted_at FROM tasks WHERE task_id = $1 FOR UPDATE`, [taskId])) as TaskRow[];
    return rows[0]?.tenant_id === tenantId ? rows[0] : undefined;
  }

  /**
   * Applies one hold, release or cancel (ARCHITECTURE.md "Task control is versioned"), holding the
   * task row FOR UPDATE: a claim holding the row waits for it, and a claim after its commit sees it,
   * so once a hold answers applied no replica claims a new attempt of the task.
   * Applied only if, in the same UPDATE, the command's generation is higher than the one the task
   * holds and the deadline (the caller's clock: epoch ms) has not passed; a v1 command (no
   * generation, no deadline) only while no versioned command has reached the task. Not applied:
   * nothing changes, and the answer says what the dialer holds. A release never lifts a cancel.
   * Undefined when the task is another tenant's.
   */
  async control(tenantId: string, taskId: string, c: ControlCommand): Promise<ControlState | undefined> {
    return this.db.transaction(async (m) => {
      const row = await this.lockForControl(m, tenantId, taskId);
      if (!row) return undefined;
      const cancel = c.kind === 'cancel';
      const [applied] = (await m.query(
        `UPDATE tasks SET held = $2 OR cancelled, cancelled = cancelled OR $5, control_generation = COALESCE($3::bigint, control_generation),
                total = GREATEST(total, $6), updated_at = now()
          WHERE task_id = $1
            AND (CASE WHEN $3::bigint IS NULL THEN control_generation = 0 ELSE control_generation < $3::bigint END)
            AND ($4::float8 IS NULL OR clock_timestamp() <= to_timestamp($4::float8 / 1000))
          RETURNING control_generation`,
        [taskId, c.kind !== 'release', c.generation, c.deadline, cancel, c.total ?? 0],
      )) as [{ control_generation: string }[], number];
      if (applied.length === 0) {
        const [now] = (await m.query(
          `SELECT control_generation, ($2::float8 IS NOT NULL AND clock_timestamp() > to_timestamp($2::float8 / 1000)) AS expired FROM tasks WHERE task_id = $1`,
          [taskId, c.deadline],
        )) as { control_generation: string; expired: boolean }[];
        return { applied: false, reason: now.expired ? 'expired' : 'stale', generation: Number(now.control_generation), cancelled: row.cancelled, cancelledCount: row.cancelled ? (row.cancelled_count ?? 0) : null };
      }
      const generation = Number(applied[0].control_generation);
      if (!cancel || row.cancelled) return { applied: true, generation, cancelled: row.cancelled, cancelledCount: row.cancelled ? (row.cancelled_count ?? 0) : null };
      return { applied: true, generation, cancelled: true, cancelledCount: await this.cancelNumbers(m, tenantId, taskId, c.total ?? 0) };
    });
  }

  /**
   * The first cancel's effect, under the task row lock (no claim, pre-INVITE check, result write or
   * roster page interleaves): every number neither final nor in a call that went out becomes
   * cancelled — queued attempts, attempts claimed but never sent (no call was placed: they were not
   * called, so they are not failed), and numbers not loaded from the roster yet (total − final − in
   * flight). The carrier's pre-INVITE check then finds a claimed one no longer `dialing` and drops
   * it without a result. Returns the count, which every repeat answers.
   * The attempts it will cancel are locked first, in id order: the sweeper (settleInterrupted, SKIP
   * LOCKED) cannot settle one of them as failed between the count and the update, and one it is
   * settling right now is waited for and then counted final — a number counts once.
   * Each loaded number it cancels is announced (`number.completed`, outcome `cancelled`, with the
   * attempts it had: 0 when never dialled); numbers not loaded yet are counted, not named.
   */
  private async cancelNumbers(m: EntityManager, tenantId: string, taskId: string, total: number): Promise<number> {
    const unsent = (await m.query(`SELECT id FROM call_attempts WHERE task_id = $1 AND (status = 'queued' OR (status = 'dialing' AND sent_at IS NULL)) ORDER BY id FOR UPDATE`, [taskId])) as { id: string }[];
    // claimed but never sent: the day's call count is given back (every INVITE sent counts, no more)
    await AttemptRepository.releaseCounts(m, unsent.map((r) => r.id));
    const [c] = (await m.query(
      `SELECT count(*) FILTER (WHERE final)::int AS final,
              count(DISTINCT row_number) FILTER (WHERE status = 'dialing' AND sent_at IS NOT NULL)::int AS in_flight
         FROM call_attempts WHERE task_id = $1`,
      [taskId],
    )) as { final: number; in_flight: number }[];
    const cancelled = Math.max(0, total - c.final - c.in_flight);
    const [numbers] = (await m.query(
      `UPDATE call_attempts SET status = 'cancelled', claimed_by = NULL, lease_until = NULL, started_at = NULL
        WHERE task_id = $1 AND (status = 'queued' OR (status = 'dialing' AND sent_at IS NULL))
       RETURNING phone, attempt, variables`,
      [taskId],
    )) as [{ phone: string; attempt: number; variables: Record<string, string> }[], number];
    await m.query(`UPDATE tasks SET cancelled_count = $2 WHERE task_id = $1`, [taskId, cancelled]);
    await publishManyInTransaction(
      m,
      NumberCompleted,
      numbers.map((n) => ({ tenantId, taskId, phone: n.phone, outcome: 'cancelled', attempts: n.attempt - 1, variables: n.variables ?? {}, sms: null })),
    );
    return cancelled;
  }

  /**
   * The last word before a call's INVITE: runs `send` inside a transaction that holds the task row
   * FOR KEY SHARE and the attempt row FOR SHARE, only if the attempt is still `dialing` and claimed
   * by `me`, and the task is still not held, cancelled or deleted — as `mayDial` (domain/dial-policy.ts)
   * decides from the task's control state and the attempt's claim, read under these locks.
   * - A hold or cancel (FOR UPDATE on the task row, control) therefore either committed
   *   before this look — and `send` does not run — or waits until `send` has run: once a hold
   *   answers, no new INVITE of the task leaves this replica. Claims (FOR NO KEY UPDATE) and result
   *   writes (FOR KEY SHARE) do not wait for it.
   * - The sweeper (settleInterrupted, FOR UPDATE SKIP LOCKED on the attempt) either settled the
   *   attempt before this look — this replica's lease lapsed, the number was reported final — and
   *   `send` does not run, or cannot settle it until `send` has run: no call after the number's
   *   final call.completed.
   * Answers 'sent' when `send` ran (an error after it ran is swallowed: the call is out), 'held'
   * when the task stopped it, 'lost' when the attempt is no longer this replica's to dial (then it
   * must not be requeued or settled again either: whoever took it has settled it).
   *
   * Calls that reach this point in the same turn of the event loop share one transaction and two
   * statements (a claim batch of hundreds costs four round trips, not four per call).
   */
  whileDialable(attempt: DialAttempt & { id: string; taskId: string; tenantId: string; phone: string }, me: string, send: () => void, dialog?: CarrierDialog): Promise<DialVerdict> {
    return new Promise((resolve, reject) => {
      this.gate.push({ attempt, taskId: attempt.taskId, attemptId: attempt.id, tenantId: attempt.tenantId, phone: attempt.phone, me, send, dialog, resolve, reject });
      if (this.gate.length === 1) setImmediate(() => void this.openGate());
    });
  }

  private gate: {
    attempt: DialAttempt;
    taskId: string;
    attemptId: string;
    tenantId: string;
    phone: string;
    me: string;
    send: () => void;
    dialog: CarrierDialog | undefined;
    resolve: (verdict: DialVerdict) => void;
    reject: (err: Error) => void;
  }[] = [];

  private async openGate(): Promise<void> {
    const batch = this.gate;
    this.gate = [];
    const verdicts = new Map<number, DialVerdict>();
    const failed = new Map<number, Error>();
    try {
      await this.db.transaction(async (m) => {
        // the do-not-call list is read under its tenants' shared locks: a listing committing now
        // (exclusive) either came before this read, or waits until these calls are sent
        const tenants = [...new Set(batch.map((b) => b.tenantId))].sort();
        await m.query(`${dncLockSql('shared', 't')} FROM unnest($1::uuid[]) AS t ORDER BY t`, [tenants]);
        const listed = await DncRepository.listed(m, batch);
        const ids = [...new Set(batch.map((b) => b.taskId))].sort();
        const control = new Map(
          (
            (await m.query(`SELECT task_id, held, cancelled, deleted_at IS NOT NULL AS deleted, end_at FROM tasks WHERE task_id = ANY ($1::uuid[]) ORDER BY task_id FOR KEY SHARE`, [ids])) as {
              task_id: string;
              held: boolean;
              cancelled: boolean;
              deleted: boolean;
              end_at: Date | null;
            }[]
          ).map((r) => [r.task_id, { held: r.held, cancelled: r.cancelled, deleted: r.deleted, endAt: r.end_at }]),
        );
        const mine = new Set(
          (
            (await m.query(
              `SELECT a.id FROM call_attempts a JOIN unnest($1::uuid[], $2::text[]) AS r(id, me) ON a.id = r.id AND a.claimed_by = r.me
                WHERE a.status = 'dialing' ORDER BY a.id FOR SHARE OF a`,
              [batch.map((b) => b.attemptId), batch.map((b) => b.me)],
            )) as { id: string }[]
          ).map((r) => r.id),
        );
        // the decision is the dial policy's, on what these locks show (the window was judged at the claim)
        const now = this.clock();
        const settle = { suppressed: [] as { id: string; tenantId: string }[], expired: [] as { id: string; tenantId: string }[] };
        batch.forEach((b, i) => {
          const task = control.get(b.taskId);
          const d = mayDial(b.attempt, {
            now,
            claimedByMe: mine.has(b.attemptId),
            control: task ?? { held: true, cancelled: false, deleted: true },
            dnc: { listed: listed.has(`${b.tenantId} ${b.phone}`) },
            endsAt: task?.endAt,
          });
          if (d.kind === 'drop') verdicts.set(i, 'lost');
          else if (d.kind === 'settle' && d.outcome !== 'failed') {
            verdicts.set(i, 'settled');
            settle[d.outcome].push({ id: b.attemptId, tenantId: b.tenantId });
          } else if (d.kind !== 'dial') verdicts.set(i, 'held');
        });
        await AttemptRepository.settleUndialled(m, batch[0].me, settle.suppressed, 'suppressed', DNC_REASON);
        await AttemptRepository.settleUndialled(m, batch[0].me, settle.expired, 'expired', END_TIME_REASON);
        // sent_at is written before any send (committed with the look, so a cancel after it counts
        // these calls in flight, not cancelled): if it cannot be written, nothing is sent. So is the
        // carrier's dialog, so that whoever settles the attempt if this process dies can end the call.
        const dialable = batch.filter((_, i) => !verdicts.has(i));
        if (dialable.length > 0) {
          await m.query(
            `UPDATE call_attempts a SET sent_at = clock_timestamp(), carrier_dialog = r.dialog
               FROM unnest($1::uuid[], $2::jsonb[]) AS r(id, dialog) WHERE a.id = r.id`,
            [dialable.map((b) => b.attemptId), dialable.map((b) => (b.dialog ? JSON.stringify(b.dialog) : null))],
          );
        }
        batch.forEach((b, i) => {
          if (verdicts.has(i)) return;
          try {
            b.send();
            verdicts.set(i, 'sent');
          } catch (err) {
            failed.set(i, err as Error);
          }
        });
        // a send that threw placed nothing: it goes back to the queue unsent
        const unsent = batch.filter((_, i) => failed.has(i)).map((b) => b.attemptId);
        if (unsent.length > 0) await m.query(`UPDATE call_attempts SET sent_at = NULL WHERE id = ANY ($1::uuid[])`, [unsent]);
      });
    } catch (err) {
      // The commit failed after the sends: those are out whatever it did, and their sent_at is
      // written again so a cancel does not take them for never placed (a few tries; if the database
      // stays unreachable the attempt stays `dialing` with no sent_at until its lease lapses, and the
      // sweeper settles it failed `interrupted`, never redialled). The others were not sent.
      const sent = batch.filter((_, i) => verdicts.get(i) === 'sent').map((b) => b.attemptId);
      for (let tries = 0, pause = 50; sent.length > 0 && tries < 3; tries++, pause *= 4) {
        const ok = await this.db.query(`UPDATE call_attempts SET sent_at = COALESCE(sent_at, clock_timestamp()) WHERE id = ANY ($1::uuid[])`, [sent]).then(
          () => true,
          () => false,
        );
        if (ok) break;
        await new Promise((r) => setTimeout(r, pause));
      }
      batch.forEach((b, i) => (verdicts.get(i) === 'sent' ? b.resolve('sent') : b.reject(failed.get(i) ?? (err as Error))));
      return;
    }
    batch.forEach((b, i) => (failed.has(i) ? b.reject(failed.get(i)!) : b.resolve(verdicts.get(i) ?? 'held')));
  }

  /**
   * The roster's owner refused the roster for good (it is gone, or not this tenant's): the roster
   * can never be loaded, so the task must not wait for it forever. In one transaction, holding the
   * task row FOR UPDATE (no claim, result write or page store interleaves):
   * - the load ends (`loaded`, `roster_refused_at`): no replica asks for the roster again;
   * - every queued attempt (first attempts and retries) is settled `failed`, reason
   *   `roster unavailable`, final, with its call.completed — nobody is called from a roster its
   *   owner refuses, and `failed` sends no SMS (API.md's table);
   * - calls already in flight finish normally but queue no retry (writeResults).
   * The numbers never loaded cannot be named, so no event can carry them; the drain that follows
   * counts only the numbers the dialer had (finalCount), and the task service completes the task
   * when its counters reach that count, the unloaded rest staying in its `pending`.
   * Returns how many attempts were settled; undefined when this replica no longer holds the load.
   */
  async refuseRoster(me: string, taskId: string, reason: string): Promise<number | undefined> {
    return this.db.transaction(async (m) => {
      const mine = (await m.query(
        `SELECT tenant_id FROM tasks WHERE task_id = $1 AND loading_by = $2 AND NOT loaded AND deleted_at IS NULL FOR UPDATE`,
        [taskId, me],
      )) as { tenant_id: string }[];
      if (mine.length === 0) return undefined;
      await m.query(`UPDATE tasks SET loaded = true, loading_by = NULL, loading_until = NULL, roster_refused_at = now(), updated_at = now() WHERE task_id = $1`, [taskId]);
      const [rows] = (await m.query(
        `UPDATE call_attempts SET status = 'completed', final = true, outcome = 'failed', failure_reason = $2, hangup_by = NULL,
                sip_code = NULL, started_at = NULL, answered_at = NULL, ended_at = clock_timestamp(), duration_ms = 0, lease_until = NULL
          WHERE task_id = $1 AND status = 'queued'
          RETURNING id, phone, row_number, attempt, name, variables, ended_at`,
        [taskId, reason],
      )) as [{ id: string; phone: string; row_number: number; attempt: number; name: string | null; variables: Record<string, string>; ended_at: Date }[], number];
      const tenantId = mine[0].tenant_id;
      await publishManyInTransaction(
        m,
        CallCompleted,
        rows.map((r) => settledFailedEvent(r, tenantId, taskId, reason)),
      );
      return rows.length;
    });
  }

  /**
   * The end time (`dialing.endAt`) of started tasks has come, by the dialing policy's clock: in one
   * transaction per turn, holding their task rows FOR UPDATE (no claim, page store or pre-INVITE
   * check interleaves), every queued attempt (first attempts and retries) ends `expired`, final,
   * no call, with its dialer.number.settled; the first time, the roster load stops and the numbers
   * it never loaded are counted (`expired_unloaded`, reported by the drain). Calls in flight finish
   * and queue no retry. Idempotent: a later turn expires what was requeued since. Returns the tasks
   * touched, for a drain check.
   */
  async expireDue(limit = 20): Promise<string[]> {
    const now = this.clock().toISOString();
    return this.db.transaction(async (m) => {
      const due = (await m.query(
        `SELECT task_id, tenant_id FROM tasks
          WHERE end_at IS NOT NULL AND end_at <= $1::timestamptz AND started AND NOT cancelled AND drained_at IS NULL AND deleted_at IS NULL
            AND (expired_at IS NULL OR EXISTS (SELECT 1 FROM call_attempts a WHERE a.task_id = tasks.task_id AND a.status = 'queued'))
          ORDER BY task_id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, limit],
      )) as { task_id: string; tenant_id: string }[];
      if (due.length === 0) return [];
      const ids = due.map((d) => d.task_id);
      await m.query(
        `UPDATE tasks SET expired_at = clock_timestamp(), expired_unloaded = CASE WHEN loaded THEN 0 ELSE GREATEST(0, total - loaded_count) END,
                loaded = true, loading_by = NULL, loading_until = NULL, updated_at = now()
          WHERE task_id = ANY ($1::uuid[]) AND expired_at IS NULL`,
        [ids],
      );
      await AttemptRepository.settleQueued(m, ids, new Map(due.map((d) => [d.task_id, d.tenant_id])), 'expired', END_TIME_REASON);
      return ids;
    });
  }

  async tenantOf(taskId: string): Promise<{ tenantId: string; deleted: boolean } | undefined> {
    const rows = (await this.db.query(`SELECT tenant_id, deleted_at FROM tasks WHERE task_id = $1`, [taskId])) as { tenant_id: string; deleted_at: Date | null }[];
    return rows[0] ? { tenantId: rows[0].tenant_id, deleted: rows[0].deleted_at !== null } : undefined;
  }

  /** Takes (or resumes) the roster load of one started task, leased to this replica. */
  async takeLoadJob(me: string, leaseMs: number): Promise<LoadJob | undefined> {
    const rows = (await this.db.query(
      `UPDATE tasks SET loading_by = $1, loading_until = clock_timestamp() + $2 * interval '1 millisecond'
        WHERE task_id = (
          SELECT task_id FROM tasks
           WHERE started AND NOT loaded AND NOT cancelled AND deleted_at IS NULL AND roster_id IS NOT NULL
             AND (loading_until IS NULL OR loading_until < clock_timestamp() OR loading_by = $1)
           ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING task_id, tenant_id, roster_id, load_cursor`,
      [me, leaseMs],
    )) as [{ task_id: string; tenant_id: string; roster_id: string; load_cursor: number }[], number];
    const r = rows[0]?.[0];
    return r ? { taskId: r.task_id, tenantId: r.tenant_id, rosterId: r.roster_id, cursor: r.load_cursor } : undefined;
  }

  /** Gives the load up for `retryMs` (the roster did not answer): any replica resumes it after. */
  async releaseLoadJob(me: string, taskId: string, retryMs: number): Promise<void> {
    await this.db.query(`UPDATE tasks SET loading_by = NULL, loading_until = clock_timestamp() + $3 * interval '1 millisecond' WHERE task_id = $1 AND loading_by = $2`, [taskId, me, retryMs]);
  }

  /**
   * Stores one roster page as queued first attempts and moves the cursor, in one transaction; only
   * while this replica holds the load and the task is not cancelled. False: stop loading.
   * The task row is held FOR KEY SHARE during the insert (a cancel, FOR UPDATE, waits for it and
   * then cancels these rows too; claims, FOR NO KEY UPDATE, keep going) and updated only at the end.
   */
  async storePage(me: string, leaseMs: number, job: LoadJob, entries: Static<typeof RosterEntry>[], nextCursor: number, done: boolean): Promise<boolean> {
    return this.db.transaction(async (m) => {
      const mine = (await m.query(
        `SELECT 1 FROM tasks WHERE task_id = $1 AND loading_by = $2 AND NOT cancelled AND NOT loaded AND deleted_at IS NULL AND load_cursor = $3 FOR KEY SHARE`,
        [job.taskId, me, job.cursor],
      )) as unknown[];
      if (mine.length === 0) return false;
      if (entries.length > 0) {
        await m.query(
          `INSERT INTO call_attempts (id, task_id, phone, row_number, attempt, status, due_at, name, variables)
           SELECT id, $1, phone, row_number, 1, 'queued', now(), name, variables
             FROM unnest($2::uuid[], $3::text[], $4::int[], $5::text[], $6::jsonb[]) AS e(id, phone, row_number, name, variables)
           ON CONFLICT (task_id, row_number, attempt) DO NOTHING`,
          [
            job.taskId,
            entries.map(() => newId()),
            entries.map((e) => e.phone),
            entries.map((e) => e.rowNumber),
            entries.map((e) => e.name),
            entries.map((e) => JSON.stringify(e.variables ?? {})),
          ],
        );
      }
      await m.query(
        `UPDATE tasks SET load_cursor = $2, loaded = $3, loaded_count = loaded_count + $4,
                loading_until = clock_timestamp() + $5 * interval '1 millisecond', updated_at = now()
          WHERE task_id = $1`,
        [job.taskId, nextCursor, done, entries.length, leaseMs],
      );
      return true;
    });
  }

  /** Started, undrained tasks with nothing queued or dialing: candidates for a drain check. */
  async idleTasks(): Promise<string[]> {
    const rows = (await this.db.query(
      `SELECT t.task_id FROM tasks t
        WHERE t.drained_at IS NULL AND t.deleted_at IS NULL AND (t.loaded OR t.cancelled)
          AND NOT EXISTS (SELECT 1 FROM call_attempts a WHERE a.task_id = t.task_id AND a.status IN ('queued', 'dialing'))
        LIMIT 100`,
    )) as { task_id: string }[];
    return rows.map((r) => r.task_id);
  }

  /**
   * Emits dialer.task.drained exactly once per task whose numbers are all final or cancelled. The
   * task rows are locked, so of two replicas finishing the last calls together the later one sees
   * both and the earlier one's drained_at.
   */
  async drainIfDone(taskIds: string[]): Promise<number> {
    if (taskIds.length === 0) return 0;
    // Unlocked look first, so busy tasks are not locked after every result batch; the last writer
    // of a task commits before it looks, so it sees every other writer's commit.
    const idle = (await this.db.query(
      `SELECT t.task_id FROM tasks t
        WHERE t.task_id = ANY ($1::uuid[]) AND t.drained_at IS NULL AND t.deleted_at IS NULL AND (t.loaded OR t.cancelled)
          AND NOT EXISTS (SELECT 1 FROM call_attempts a WHERE a.task_id = t.task_id AND a.status IN ('queued', 'dialing'))`,
      [taskIds],
    )) as { task_id: string }[];
    if (idle.length === 0) return 0;
    taskIds = idle.map((r) => r.task_id);
    return this.db.transaction(async (m) => {
      const rows = (await m.query(
        `SELECT t.task_id, t.tenant_id, t.cancelled, COALESCE(t.cancelled_count, 0) AS cancelled_count, t.total,
                t.roster_refused_at IS NOT NULL AS refused, t.expired_unloaded
           FROM tasks t
          WHERE t.task_id = ANY($1::uuid[]) AND t.drained_at IS NULL AND t.deleted_at IS NULL AND (t.loaded OR t.cancelled)
          ORDER BY t.task_id FOR UPDATE`,
        [taskIds],
      )) as { task_id: string; tenant_id: string; cancelled: boolean; cancelled_count: number; total: number; refused: boolean; expired_unloaded: number }[];
      if (rows.length === 0) return 0;
      const counts = (await m.query(
        `SELECT t.task_id,
                EXISTS (SELECT 1 FROM call_attempts a WHERE a.task_id = t.task_id AND a.status IN ('queued', 'dialing')) AS active,
                (SELECT count(*) FROM call_attempts a WHERE a.task_id = t.task_id AND a.final AND a.status = 'completed')::int AS final
           FROM unnest($1::uuid[]) AS t(task_id)`,
        [rows.map((r) => r.task_id)],
      )) as { task_id: string; active: boolean; final: number }[];
      const byId = new Map(counts.map((c) => [c.task_id, c]));
      const done = rows.filter((r) => !byId.get(r.task_id)?.active);
      if (done.length === 0) return 0;
      await m.query(`UPDATE tasks SET drained_at = now() WHERE task_id = ANY($1::uuid[])`, [done.map((r) => r.task_id)]);
      await publishManyInTransaction(
        m,
        DialerTaskDrained,
        done.map((r) => {
          const cancelled = r.cancelled ? r.cancelled_count : 0;
          const final = byId.get(r.task_id)?.final ?? 0;
          // a refused roster: the numbers never loaded end as failed too (a cancel already counted them)
          const unreached = r.refused && !r.cancelled ? Math.max(0, r.total - final) : 0;
          // the end time came before the roster was all loaded: the rest ended expired (a cancel counted them already)
          const expired = r.cancelled || r.refused ? 0 : r.expired_unloaded;
          return { tenantId: r.tenant_id, taskId: r.task_id, finalCount: final + cancelled + unreached + expired, cancelled, unreached, ...(expired > 0 ? { expired } : {}) };
        }),
      );
      return done.length;
    });
  }
}
