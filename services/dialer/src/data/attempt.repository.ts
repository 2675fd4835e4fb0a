import type { DataSource, EntityManager } from 'typeorm';
import { publishManyInTransaction } from '@autocall/bus';
import { CallCompleted, DialerNumberSettled, newId, type CallCompletedT, type DialerNumberSettledT, type SmsMessageStatus } from '@autocall/contracts';
import { DNC_REASON, mayDial } from '../domain/dial-policy';
import { shareChannels } from '../domain/fair-share';
import { CalendarRepository } from './calendar.repository';
import { DncRepository, dncLockSql } from './dnc.repository';
import type { AmdSettings, CallResult, CarrierDialog, DtmfSettings } from '../domain/carrier';
import { durationMs, isFinal, retryRuleFor, settledFailedEvent, type RetrySettings } from '../domain/outcome';
import type { ReportRow } from '../domain/report';
import { furthestStates, smsStatusRankSql, tagsByNumber, type SmsStateItem, type TagItem } from '../domain/call-sms';

/** An attempt this replica claimed (committed `dialing`), with what the carrier needs. */
export interface ClaimedAttempt {
  id: string;
  taskId: string;
  tenantId: string;
  phone: string;
  rowNumber: number;
  attempt: number;
  name: string | null;
  variables: Record<string, string>;
  ringTimeoutSeconds: number;
  callerId: string | null;
  recordingId: string | null;
  recordingDurationMs: number;
  /** The task's DTMF capture (dialing.dtmf), if on. */
  dtmf?: DtmfSettings | null;
  /** The task's answering-machine detection (dialing.amd), if on. */
  amd?: AmdSettings | null;
  /** Times this attempt already went back to the queue unplaced (its back-off grows with it). */
  notPlaced: number;
  /** Of those, the tries that failed (recording, setup) rather than waited for capacity or a hold. */
  notPlacedFailed: number;
}

export interface AttemptResult {
  attempt: ClaimedAttempt;
  result: CallResult;
  /** Nothing was sent (a call never placed, settled final): stored with started_at NULL, so the report counts no call. */
  neverPlaced?: boolean;
}

export interface CallRow {
  id: string;
  phone: string;
  attempt: number;
  status: 'queued' | 'dialing' | 'completed';
  outcome: CallCompletedT['outcome'] | null;
  hangup_by: 'callee' | 'system' | null;
  sip_code: number | null;
  failure_reason: string | null;
  answered_by: 'human' | 'machine' | 'unknown' | null;
  dtmf: string | null;
  tags: string[];
  started_at: Date | null;
  answered_at: Date | null;
  ended_at: Date | null;
  duration_ms: number | null;
  sms_kind: 'disconnect' | 'unanswered' | null;
  /** as the sms service said it (sms.sent|failed), in the public message statuses */
  sms_status: SmsMessageStatus | null;
}

interface ClaimRow {
  kind: 'dial' | 'suppressed' | 'capped';
  ended_at: Date | null;
  calls_before: number;
  id: string;
  task_id: string;
  tenant_id: string;
  phone: string;
  row_number: number;
  attempt: number;
  name: string | null;
  variables: Record<string, string>;
  ring_timeout_seconds: number;
  caller_id: string | null;
  recording_id: string | null;
  recording_duration_ms: number;
  dtmf: DtmfSettings | null;
  amd: AmdSettings | null;
  not_placed: number;
  not_placed_failed: number;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * The tokens in a tenant's callsPerSecond bucket at `clock.ts` (SQL, over the tenant_limits row
 * `l`): refilled at cps a second since its last draw, holding at most one second of calls (at least
 * one call), none when cps is 0.
 */
const tenantTokens = (l: string) =>
  `LEAST(CASE WHEN ${l}.cps > 0 THEN GREATEST(${l}.cps, 1) ELSE 0 END, ${l}.tokens + ${l}.cps * GREATEST(0, extract(epoch FROM (clock.ts - ${l}.last_refill))))`;

/** The event of a number the policy ended without a call. */
const settledEvent = (
  r: Pick<ClaimRow, 'id' | 'task_id' | 'tenant_id' | 'phone' | 'row_number' | 'attempt' | 'name' | 'variables' | 'ended_at' | 'calls_before'>,
  outcome: DialerNumberSettledT['outcome'],
  reason: string,
): DialerNumberSettledT => ({
  tenantId: r.tenant_id,
  taskId: r.task_id,
  attemptId: r.id,
  phone: r.phone,
  rowNumber: r.row_number,
  attempt: r.attempt,
  attempts: r.calls_before,
  outcome,
  reason,
  settledAt: (r.ended_at ?? new Date()).toISOString(),
  name: r.name,
  variables: r.variables ?? {},
});

/** Call attempts: claims, results, leases, the interrupted sweep, the calls list and the report. */
export class AttemptRepository {
  constructor(
    private readonly db: DataSource,
    /** The dialing policy's clock (calling window, blackouts); due times and leases use the database's. */
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Claims up to `limit` due attempts across every dialable task, in one transaction:
   * 1. lock the dialable tasks (running, not held/cancelled, inside the calling window), at most 50,
   *    taken round-robin between tenants, FOR NO KEY UPDATE SKIP LOCKED — the hold/cancel RPCs
   *    update the same rows, so a hold committed before this lock excludes the task, and one
   *    committed after waits for this claim;
   * 2. lock the rows of those tenants that have limits (tenant.limits-updated) FOR UPDATE SKIP
   *    LOCKED: a tenant another replica is claiming for is skipped this turn, so a tenant's calls in
   *    flight and its token bucket are only ever read and spent by one claim at a time;
   * 3. with a snapshot taken after the locks (so every other replica's committed claims are
   *    counted), read what each task can take — min(its tokens, its maxConcurrentCalls − its calls
   *    in `dialing` across replicas, its due attempts) — and what each tenant's limits still allow;
   *    `shareChannels` (domain/fair-share.ts) splits the free channels between tenants, then
   *    between each tenant's tasks, by who holds the fewest calls;
   * 4. in one statement: pick each task's share of due queued attempts FOR UPDATE SKIP LOCKED,
   *    mark them `dialing` with this replica's lease, spend the task's and the tenant's tokens.
   * It commits before any call is placed.
   * The rule is `mayDial` (domain/dial-policy.ts): control state, DNC, end time, blackout, calling
   * window, the contact cap, due time. This SQL is its set-based fast pre-filter over every task at
   * once and must say the same; a rule added there that can be judged in SQL is added here too (the
   * pre-INVITE check asks mayDial):
   * - a task whose tenant has today (in the task's zone) as a blackout is not claimed from, unless
   *   its `dialing.skipBlackouts` is false;
   * - each picked attempt's number is looked up on the tenant's do-not-call list by its primary
   *   key (one index probe per candidate, in this statement): a listed one is not claimed but
   *   settled `suppressed` here (final, no call), with its dialer.number.settled in the outbox of
   *   this transaction. It takes a slot of the task's quota, not a token;
   * - with a call cap (contact policy), the picked numbers are counted on their (tenant, number,
   *   local day of the task's zone) row by one INSERT … ON CONFLICT DO UPDATE … WHERE calls < cap:
   *   the row lock serialises claims of the same number from any task and any replica (the second
   *   waits for the first to commit, then re-reads the row's committed count), so a cap is never
   *   passed, even by two claims of the same number in the same instant. A number at its cap is not
   *   claimed: mayDial (caps fact) gives the next local day's first dialable instant and the
   *   attempt is due then. An attempt that goes back to the queue or ends without its INVITE gives
   *   its count back (`releaseCounts`).
   */
  async claim(me: string, leaseMs: number, limit: number): Promise<ClaimedAttempt[]> {
    return (await this.claimAndSettle(me, leaseMs, limit)).claimed;
  }

  /** `claim`, also telling which tasks had numbers settled `suppressed` (for a drain check). */
  async claimAndSettle(me: string, leaseMs: number, limit: number): Promise<{ claimed: ClaimedAttempt[]; settledTasks: string[] }> {
    const policyNow = this.clock();
    const rows = await this.db.transaction(async (m) => {
      // the dialable tasks, at most 50, taken round-robin between tenants (each tenant's least
      // recently claimed first), so a tenant with many tasks cannot crowd another's out of the claim;
      // the control filters are repeated outside the ranking so the lock re-checks them
      const locked = (await m.query(
        `WITH dialable AS (
           SELECT t.task_id, t.last_claim_at, row_number() OVER (PARTITION BY t.tenant_id ORDER BY t.last_claim_at NULLS FIRST, t.task_id) AS rk
             FROM tasks t
            WHERE t.started AND NOT t.held AND NOT t.cancelled AND t.drained_at IS NULL AND t.deleted_at IS NULL
              AND extract(isodow FROM ($1::timestamptz AT TIME ZONE t.timezone))::int = ANY (t.window_days)
              AND ($1::timestamptz AT TIME ZONE t.timezone)::time >= t.window_start::time
              AND ($1::timestamptz AT TIME ZONE t.timezone)::time < t.window_end::time
              AND (t.end_at IS NULL OR t.end_at > $1::timestamptz)
              AND NOT (t.skip_blackouts AND EXISTS (
                SELECT 1 FROM blackouts b
                 WHERE b.tenant_id = t.tenant_id AND b.from_date <= ($1::timestamptz AT TIME ZONE t.timezone)::date AND b.to_date >= ($1::timestamptz AT TIME ZONE t.timezone)::date))
              AND EXISTS (SELECT 1 FROM call_attempts a WHERE a.task_id = t.task_id AND a.status = 'queued' AND a.due_at <= now())
         )
         SELECT t.task_id, t.tenant_id FROM tasks t
          WHERE t.task_id IN (SELECT task_id FROM dialable ORDER BY rk, last_claim_at NULLS FIRST, task_id LIMIT 50)
            AND t.started AND NOT t.held AND NOT t.cancelled AND t.drained_at IS NULL AND t.deleted_at IS NULL
          FOR NO KEY UPDATE OF t SKIP LOCKED`,
        [policyNow.toISOString()],
      )) as { task_id: string; tenant_id: string }[];
      if (locked.length === 0) return [];
      // a tenant with limits is claimed for by one replica at a time (its row locked, or skipped this turn):
      // its calls in flight and its bucket are then read after every other replica's committed claim
      const tenantIds = [...new Set(locked.map((t) => t.tenant_id))].sort();
      const limited = (await m.query(`SELECT tenant_id FROM tenant_limits WHERE tenant_id = ANY ($1::uuid[]) AND (max_concurrent IS NOT NULL OR cps IS NOT NULL)`, [tenantIds])) as { tenant_id: string }[];
      const mine = new Set(
        limited.length === 0
          ? []
          : ((await m.query(`SELECT tenant_id FROM tenant_limits WHERE tenant_id = ANY ($1::uuid[]) ORDER BY tenant_id FOR UPDATE SKIP LOCKED`, [limited.map((l) => l.tenant_id)])) as { tenant_id: string }[]).map((l) => l.tenant_id),
      );
      const busy = new Set(limited.map((l) => l.tenant_id).filter((id) => !mine.has(id)));
      const tasks = locked.filter((t) => !busy.has(t.tenant_id));
      if (tasks.length === 0) return [];
      const demand = (await m.query(
        `WITH clock AS (SELECT clock_timestamp() AS ts)
         SELECT t.task_id, t.tenant_id, t.in_flight,
                (SELECT count(*) FROM (SELECT 1 FROM call_attempts a WHERE a.task_id = t.task_id AND a.status = 'queued' AND a.due_at <= now() LIMIT t.quota) x)::int AS demand
           FROM (SELECT f.task_id, f.tenant_id, f.in_flight, GREATEST(0, LEAST(floor(f.avail)::int, f.max_concurrent - f.in_flight, $2::int)) AS quota
                   FROM (SELECT tk.task_id, tk.tenant_id, tk.max_concurrent,
                                LEAST(GREATEST(tk.cps, 1), tk.tokens + tk.cps * GREATEST(0, extract(epoch FROM (clock.ts - tk.last_refill)))) AS avail,
                                (SELECT count(*) FROM call_attempts d WHERE d.task_id = tk.task_id AND d.status = 'dialing')::int AS in_flight
                           FROM tasks tk, clock WHERE tk.task_id = ANY ($1::uuid[])) f) t`,
        [tasks.map((t) => t.task_id), limit],
      )) as { task_id: string; tenant_id: string; in_flight: number; demand: number }[];
      const tenants = (await m.query(
        `WITH clock AS (SELECT clock_timestamp() AS ts),
         flying AS (SELECT tk.tenant_id, count(*)::int AS n FROM call_attempts d JOIN tasks tk ON tk.task_id = d.task_id
                     WHERE d.status = 'dialing' AND tk.tenant_id = ANY ($1::uuid[]) GROUP BY tk.tenant_id)
         SELECT u.tenant_id, COALESCE(f.n, 0) AS in_flight,
                CASE WHEN l.max_concurrent IS NULL AND l.cps IS NULL THEN NULL
                     ELSE GREATEST(0, LEAST(
                       CASE WHEN l.max_concurrent IS NULL THEN 2147483647 ELSE l.max_concurrent - COALESCE(f.n, 0) END,
                       CASE WHEN l.cps IS NULL THEN 2147483647
                            ELSE floor(${tenantTokens('l')})::bigint END))::int END AS quota
           FROM unnest($1::uuid[]) AS u(tenant_id) CROSS JOIN clock
           LEFT JOIN flying f ON f.tenant_id = u.tenant_id LEFT JOIN tenant_limits l ON l.tenant_id = u.tenant_id`,
        [[...new Set(tasks.map((t) => t.tenant_id))]],
      )) as { tenant_id: string; in_flight: number; quota: number | null }[];
      const order = new Map(tasks.map((t, i) => [t.task_id, i]));
      const share = shareChannels(
        limit,
        demand.sort((a, b) => order.get(a.task_id)! - order.get(b.task_id)!).map((d) => ({ taskId: d.task_id, tenantId: d.tenant_id, inFlight: d.in_flight, demand: d.demand })),
        new Map(tenants.map((t) => [t.tenant_id, { inFlight: t.in_flight, quota: t.quota }])),
      );
      if (share.size === 0) return [];
      const picked = (await m.query(
        `WITH clock AS (SELECT clock_timestamp() AS ts),
         q AS (
           SELECT tk.task_id, tk.tenant_id, r.n, cp.max_calls AS cap, ($6::timestamptz AT TIME ZONE tk.timezone)::date AS day,
                  LEAST(GREATEST(tk.cps, 1), tk.tokens + tk.cps * GREATEST(0, extract(epoch FROM (clock.ts - tk.last_refill)))) AS avail
             FROM unnest($1::uuid[], $7::int[]) AS r(task_id, n) JOIN tasks tk ON tk.task_id = r.task_id
             CROSS JOIN clock LEFT JOIN contact_policies cp ON cp.tenant_id = tk.tenant_id
         ),
         picked AS (
           SELECT p.id, p.phone, p.due_at, p.listed, q.task_id, q.tenant_id, q.cap, q.day FROM q CROSS JOIN LATERAL (
             SELECT a.id, a.phone, a.due_at, EXISTS (SELECT 1 FROM dnc_entries d WHERE d.tenant_id = q.tenant_id AND d.phone = a.phone) AS listed
               FROM call_attempts a
              WHERE a.task_id = q.task_id AND a.status = 'queued' AND a.due_at <= now()
              ORDER BY a.due_at, a.id LIMIT q.n
              FOR UPDATE OF a SKIP LOCKED) p
           LIMIT $4
         ),
         ranked AS (
           SELECT id, tenant_id, phone, day, cap, row_number() OVER (PARTITION BY tenant_id, phone, day ORDER BY due_at, id) AS rk
             FROM picked WHERE NOT listed AND cap IS NOT NULL
         ),
         wanted AS (SELECT tenant_id, phone, day, max(cap) AS cap, count(*)::int AS k FROM ranked GROUP BY tenant_id, phone, day),
         counted AS (
           INSERT INTO contact_counts AS c (tenant_id, phone, day, calls, granted)
           SELECT tenant_id, phone, day, LEAST(cap, k), LEAST(cap, k) FROM wanted
           ON CONFLICT (tenant_id, phone, day) DO UPDATE
              SET granted = LEAST((SELECT cp.max_calls FROM contact_policies cp WHERE cp.tenant_id = c.tenant_id) - c.calls, EXCLUDED.granted),
                  calls = LEAST((SELECT cp.max_calls FROM contact_policies cp WHERE cp.tenant_id = c.tenant_id), c.calls + EXCLUDED.granted)
            WHERE c.calls < (SELECT cp.max_calls FROM contact_policies cp WHERE cp.tenant_id = c.tenant_id)
           RETURNING c.tenant_id, c.phone, c.day, c.granted
         ),
         allowed AS (SELECT r.id, r.day FROM ranked r JOIN counted c ON c.tenant_id = r.tenant_id AND c.phone = r.phone AND c.day = r.day WHERE r.rk <= c.granted),
         claimed AS (
           UPDATE call_attempts a SET status = 'dialing', claimed_by = $2, started_at = clock.ts,
                  lease_until = clock.ts + $3 * interval '1 millisecond', counted_day = al.day
             FROM picked p CROSS JOIN clock LEFT JOIN allowed al ON al.id = p.id
            WHERE a.id = p.id AND NOT p.listed AND (p.cap IS NULL OR al.id IS NOT NULL)
           RETURNING a.id, a.task_id, a.phone, a.row_number, a.attempt, a.name, a.variables, a.not_placed, a.not_placed_failed
         ),
         suppressed AS (
           UPDATE call_attempts a SET status = 'completed', final = true, outcome = 'suppressed', failure_reason = $5, hangup_by = NULL,
                  sip_code = NULL, claimed_by = NULL, started_at = NULL, answered_at = NULL, ended_at = clock.ts, duration_ms = 0, lease_until = NULL
             FROM picked, clock WHERE a.id = picked.id AND picked.listed
           RETURNING a.id, a.task_id, a.phone, a.row_number, a.attempt, a.name, a.variables, a.ended_at
         ),
         spent AS (
           UPDATE tasks SET tokens = q.avail - c.cnt, last_refill = clock.ts, last_claim_at = clock.ts
             FROM q, clock, (SELECT task_id, count(*) AS cnt FROM claimed GROUP BY task_id) c
            WHERE tasks.task_id = q.task_id AND c.task_id = q.task_id
         ),
         tenant_spent AS (
           UPDATE tenant_limits l SET tokens = GREATEST(0, ${tenantTokens('l')} - c.cnt),
                  last_refill = clock.ts
             FROM clock, (SELECT q.tenant_id, count(*) AS cnt FROM claimed JOIN q ON q.task_id = claimed.task_id GROUP BY q.tenant_id) c
            WHERE l.tenant_id = c.tenant_id AND l.cps IS NOT NULL
         )
         SELECT 'dial' AS kind, c.id, c.task_id, c.phone, c.row_number, c.attempt, c.name, c.variables, c.not_placed, c.not_placed_failed,
                t.tenant_id, t.ring_timeout_seconds, t.caller_id, t.recording_id, t.recording_duration_ms, t.snapshot->'dialing'->'dtmf' AS dtmf, t.snapshot->'dialing'->'amd' AS amd, NULL::timestamptz AS ended_at, 0 AS calls_before
           FROM claimed c JOIN tasks t ON t.task_id = c.task_id
         UNION ALL
         SELECT 'suppressed', s.id, s.task_id, s.phone, s.row_number, s.attempt, s.name, s.variables, 0, 0,
                t.tenant_id, t.ring_timeout_seconds, t.caller_id, t.recording_id, t.recording_duration_ms, t.snapshot->'dialing'->'dtmf' AS dtmf, t.snapshot->'dialing'->'amd' AS amd, s.ended_at,
                (SELECT count(*) FROM call_attempts p WHERE p.task_id = s.task_id AND p.row_number = s.row_number AND p.attempt < s.attempt AND p.started_at IS NOT NULL)::int
           FROM suppressed s JOIN tasks t ON t.task_id = s.task_id
         UNION ALL
         SELECT 'capped', a.id, a.task_id, a.phone, a.row_number, a.attempt, a.name, a.variables, a.not_placed, a.not_placed_failed,
                t.tenant_id, t.ring_timeout_seconds, t.caller_id, t.recording_id, t.recording_duration_ms, t.snapshot->'dialing'->'dtmf' AS dtmf, t.snapshot->'dialing'->'amd' AS amd, NULL::timestamptz, 0
           FROM picked p JOIN call_attempts a ON a.id = p.id JOIN tasks t ON t.task_id = p.task_id
          WHERE NOT p.listed AND p.cap IS NOT NULL AND p.id NOT IN (SELECT id FROM allowed)`,
        [[...share.keys()], me, leaseMs, limit, DNC_REASON, policyNow.toISOString(), [...share.values()]],
      )) as ClaimRow[];
      const settled = picked.filter((r) => r.kind === 'suppressed');
      await publishManyInTransaction(
        m,
        DialerNumberSettled,
        settled.map((r) => settledEvent(r, 'suppressed', DNC_REASON)),
      );
      await this.deferCapped(m, picked.filter((r) => r.kind === 'capped'), policyNow);
      return picked;
    });
    const settledTasks = [...new Set(rows.filter((r) => r.kind === 'suppressed').map((r) => r.task_id))];
    const claimed = rows.filter((r) => r.kind === 'dial').map((r) => ({
      id: r.id,
      taskId: r.task_id,
      tenantId: r.tenant_id,
      phone: r.phone,
      rowNumber: r.row_number,
      attempt: r.attempt,
      name: r.name,
      variables: r.variables ?? {},
      ringTimeoutSeconds: r.ring_timeout_seconds,
      callerId: r.caller_id,
      recordingId: r.recording_id,
      recordingDurationMs: r.recording_duration_ms,
      dtmf: r.dtmf?.enabled ? r.dtmf : null,
      amd: r.amd?.enabled ? r.amd : null,
      notPlaced: r.not_placed,
      notPlacedFailed: r.not_placed_failed,
    }));
    return { claimed, settledTasks };
  }

  /**
   * Attempts whose number was at the tenant's call cap for its local day when their turn came: not
   * claimed, but due again when the dialing policy says (the next local day's first dialable
   * instant, skipping blackouts). The wait is measured on the policy's clock and applied from the
   * database's, as every due time is.
   */
  private async deferCapped(m: EntityManager, rows: ClaimRow[], policyNow: Date): Promise<void> {
    if (rows.length === 0) return;
    const taskIds = [...new Set(rows.map((r) => r.task_id))];
    const tasks = (await m.query(
      `SELECT task_id, tenant_id, timezone, window_start, window_end, window_days, skip_blackouts FROM tasks WHERE task_id = ANY ($1::uuid[])`,
      [taskIds],
    )) as { task_id: string; tenant_id: string; timezone: string; window_start: string; window_end: string; window_days: number[]; skip_blackouts: boolean }[];
    const ranges = new Map<string, { from: string; to: string }[]>();
    for (const t of tasks) if (t.skip_blackouts && !ranges.has(t.tenant_id)) ranges.set(t.tenant_id, await CalendarRepository.ranges(m, t.tenant_id));
    const byId = new Map(tasks.map((t) => [t.task_id, t]));
    const delays = rows.map((r) => {
      const t = byId.get(r.task_id)!;
      const window = { start: t.window_start, end: t.window_end, days: t.window_days, timezone: t.timezone };
      const d = mayDial(
        { attempt: r.attempt, notPlaced: r.not_placed, notPlacedFailed: r.not_placed_failed },
        { now: policyNow, window, blackouts: t.skip_blackouts ? { ranges: ranges.get(t.tenant_id) ?? [], timezone: t.timezone } : undefined, caps: { reached: true, timezone: t.timezone } },
      );
      return d.kind === 'wait' ? Math.max(0, d.until.getTime() - policyNow.getTime()) : 0;
    });
    await m.query(
      `UPDATE call_attempts a SET due_at = clock_timestamp() + r.delay_ms * interval '1 millisecond'
         FROM unnest($1::uuid[], $2::bigint[]) AS r(id, delay_ms) WHERE a.id = r.id AND a.status = 'queued'`,
      [rows.map((r) => r.id), delays],
    );
  }

  /**
   * Gives back the day's count of attempts that were claimed and then went back to the queue or
   * ended without their INVITE (every INVITE sent counts, nothing else), in the caller's transaction.
   */
  static async releaseCounts(m: EntityManager, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await m.query(
      `WITH old AS (
         SELECT a.id, t.tenant_id, a.phone, a.counted_day FROM call_attempts a JOIN tasks t ON t.task_id = a.task_id
          WHERE a.id = ANY ($1::uuid[]) AND a.counted_day IS NOT NULL ORDER BY a.id FOR UPDATE OF a
       ),
       cleared AS (UPDATE call_attempts a SET counted_day = NULL FROM old WHERE a.id = old.id),
       g AS (SELECT tenant_id, phone, counted_day, count(*)::int AS n FROM old GROUP BY tenant_id, phone, counted_day)
       UPDATE contact_counts c SET calls = GREATEST(0, c.calls - g.n)
         FROM g WHERE c.tenant_id = g.tenant_id AND c.phone = g.phone AND c.day = g.counted_day`,
      [ids],
    );
  }

  /** Forgets the counts of local days that are over everywhere (kept two days, for the zones behind). */
  async pruneCounts(): Promise<void> {
    await this.db.query(`DELETE FROM contact_counts WHERE day < (now() AT TIME ZONE 'UTC')::date - 2`);
  }

  /**
   * Settles every queued attempt of these tasks (whose rows the caller holds FOR UPDATE) as
   * `outcome`, final, without a call, with their dialer.number.settled, in the caller's transaction.
   */
  static async settleQueued(m: EntityManager, taskIds: string[], tenantOf: Map<string, string>, outcome: DialerNumberSettledT['outcome'], reason: string): Promise<number> {
    const [rows] = (await m.query(
      `UPDATE call_attempts a SET status = 'completed', final = true, outcome = $2, failure_reason = $3, hangup_by = NULL, sip_code = NULL,
              claimed_by = NULL, started_at = NULL, answered_at = NULL, ended_at = clock_timestamp(), duration_ms = 0, lease_until = NULL
        WHERE a.task_id = ANY ($1::uuid[]) AND a.status = 'queued'
        RETURNING a.id, a.task_id, a.phone, a.row_number, a.attempt, a.name, a.variables, a.ended_at,
                  (SELECT count(*) FROM call_attempts p WHERE p.task_id = a.task_id AND p.row_number = a.row_number AND p.attempt < a.attempt AND p.started_at IS NOT NULL)::int AS calls_before`,
      [taskIds, outcome, reason],
    )) as [(Omit<ClaimRow, 'tenant_id'> & { ended_at: Date })[], number];
    await publishManyInTransaction(
      m,
      DialerNumberSettled,
      rows.map((r) => settledEvent({ ...r, tenant_id: tenantOf.get(r.task_id)! }, outcome, reason)),
    );
    return rows.length;
  }

  /**
   * Settles claimed attempts that will not be dialled (the pre-INVITE check found the number
   * listed, or the task's end time come) as `outcome`, final, without a call, with their dialer.number.settled, inside the
   * caller's transaction: only those still `dialing` and claimed by `me`. Returns their task ids.
   */
  static async settleUndialled(
    m: EntityManager,
    me: string,
    items: { id: string; tenantId: string }[],
    outcome: DialerNumberSettledT['outcome'],
    reason: string,
  ): Promise<string[]> {
    if (items.length === 0) return [];
    const [rows] = (await m.query(
      `UPDATE call_attempts a SET status = 'completed', final = true, outcome = $3, failure_reason = $4, hangup_by = NULL, sip_code = NULL,
              claimed_by = NULL, started_at = NULL, answered_at = NULL, ended_at = clock_timestamp(), duration_ms = 0, lease_until = NULL, sent_at = NULL
        WHERE a.id = ANY ($1::uuid[]) AND a.status = 'dialing' AND a.claimed_by = $2
        RETURNING a.id, a.task_id, a.phone, a.row_number, a.attempt, a.name, a.variables, a.ended_at,
                  (SELECT count(*) FROM call_attempts p WHERE p.task_id = a.task_id AND p.row_number = a.row_number AND p.attempt < a.attempt AND p.started_at IS NOT NULL)::int AS calls_before`,
      [items.map((i) => i.id), me, outcome, reason],
    )) as [(Omit<ClaimRow, 'tenant_id'> & { ended_at: Date })[], number];
    await AttemptRepository.releaseCounts(m, rows.map((r) => r.id));
    const tenantOf = new Map(items.map((i) => [i.id, i.tenantId]));
    await publishManyInTransaction(
      m,
      DialerNumberSettled,
      rows.map((r) => settledEvent({ ...r, tenant_id: tenantOf.get(r.id)! }, outcome, reason)),
    );
    return [...new Set(rows.map((r) => r.task_id))];
  }

  /**
   * Puts attempts the carrier did not place (nothing was sent) back in the queue, due after their
   * back-off: not a call, so no result, no call.completed, and the attempt number is unchanged.
   * Only this replica's attempts still in `dialing`; one the sweeper settled meanwhile stays so.
   * The task rows are held FOR KEY SHARE, so a cancel (FOR UPDATE) comes either after — and
   * cancels these queued attempts with the rest — or before: then it already turned these
   * attempts (claimed, never sent) into `cancelled`, and they are neither requeued nor returned.
   * A task whose roster its owner refused: its queued attempts were settled, so one requeued now
   * would wait forever; its attempts still `dialing` here are returned, for the caller to settle
   * as a final result (a failed call that never went out).
   */
  async requeue(me: string, items: { id: string; taskId: string; delayMs: number; reason: string; failed: boolean }[]): Promise<Set<string>> {
    if (items.length === 0) return new Set();
    return this.db.transaction(async (m) => {
      const taskIds = [...new Set(items.map((i) => i.taskId))].sort();
      const open = new Set(
        ((await m.query(`SELECT task_id FROM tasks WHERE task_id = ANY ($1::uuid[]) AND NOT cancelled AND roster_refused_at IS NULL AND deleted_at IS NULL ORDER BY task_id FOR KEY SHARE`, [taskIds])) as { task_id: string }[]).map(
          (t) => t.task_id,
        ),
      );
      const back = items.filter((i) => open.has(i.taskId));
      if (back.length > 0) {
        const [requeued] = (await m.query(
          `UPDATE call_attempts a SET status = 'queued', claimed_by = NULL, started_at = NULL, lease_until = NULL,
                  due_at = clock_timestamp() + r.delay_ms * interval '1 millisecond', not_placed = a.not_placed + 1,
                  not_placed_failed = a.not_placed_failed + r.failed::int, failure_reason = r.reason
             FROM unnest($1::uuid[], $2::int[], $3::text[], $5::bool[]) AS r(id, delay_ms, reason, failed)
            WHERE a.id = r.id AND a.status = 'dialing' AND a.claimed_by = $4
            RETURNING a.id`,
          [back.map((i) => i.id), back.map((i) => Math.round(i.delayMs)), back.map((i) => i.reason), me, back.map((i) => i.failed)],
        )) as [{ id: string }[], number];
        // not placed: no INVITE went out, so the day's count is given back
        await AttemptRepository.releaseCounts(m, requeued.map((r) => r.id));
      }
      // of the closed tasks' attempts, those still this replica's to settle: a cancel has already
      // turned the ones it counted as never placed into `cancelled`, and they are owed nothing
      const closed = items.filter((i) => !open.has(i.taskId));
      if (closed.length === 0) return new Set<string>();
      const still = (await m.query(`SELECT id FROM call_attempts WHERE id = ANY ($1::uuid[]) AND status = 'dialing' AND claimed_by = $2`, [closed.map((i) => i.id), me])) as { id: string }[];
      return new Set(still.map((r) => r.id));
    });
  }

  /**
   * Commits a batch of results in one transaction: the attempts' final state (only where still
   * `dialing` — one the sweeper settled as interrupted stays so), the retry attempts, and one
   * call.completed outbox row each. The task rows are held FOR KEY SHARE so a cancel (FOR UPDATE)
   * sees either none or all of it, and never a retry it did not cancel.
   */
  async writeResults(results: AttemptResult[]): Promise<{ written: number; taskIds: string[] }> {
    if (results.length === 0) return { written: 0, taskIds: [] };
    const taskIds = [...new Set(results.map((r) => r.attempt.taskId))].sort();
    const written = await this.db.transaction(async (m) => {
      const tasks = (await m.query(
        `SELECT task_id, cancelled OR roster_refused_at IS NOT NULL OR (end_at IS NOT NULL AND end_at <= $2::timestamptz) AS no_retry,
                max_attempts, retry_delay_minutes, retry
           FROM tasks WHERE task_id = ANY ($1::uuid[]) ORDER BY task_id FOR KEY SHARE`,
        [taskIds, this.clock().toISOString()],
      )) as { task_id: string; no_retry: boolean; max_attempts: number; retry_delay_minutes: number; retry: RetrySettings['perOutcome'] | null }[];
      const settings = new Map(tasks.map((t) => [t.task_id, t]));
      const rows = results.map(({ attempt, result, neverPlaced = false }) => {
        const t = settings.get(attempt.taskId);
        // the rule of the outcome this attempt ended with (dialing.retry), else the task-wide one
        const rule = retryRuleFor(result.outcome, { maxAttempts: t?.max_attempts ?? 1, retryDelayMinutes: t?.retry_delay_minutes ?? 0, perOutcome: t?.retry ?? undefined });
        // a cancelled task, one whose roster was refused or whose end time came, gets no retry: its numbers end here
        const final = isFinal(result, attempt.attempt, rule.maxAttempts, t?.no_retry ?? true);
        return { attempt, result, final, retryDelayMinutes: rule.delayMinutes, neverPlaced };
      });
      const [updated] = (await m.query(
        `UPDATE call_attempts a SET status = 'completed', final = r.final, outcome = r.outcome, hangup_by = r.hangup_by,
                sip_code = r.sip_code, failure_reason = r.failure_reason, started_at = r.started_at, answered_at = r.answered_at,
                ended_at = r.ended_at, duration_ms = r.duration_ms, lease_until = NULL,
                answered_by = r.answered_by, dtmf = r.dtmf, tags = ARRAY(SELECT jsonb_array_elements_text(r.tags)), carrier_dialog = NULL
           FROM unnest($1::uuid[], $2::bool[], $3::text[], $4::text[], $5::int[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::timestamptz[], $10::int[],
                       $11::text[], $12::text[], $13::jsonb[])
                AS r(id, final, outcome, hangup_by, sip_code, failure_reason, started_at, answered_at, ended_at, duration_ms, answered_by, dtmf, tags)
          WHERE a.id = r.id AND a.status = 'dialing'
          RETURNING a.id`,
        [
          rows.map((r) => r.attempt.id),
          rows.map((r) => r.final),
          rows.map((r) => r.result.outcome),
          rows.map((r) => r.result.hangupBy),
          rows.map((r) => r.result.sipCode),
          rows.map((r) => r.result.failureReason),
          rows.map((r) => (r.neverPlaced ? null : r.result.startedAt.toISOString())),
          rows.map((r) => iso(r.result.answeredAt)),
          rows.map((r) => r.result.endedAt.toISOString()),
          rows.map((r) => durationMs(r.result)),
          rows.map((r) => r.result.answeredBy ?? null),
          rows.map((r) => r.result.dtmf ?? null),
          rows.map((r) => JSON.stringify(r.result.tags ?? [])),
        ],
      )) as [{ id: string }[], number];
      const done = new Set(updated.map((u) => u.id));
      const settled = rows.filter((r) => done.has(r.attempt.id));
      await AttemptRepository.releaseCounts(m, settled.filter((r) => r.neverPlaced).map((r) => r.attempt.id));
      // listed while the call rang: its follow-up SMS is skipped (DNC); read under the list's lock,
      // so a listing answered before this commit is seen
      const tenants = [...new Set(settled.map((r) => r.attempt.tenantId))].sort();
      if (tenants.length > 0) await m.query(`${dncLockSql('shared', 't')} FROM unnest($1::uuid[]) AS t ORDER BY t`, [tenants]);
      const listed = await DncRepository.listed(
        m,
        settled.map((r) => ({ tenantId: r.attempt.tenantId, phone: r.attempt.phone })),
      );
      const retries = settled.filter((r) => !r.final);
      if (retries.length > 0) {
        await m.query(
          `INSERT INTO call_attempts (id, task_id, phone, row_number, attempt, status, due_at, name, variables)
           SELECT id, task_id, phone, row_number, attempt, 'queued', due_at, name, variables
             FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::int[], $6::timestamptz[], $7::text[], $8::jsonb[])
                  AS r(id, task_id, phone, row_number, attempt, due_at, name, variables)
           ON CONFLICT (task_id, row_number, attempt) DO NOTHING`,
          [
            retries.map(() => newId()),
            retries.map((r) => r.attempt.taskId),
            retries.map((r) => r.attempt.phone),
            retries.map((r) => r.attempt.rowNumber),
            retries.map((r) => r.attempt.attempt + 1),
            retries.map((r) => new Date(r.result.endedAt.getTime() + r.retryDelayMinutes * 60_000).toISOString()),
            retries.map((r) => r.attempt.name),
            retries.map((r) => JSON.stringify(r.attempt.variables)),
          ],
        );
      }
      await publishManyInTransaction(
        m,
        CallCompleted,
        // a call never placed has no start: the event (whose startedAt is required) carries its end, as refuseRoster does
        settled.map(({ attempt, result, final, neverPlaced }) => ({
          tenantId: attempt.tenantId,
          taskId: attempt.taskId,
          attemptId: attempt.id,
          phone: attempt.phone,
          rowNumber: attempt.rowNumber,
          attempt: attempt.attempt,
          outcome: result.outcome,
          hangupBy: result.hangupBy,
          sipCode: result.sipCode,
          failureReason: result.failureReason,
          startedAt: (neverPlaced ? result.endedAt : result.startedAt).toISOString(),
          answeredAt: iso(result.answeredAt),
          endedAt: result.endedAt.toISOString(),
          durationMs: durationMs(result),
          name: attempt.name,
          variables: attempt.variables,
          final,
          answeredBy: result.answeredBy ?? null,
          dtmf: result.dtmf ?? null,
          tags: result.tags ?? [],
          ...(listed.has(`${attempt.tenantId} ${attempt.phone}`) ? { dnc: true } : {}),
        })),
      );
      return settled.length;
    });
    return { written, taskIds };
  }

  /** The carrier's dialog of a call in flight changed (answered): stored while the attempt is still `dialing`. */
  async storeDialog(id: string, dialog: CarrierDialog): Promise<void> {
    await this.db.query(`UPDATE call_attempts SET carrier_dialog = $2 WHERE id = $1 AND status = 'dialing'`, [id, JSON.stringify(dialog)]);
  }

  /**
   * Claims, for `claimMs`, up to `limit` calls a dead replica left up: attempts settled (as
   * `interrupted`) that still hold the carrier's dialog, not claimed by another sweeping replica
   * meanwhile, tried fewer than `maxTries` times. The claim is committed before anything is sent:
   * two replicas never hang up one call at once.
   */
  async claimOrphans(claimMs: number, maxTries: number, limit = 500): Promise<{ id: string; dialog: CarrierDialog; tries: number }[]> {
    const [rows] = (await this.db.query(
      `UPDATE call_attempts a SET hangup_until = clock_timestamp() + $1 * interval '1 millisecond', hangup_tries = a.hangup_tries + 1
        WHERE a.id IN (SELECT id FROM call_attempts
                        WHERE carrier_dialog IS NOT NULL AND status = 'completed' AND (hangup_until IS NULL OR hangup_until < clock_timestamp())
                          AND hangup_tries < $2
                        LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING a.id, a.carrier_dialog AS dialog, a.hangup_tries AS tries`,
      [claimMs, maxTries, limit],
    )) as [{ id: string; dialog: CarrierDialog; tries: number }[], number];
    return rows;
  }

  /** These orphaned calls are ended (or given up on): their dialogs are dropped. */
  async orphansEnded(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(`UPDATE call_attempts SET carrier_dialog = NULL, hangup_until = NULL WHERE id = ANY ($1::uuid[])`, [ids]);
  }

  /** Keeps the leases of this replica's calls in flight alive. */
  async renewLeases(me: string, ids: string[], leaseMs: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `UPDATE call_attempts SET lease_until = clock_timestamp() + $3 * interval '1 millisecond'
        WHERE id = ANY ($1::uuid[]) AND status = 'dialing' AND claimed_by = $2`,
      [ids, me, leaseMs],
    );
  }

  /**
   * Settles attempts left in `dialing` by a replica that died (lease expired): completed, failed,
   * `interrupted`, final — never redialled, since the call may have gone out — with call.completed.
   */
  async settleInterrupted(limit = 500): Promise<string[]> {
    return this.db.transaction(async (m) => {
      const [rows] = (await m.query(
        `UPDATE call_attempts a SET status = 'completed', final = true, outcome = 'failed', failure_reason = 'interrupted',
                hangup_by = NULL, sip_code = NULL, ended_at = clock_timestamp(), duration_ms = 0, lease_until = NULL
          WHERE a.id IN (SELECT id FROM call_attempts WHERE status = 'dialing' AND lease_until < clock_timestamp()
                          ORDER BY lease_until LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING a.id, a.task_id, a.phone, a.row_number, a.attempt, a.name, a.variables, a.started_at, a.ended_at,
                    (SELECT tenant_id FROM tasks t WHERE t.task_id = a.task_id) AS tenant_id`,
        [limit],
      )) as [{ id: string; task_id: string; tenant_id: string; phone: string; row_number: number; attempt: number; name: string | null; variables: Record<string, string>; started_at: Date | null; ended_at: Date }[], number];
      await publishManyInTransaction(
        m,
        CallCompleted,
        rows.map((r) => settledFailedEvent(r, r.tenant_id, r.task_id, 'interrupted')),
      );
      return [...new Set(rows.map((r) => r.task_id))];
    });
  }

  /** The calls list: attempts in creation order (UUIDv7 ids), keyset after `afterId`. Cancelled, suppressed and expired attempts were never calls. */
  async listCalls(taskId: string, limit: number, afterId: string | undefined, outcome: string | undefined): Promise<CallRow[]> {
    return (await this.db.query(
      `SELECT id, phone, attempt, status, outcome, hangup_by, sip_code, failure_reason, answered_by, dtmf, tags, started_at, answered_at, ended_at, duration_ms, sms_kind, sms_status
         FROM call_attempts
        WHERE task_id = $1 AND status <> 'cancelled' AND outcome IS DISTINCT FROM 'suppressed' AND outcome IS DISTINCT FROM 'expired'
          AND ($2::uuid IS NULL OR id > $2) AND ($3::text IS NULL OR outcome = $3)
        ORDER BY id LIMIT $4`,
      [taskId, afterId ?? null, outcome ?? null, limit],
    )) as CallRow[];
  }

  /** Report rows for numbers after `afterRow`: each number's latest attempt, its attempt count and times. */
  async reportPage(taskId: string, afterRow: number, limit: number): Promise<ReportRow[]> {
    const rows = (await this.db.query(
      `WITH nums AS (
         SELECT DISTINCT row_number FROM call_attempts WHERE task_id = $1 AND row_number > $2 ORDER BY row_number LIMIT $3
       )
       SELECT n.row_number, l.phone, l.name, l.status, l.outcome, l.hangup_by, l.answered_at, l.ended_at, l.duration_ms, l.failure_reason,
              l.sms_kind, l.sms_status, agg.attempts, agg.first_call_at, agg.last_call_at, tagged.tags
         FROM nums n
         CROSS JOIN LATERAL (SELECT * FROM call_attempts a WHERE a.task_id = $1 AND a.row_number = n.row_number ORDER BY a.attempt DESC LIMIT 1) l
         CROSS JOIN LATERAL (
           SELECT count(*) FILTER (WHERE a.status IN ('completed', 'dialing') AND a.started_at IS NOT NULL)::int AS attempts,
                  min(a.started_at) AS first_call_at, max(a.started_at) AS last_call_at
             FROM call_attempts a WHERE a.task_id = $1 AND a.row_number = n.row_number) agg
         CROSS JOIN LATERAL (
           -- every tag of the number's attempts once, where it first came (attempt, then position)
           SELECT COALESCE(array_agg(u.t ORDER BY u.attempt, u.i), '{}') AS tags FROM (
             SELECT DISTINCT ON (x.t) x.t, a.attempt, x.i
               FROM call_attempts a CROSS JOIN LATERAL unnest(a.tags) WITH ORDINALITY AS x(t, i)
              WHERE a.task_id = $1 AND a.row_number = n.row_number ORDER BY x.t, a.attempt, x.i) u) tagged
        ORDER BY n.row_number`,
      [taskId, afterRow, limit],
    )) as {
      row_number: number; phone: string; name: string | null; status: string; outcome: string | null; hangup_by: string | null;
      answered_at: Date | null; ended_at: Date | null; duration_ms: number | null; failure_reason: string | null;
      sms_kind: string | null; sms_status: string | null; attempts: number; first_call_at: Date | null; last_call_at: Date | null; tags: string[];
    }[];
    return rows.map((r) => ({
      rowNumber: r.row_number,
      phone: r.phone,
      name: r.name,
      outcome: r.status === 'completed' ? (r.outcome ?? 'failed') : r.status === 'cancelled' ? 'cancelled' : 'pending',
      hangupBy: r.hangup_by,
      attempts: r.attempts,
      firstCallAt: r.first_call_at,
      lastCallAt: r.last_call_at,
      answeredAt: r.status === 'completed' ? r.answered_at : null,
      endedAt: r.status === 'completed' ? r.ended_at : null,
      durationMs: r.status === 'completed' ? r.duration_ms : null,
      failureReason: r.failure_reason,
      smsKind: r.sms_kind,
      smsStatus: r.sms_status,
      tags: r.tags,
    }));
  }

  /**
   * Shows each number's follow-up SMS on its final attempt: a status replaces the shown one only when
   * it is further along (smsStatusRank), so events in any order end at the furthest state.
   */
  async applySms(m: import('typeorm').EntityManager, items: SmsStateItem[]): Promise<void> {
    const states = furthestStates(items);
    if (states.length === 0) return;
    await m.query(
      `UPDATE call_attempts a SET sms_kind = r.kind, sms_status = r.status
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS r(task_id, phone, kind, status)
        WHERE a.task_id = r.task_id AND a.phone = r.phone AND a.final
          AND (a.sms_status IS NULL OR ${smsStatusRankSql('r.status')} > ${smsStatusRankSql('a.sms_status')})`,
      [states.map((i) => i.taskId), states.map((i) => i.phone), states.map((i) => i.kind), states.map((i) => i.status)],
    );
  }

  /** Adds reply tags to each number's final attempt, each tag once (after the DTMF tags it may have). */
  async applyTags(m: import('typeorm').EntityManager, items: TagItem[]): Promise<void> {
    const numbers = tagsByNumber(items);
    if (numbers.length === 0) return;
    await m.query(
      `UPDATE call_attempts a SET tags = a.tags || ARRAY(SELECT t FROM jsonb_array_elements_text(r.tags) WITH ORDINALITY AS x(t, i) WHERE NOT (t = ANY(a.tags)) ORDER BY i)
         FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) AS r(task_id, phone, tags)
        WHERE a.task_id = r.task_id AND a.phone = r.phone AND a.final`,
      [numbers.map((n) => n.taskId), numbers.map((n) => n.phone), numbers.map((n) => JSON.stringify(n.tags))],
    );
  }
}
