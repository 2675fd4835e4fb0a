import { listPage } from '@autocall/db';
import type { EntityManager } from 'typeorm';
import type { NewTask, Outcome, TaskRow } from '../domain/task';

type Q = Pick<EntityManager, 'query'>;

/** Counter columns by outcome. */
export const OUTCOME_COLUMN: Record<Outcome, keyof TaskRow & string> = {
  answered: 'answered',
  no_answer: 'no_answer',
  busy: 'busy',
  unavailable: 'unavailable',
  invalid_number: 'invalid_number',
  failed: 'failed',
  suppressed: 'suppressed',
  expired: 'expired',
};

/** Counters the progress consumer moves. */
export const PROGRESS_COUNTERS = ['answered', 'no_answer', 'busy', 'unavailable', 'invalid_number', 'failed', 'suppressed', 'expired', 'sms_sent', 'sms_failed'] as const;
export type ProgressCounter = (typeof PROGRESS_COUNTERS)[number];

const updated = (r: unknown) => (r as [TaskRow[], number])[0];

/** A tenant_limits row's maxActiveTasks (NULL: no limit). */
const MAX_ACTIVE = `(limits->>'maxActiveTasks')::int`;
/** The task `t`'s tenant has as many active (running or paused) tasks as its maxActiveTasks, or more. */
const AT_LIMIT = `EXISTS (SELECT 1 FROM tenant_limits l WHERE l.tenant_id = t.tenant_id AND ${MAX_ACTIVE} IS NOT NULL
  AND ${MAX_ACTIVE} <= (SELECT count(*) FROM tasks a WHERE a.tenant_id = l.tenant_id AND a.status IN ('running', 'paused')))`;

export const taskRepository = {
  async insert(m: Q, t: NewTask): Promise<TaskRow> {
    const [row] = (await m.query(
      `INSERT INTO tasks (id, tenant_id, name, status, recording_id, recording_duration_ms, roster_id, roster_columns, total, start_mode, start_at, timezone, sms, dialing, started_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) RETURNING *`,
      [t.id, t.tenant_id, t.name, t.status, t.recording_id, t.recording_duration_ms, t.roster_id, t.roster_columns, t.total, t.start_mode, t.start_at, t.timezone, JSON.stringify(t.sms), JSON.stringify(t.dialing), t.started_at],
    )) as TaskRow[];
    return row;
  },

  async find(m: Q, tenantId: string, id: string, lock = false): Promise<TaskRow | undefined> {
    const rows = (await m.query(`SELECT * FROM tasks WHERE id = $1 AND tenant_id = $2${lock ? ' FOR UPDATE' : ''}`, [id, tenantId])) as TaskRow[];
    return rows[0];
  },

  async list(m: Q, f: { tenantId: string; name?: string; status?: string; page: number; pageSize: number }): Promise<{ rows: TaskRow[]; total: number }> {
    return listPage(m, 'tasks', f);
  },

  /** Sets columns (jsonb ones serialised) and updated_at; returns the new row. */
  async update(m: Q, id: string, fields: Partial<Omit<TaskRow, 'id' | 'tenant_id' | 'created_at' | 'updated_at'>>): Promise<TaskRow> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    for (const [k, v] of Object.entries(fields)) sets.push(`${k} = $${params.push(k === 'sms' || k === 'dialing' ? JSON.stringify(v) : v)}`);
    return updated(await m.query(`UPDATE tasks SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 RETURNING *`, params))[0];
  },

  async remove(m: Q, id: string): Promise<void> {
    await m.query(`DELETE FROM tasks WHERE id = $1`, [id]);
  },

  /**
   * The scheduler's claim: due scheduled tasks, locked with SKIP LOCKED so concurrent replicas take
   * disjoint sets, of tenants not at their maxActiveTasks (a first cut; `admitDue` decides under the
   * tenants' locks). Each task is returned to one caller once.
   */
  async dueCandidates(m: Q, limit: number): Promise<{ id: string; tenant_id: string }[]> {
    return (await m.query(
      `SELECT id, tenant_id FROM tasks t WHERE status = 'scheduled' AND start_at <= now() AND NOT ${AT_LIMIT}
        ORDER BY start_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    )) as { id: string; tenant_id: string }[];
  },

  /** The claimed tasks become running (they are locked by the caller's claim). */
  async startClaimed(m: Q, ids: string[]): Promise<TaskRow[]> {
    if (ids.length === 0) return [];
    return updated(
      await m.query(
        `UPDATE tasks SET status = 'running', started_at = now(), updated_at = now() WHERE id = ANY($1::uuid[]) AND status = 'scheduled' RETURNING *`,
        [ids],
      ),
    );
  },

  /** Milliseconds until the nearest scheduled start (negative when overdue) of a tenant that may start one, or null when none. */
  async nextDueInMs(m: Q): Promise<number | null> {
    // the nearest future start by the index alone; among the overdue (few), those of tenants not at their limit
    const [row] = (await m.query(
      `SELECT (extract(epoch FROM (min(start_at) - now())) * 1000)::float8 AS ms FROM (
         (SELECT start_at FROM tasks WHERE status = 'scheduled' AND start_at > now() ORDER BY start_at LIMIT 1)
         UNION ALL
         (SELECT start_at FROM tasks t WHERE status = 'scheduled' AND start_at <= now() AND NOT ${AT_LIMIT} ORDER BY start_at LIMIT 1)
       ) next`,
    )) as { ms: number | null }[];
    return row?.ms ?? null;
  },

  // ---- the tenants' maxActiveTasks (in the copy of the gateway's limits, @autocall/bus TenantLimitsCopy) ----
  /**
   * Locks the tenants' limit rows (in id order: replicas never deadlock) and returns, for those with
   * a maxActiveTasks, the limit and the active (running or paused) tasks counted after the lock.
   */
  async lockActiveSlots(m: Q, tenantIds: string[]): Promise<Map<string, { limit: number; active: number }>> {
    const out = new Map<string, { limit: number; active: number }>();
    if (tenantIds.length === 0) return out;
    const locked = (await m.query(
      `SELECT tenant_id, ${MAX_ACTIVE} AS max_active_tasks FROM tenant_limits WHERE tenant_id = ANY($1::uuid[]) AND ${MAX_ACTIVE} IS NOT NULL ORDER BY tenant_id FOR UPDATE`,
      [tenantIds],
    )) as { tenant_id: string; max_active_tasks: number }[];
    if (locked.length === 0) return out;
    // a statement after the lock: it sees every start committed by the lock's previous holder
    const counts = (await m.query(
      `SELECT tenant_id, count(*)::int AS active FROM tasks WHERE tenant_id = ANY($1::uuid[]) AND status IN ('running', 'paused') GROUP BY tenant_id`,
      [locked.map((l) => l.tenant_id)],
    )) as { tenant_id: string; active: number }[];
    const active = new Map(counts.map((c) => [c.tenant_id, c.active]));
    for (const l of locked) out.set(l.tenant_id, { limit: l.max_active_tasks, active: active.get(l.tenant_id) ?? 0 });
    return out;
  },

  /** The tenant's maxActiveTasks and its active tasks now, without a lock (a resume: it adds no active task). */
  async activeSlots(m: Q, tenantId: string): Promise<{ limit: number; active: number } | undefined> {
    const [row] = (await m.query(
      `SELECT ${MAX_ACTIVE} AS limit, (SELECT count(*)::int FROM tasks a WHERE a.tenant_id = l.tenant_id AND a.status IN ('running', 'paused')) AS active
         FROM tenant_limits l WHERE l.tenant_id = $1 AND ${MAX_ACTIVE} IS NOT NULL`,
      [tenantId],
    )) as { limit: number; active: number }[];
    return row;
  },

  // ---- progress, batch form (one statement per kind of change for a whole batch of messages) ----
  /** Locks the batch's tasks in id order (replicas folding the same tasks never deadlock); returns their tenants. */
  async lockForProgress(m: Q, ids: string[]): Promise<{ id: string; tenant_id: string }[]> {
    return (await m.query(`SELECT id, tenant_id FROM tasks WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [ids])) as { id: string; tenant_id: string }[];
  },

  /**
   * recordFinal for many numbers in one statement (at most one row per (task, phone): the caller
   * keeps each number's latest attempt). A number counts once; a later final attempt with another
   * outcome moves it from the old outcome's counter to the new one. Returns the counter deltas per
   * task. The caller holds the tasks' locks, so `prev` is what the insert conflicts with.
   */
  async recordFinals(m: Q, finals: { taskId: string; phone: string; outcome: Outcome; attempt: number }[]): Promise<(Record<Outcome, number> & { task_id: string })[]> {
    if (finals.length === 0) return [];
    const delta = (o: Outcome) => `(count(*) FILTER (WHERE up.outcome = '${o}') - count(*) FILTER (WHERE prev.outcome = '${o}'))::int AS ${OUTCOME_COLUMN[o]}`;
    return (await m.query(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[]) AS i(task_id, phone, outcome, attempt)
       ), prev AS (
         SELECT n.task_id, n.phone, n.outcome FROM task_numbers n JOIN input i ON n.task_id = i.task_id AND n.phone = i.phone
       ), up AS (
         INSERT INTO task_numbers (task_id, phone, outcome, attempt) SELECT task_id, phone, outcome, attempt FROM input
         ON CONFLICT (task_id, phone) DO UPDATE SET outcome = EXCLUDED.outcome, attempt = EXCLUDED.attempt
          WHERE task_numbers.attempt < EXCLUDED.attempt AND task_numbers.outcome <> EXCLUDED.outcome
         RETURNING task_id, phone, outcome
       )
       SELECT up.task_id, ${(Object.keys(OUTCOME_COLUMN) as Outcome[]).map(delta).join(', ')}
         FROM up LEFT JOIN prev ON prev.task_id = up.task_id AND prev.phone = up.phone
        GROUP BY up.task_id`,
      [finals.map((f) => f.taskId), finals.map((f) => f.phone), finals.map((f) => f.outcome), finals.map((f) => f.attempt)],
    )) as (Record<Outcome, number> & { task_id: string })[];
  },

  /**
   * recordSms for many (number, kind) end states in one statement (one row per key: the caller
   * keeps the latest). Returns the sms_sent / sms_failed deltas per task (`skipped` counts as neither).
   */
  async recordSmsMany(m: Q, results: { taskId: string; phone: string; kind: string; status: string }[]): Promise<{ task_id: string; sms_sent: number; sms_failed: number }[]> {
    if (results.length === 0) return [];
    return (await m.query(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS i(task_id, phone, kind, status)
       ), prev AS (
         SELECT s.task_id, s.phone, s.kind, s.status FROM task_sms s JOIN input i ON s.task_id = i.task_id AND s.phone = i.phone AND s.kind = i.kind
       ), up AS (
         INSERT INTO task_sms (task_id, phone, kind, status) SELECT task_id, phone, kind, status FROM input
         ON CONFLICT (task_id, phone, kind) DO UPDATE SET status = EXCLUDED.status WHERE task_sms.status <> EXCLUDED.status
         RETURNING task_id, phone, kind, status
       )
       SELECT up.task_id,
              (count(*) FILTER (WHERE up.status = 'sent') - count(*) FILTER (WHERE prev.status = 'sent'))::int AS sms_sent,
              (count(*) FILTER (WHERE up.status = 'failed') - count(*) FILTER (WHERE prev.status = 'failed'))::int AS sms_failed
         FROM up LEFT JOIN prev ON prev.task_id = up.task_id AND prev.phone = up.phone AND prev.kind = up.kind
        GROUP BY up.task_id`,
      [results.map((r) => r.taskId), results.map((r) => r.phone), results.map((r) => r.kind), results.map((r) => r.status)],
    )) as { task_id: string; sms_sent: number; sms_failed: number }[];
  },

  /**
   * Adds counter deltas to many tasks and sets the final count where the dialer reported one, in
   * one statement; returns the new rows (the caller decides completion on them in this transaction).
   */
  async applyProgress(m: Q, changes: { id: string; deltas: Partial<Record<ProgressCounter, number>>; finalCount?: number }[]): Promise<TaskRow[]> {
    if (changes.length === 0) return [];
    const col = (c: ProgressCounter) => changes.map((x) => x.deltas[c] ?? 0);
    const sets = PROGRESS_COUNTERS.map((c) => `${c} = t.${c} + d.${c}`).join(', ');
    const cols = PROGRESS_COUNTERS.map((_, i) => `$${i + 3}::int[]`).join(', ');
    return updated(
      await m.query(
        `UPDATE tasks t SET ${sets}, final_count = COALESCE(d.final_count, t.final_count), updated_at = now()
           FROM unnest($1::uuid[], $2::int[], ${cols}) AS d(id, final_count, ${PROGRESS_COUNTERS.join(', ')})
          WHERE t.id = d.id
         RETURNING t.*`,
        [changes.map((x) => x.id), changes.map((x) => x.finalCount ?? null), ...PROGRESS_COUNTERS.map(col)],
      ),
    );
  },

  // ---- versioned control (usecases/task-control.ts) ----
  /** Takes the task's control lease for `holder` when it is free or lapsed; the row as it is now, or undefined. */
  async takeControl(m: Q, tenantId: string, id: string, holder: string, leaseMs: number): Promise<TaskRow | undefined> {
    return updated(
      await m.query(
        `UPDATE tasks SET control_holder = $3, control_lease_until = clock_timestamp() + $4 * interval '1 millisecond'
          WHERE id = $1 AND tenant_id = $2 AND (control_holder IS NULL OR control_lease_until < clock_timestamp())
          RETURNING *`,
        [id, tenantId, holder, leaseMs],
      ),
    )[0];
  },

  async releaseControl(m: Q, id: string, holder: string): Promise<void> {
    await m.query(`UPDATE tasks SET control_holder = NULL, control_lease_until = NULL WHERE id = $1 AND control_holder = $2`, [id, holder]);
  },

  /**
   * Draws the next control generation (used up whatever becomes of the command) and the database's
   * clock, and marks the task for the reconciler once the lease lapses — the mark this holder clears
   * when the dialer's answer is committed, so a process that dies mid-way leaves the task to be
   * reconciled. Undefined when `holder` no longer holds the lease.
   */
  async drawGeneration(m: Q, id: string, holder: string): Promise<{ generation: number; nowMs: number } | undefined> {
    const [row] = updated(
      await m.query(
        `UPDATE tasks SET control_due_at = LEAST(control_due_at, control_lease_until)
          WHERE id = $1 AND control_holder = $2
          RETURNING nextval('control_generation')::text AS generation, (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now_ms`,
        [id, holder],
      ),
    ) as unknown as { generation: string; now_ms: number }[];
    return row ? { generation: Number(row.generation), nowMs: Number(row.now_ms) } : undefined;
  },

  /**
   * Records the dialer's acknowledgement of `generation`: the task is in sync, unless a newer one is
   * recorded already or `holder` no longer holds the control lease (another holder took it and may
   * have sent a newer order: its own commit clears the mark).
   */
  async ackControl(m: Q, id: string, generation: number, holder: string): Promise<boolean> {
    const [rows] = (await m.query(
      `UPDATE tasks SET control_generation = $2, control_due_at = NULL, control_tries = 0 WHERE id = $1 AND control_generation < $2 AND control_holder = $3 RETURNING id`,
      [id, generation, holder],
    )) as [unknown[], number];
    return rows.length > 0;
  },

  /** The dialer may not hold what the row shows: the reconciler re-sends it after `delayMs`. */
  async controlDue(m: Q, id: string, delayMs: number, failedTry: boolean): Promise<void> {
    await m.query(`UPDATE tasks SET control_due_at = clock_timestamp() + $2 * interval '1 millisecond', control_tries = control_tries + $3 WHERE id = $1`, [id, delayMs, failedTry ? 1 : 0]);
  },

  /** Nothing owed to the dialer (a completed task needs no hold or release). */
  async controlInSync(m: Q, id: string): Promise<void> {
    await m.query(`UPDATE tasks SET control_due_at = NULL, control_tries = 0 WHERE id = $1`, [id]);
  },

  /** Tasks whose state the reconciler owes the dialer, with no live lease. */
  async dueControls(m: Q, limit: number): Promise<{ id: string; tenant_id: string }[]> {
    return (await m.query(
      `SELECT id, tenant_id FROM tasks
        WHERE control_due_at <= clock_timestamp() AND (control_holder IS NULL OR control_lease_until < clock_timestamp())
        ORDER BY control_due_at LIMIT $1`,
      [limit],
    )) as { id: string; tenant_id: string }[];
  },

  // ---- the tenants' blackout dates (a copy of the dialer's, from calendar.updated) ----
  /** Stores a tenant's calendar unless a newer one is stored already. */
  async storeCalendar(m: Q, tenantId: string, blackouts: { from: string; to: string }[], updatedAt: string): Promise<void> {
    await m.query(
      `INSERT INTO tenant_calendars (tenant_id, blackouts, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET blackouts = EXCLUDED.blackouts, updated_at = EXCLUDED.updated_at WHERE tenant_calendars.updated_at < EXCLUDED.updated_at`,
      [tenantId, JSON.stringify(blackouts.map((b) => ({ from: b.from, to: b.to }))), updatedAt],
    );
  },

  async blackoutsOf(m: Q, tenantId: string): Promise<{ from: string; to: string }[]> {
    const [row] = (await m.query(`SELECT blackouts FROM tenant_calendars WHERE tenant_id = $1`, [tenantId])) as { blackouts: { from: string; to: string }[] }[];
    return row?.blackouts ?? [];
  },

  // ---- reservation cleanups ----
  async addCleanup(m: Q, tenantId: string, taskId: string, delayMs: number): Promise<void> {
    await m.query(
      `INSERT INTO reservation_cleanups (task_id, tenant_id, due_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond') ON CONFLICT (task_id) DO UPDATE SET due_at = EXCLUDED.due_at`,
      [taskId, tenantId, delayMs],
    );
  },

  async claimCleanups(m: Q, limit: number): Promise<{ task_id: string; tenant_id: string; attempts: number }[]> {
    return (await m.query(`SELECT task_id, tenant_id, attempts FROM reservation_cleanups WHERE due_at <= now() ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED`, [limit])) as {
      task_id: string;
      tenant_id: string;
      attempts: number;
    }[];
  },

  async finishCleanup(m: Q, taskId: string): Promise<void> {
    await m.query(`DELETE FROM reservation_cleanups WHERE task_id = $1`, [taskId]);
  },

  async retryCleanup(m: Q, taskId: string, delayMs: number): Promise<void> {
    await m.query(`UPDATE reservation_cleanups SET attempts = attempts + 1, due_at = now() + $2 * interval '1 millisecond' WHERE task_id = $1`, [taskId, delayMs]);
  },
};
