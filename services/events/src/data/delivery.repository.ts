import type { EntityManager } from 'typeorm';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryRow {
  id: string;
  tenant_id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  retry_base: number;
  next_attempt_at: Date | null;
  lease_until: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

/** A delivery claimed for one attempt, with what it takes to send it. */
export interface ClaimedDelivery {
  id: string;
  webhookId: string;
  tenantId: string;
  eventId: string;
  body: string;
  attempts: number;
  retryBase: number;
  url: string;
  secrets: string[];
  token: string;
}

type Q = Pick<EntityManager, 'query'>;

/** An endpoint a claim may serve, with the room it and its tenant have. */
export interface DueEndpoint {
  id: string;
  tenantId: string;
  url: string;
  secret: string;
  previous: string | null;
  room: number;
  tenantRoom: number;
}

const VIEW_COLUMNS = 'id, tenant_id, webhook_id, event_id, event_type, status, attempts, retry_base, next_attempt_at, lease_until, last_status_code, last_error, created_at, delivered_at';
const DUE = `d.status = 'pending' AND d.next_attempt_at <= now() AND (d.lease_until IS NULL OR d.lease_until <= now())`;

export const deliveryRepository = {
  /**
   * Endpoints with due deliveries, least recently served first, locked for this claim (FOR NO KEY
   * UPDATE: the fan-out's foreign-key checks pass, another replica's claim skips them), with the
   * room each has under `perEndpoint` deliveries in flight across every replica, and the room its
   * tenant has under `perTenant`.
   */
  async lockDueEndpoints(m: Q, maxEndpoints: number, perEndpoint: number, perTenant: number): Promise<DueEndpoint[]> {
    // an endpoint (or a tenant) at its limit is passed over here, so slow ones never fill the LIMIT
    const inFlight = `(SELECT count(*)::int FROM deliveries x WHERE x.webhook_id = w.id AND x.status = 'pending' AND x.lease_until > now())`;
    const tenantInFlight = `(SELECT count(*)::int FROM deliveries x WHERE x.tenant_id = w.tenant_id AND x.status = 'pending' AND x.lease_until IS NOT NULL AND x.lease_until > now())`;
    return (await m.query(
      `SELECT w.id, w.tenant_id AS "tenantId", w.url, w.secret,
              CASE WHEN w.previous_secret_expires_at > now() THEN w.previous_secret END AS previous,
              $2::int - ${inFlight} AS room,
              $3::int - ${tenantInFlight} AS "tenantRoom"
         FROM webhooks w
        WHERE w.enabled AND EXISTS (SELECT 1 FROM deliveries d WHERE d.webhook_id = w.id AND ${DUE}) AND ${inFlight} < $2::int AND ${tenantInFlight} < $3::int
        ORDER BY w.claimed_at NULLS FIRST
        LIMIT $1
        FOR NO KEY UPDATE OF w SKIP LOCKED`,
      [maxEndpoints, perEndpoint, perTenant],
    )) as DueEndpoint[];
  },

  /** Takes up to `take` due deliveries of each endpoint, oldest due first, and leases them under `token`. */
  async lease(m: Q, take: Map<string, number>, leaseMs: number, token: string): Promise<{ id: string; webhook_id: string; tenant_id: string; event_id: string; body: string; attempts: number; retry_base: number }[]> {
    const ids = [...take.keys()];
    if (ids.length === 0) return [];
    const [rows] = (await m.query(
      `WITH picked AS (
         SELECT d.id FROM unnest($1::uuid[], $2::int[]) AS w(id, room)
         CROSS JOIN LATERAL (SELECT d.id FROM deliveries d WHERE d.webhook_id = w.id AND ${DUE} ORDER BY d.next_attempt_at LIMIT w.room FOR UPDATE SKIP LOCKED) d)
       UPDATE deliveries d SET lease_until = now() + make_interval(secs => $3::float8 / 1000), lease_token = $4
         FROM picked WHERE d.id = picked.id
       RETURNING d.id, d.webhook_id, d.tenant_id, d.event_id, d.body, d.attempts, d.retry_base`,
      [ids, ids.map((id) => take.get(id)), leaseMs, token],
    )) as [{ id: string; webhook_id: string; tenant_id: string; event_id: string; body: string; attempts: number; retry_base: number }[], number];
    await m.query(`UPDATE webhooks SET claimed_at = clock_timestamp() WHERE id = ANY ($1::uuid[])`, [[...new Set(rows.map((r) => r.webhook_id))]]);
    return rows;
  },

  /**
   * Ends attempts, those whose lease still holds (token), in one statement; returns the ids it
   * ended (one whose lease lapsed is another claim's now, and is left alone).
   */
  async settleMany(m: Q, settled: { id: string; token: string; status: DeliveryStatus; statusCode: number | null; error: string | null; retryInMs: number | null }[]): Promise<Set<string>> {
    if (settled.length === 0) return new Set();
    const [rows] = (await m.query(
      `UPDATE deliveries d SET status = u.status, attempts = d.attempts + 1, last_status_code = u.code, last_error = u.error,
              next_attempt_at = CASE WHEN u.status = 'pending' THEN now() + make_interval(secs => u.retry_ms / 1000) END,
              lease_until = NULL, lease_token = NULL,
              delivered_at = CASE WHEN u.status = 'delivered' THEN now() ELSE d.delivered_at END,
              finished_at = CASE WHEN u.status = 'pending' THEN NULL ELSE now() END
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::float8[]) AS u(id, token, status, code, error, retry_ms)
        WHERE d.id = u.id AND d.lease_token = u.token AND d.status = 'pending'
       RETURNING d.id`,
      [settled.map((x) => x.id), settled.map((x) => x.token), settled.map((x) => x.status), settled.map((x) => x.statusCode), settled.map((x) => x.error), settled.map((x) => x.retryInMs ?? 0)],
    )) as [{ id: string }[], number];
    return new Set(rows.map((r) => r.id));
  },

  /** Gives back leases without counting an attempt (a replica stopping mid-send): due again at once. */
  async release(m: Q, ids: string[], token: string): Promise<void> {
    if (ids.length === 0) return;
    await m.query(`UPDATE deliveries SET lease_until = NULL, lease_token = NULL WHERE id = ANY ($1::uuid[]) AND lease_token = $2 AND status = 'pending'`, [ids, token]);
  },

  /** A delivery of one endpoint only (webhook.test), due at once. */
  async insertOne(m: Q, d: { tenantId: string; webhookId: string; eventId: string; eventType: string; body: string }): Promise<DeliveryRow> {
    const rows = (await m.query(
      `INSERT INTO deliveries (id, tenant_id, webhook_id, event_id, event_type, body, status, next_attempt_at, created_at)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, 'pending', now(), date_trunc('milliseconds', clock_timestamp())) RETURNING ${VIEW_COLUMNS}`,
      [d.tenantId, d.webhookId, d.eventId, d.eventType, d.body],
    )) as DeliveryRow[];
    return rows[0];
  },

  async find(m: Q, tenantId: string, webhookId: string, id: string, lock = false): Promise<DeliveryRow | undefined> {
    const rows = (await m.query(`SELECT ${VIEW_COLUMNS} FROM deliveries WHERE id = $1 AND webhook_id = $2 AND tenant_id = $3${lock ? ' FOR UPDATE' : ''}`, [id, webhookId, tenantId])) as DeliveryRow[];
    return rows[0];
  },

  /** A finished (or waiting) delivery due again at once, its retry schedule started afresh. */
  async restart(m: Q, id: string): Promise<DeliveryRow> {
    const [rows] = (await m.query(
      `UPDATE deliveries SET status = 'pending', next_attempt_at = now(), retry_base = attempts, finished_at = NULL WHERE id = $1 RETURNING ${VIEW_COLUMNS}`,
      [id],
    )) as [DeliveryRow[], number];
    return rows[0];
  },

  /** Newest first, keyset on (created_at, id). */
  async list(m: Q, webhookId: string, f: { status?: string; before?: [string, string]; limit: number }): Promise<DeliveryRow[]> {
    const params: unknown[] = [webhookId];
    const where = ['webhook_id = $1'];
    if (f.status) where.push(`status = $${params.push(f.status)}`);
    if (f.before) where.push(`(created_at, id) < ($${params.push(f.before[0])}::timestamptz, $${params.push(f.before[1])}::uuid)`);
    return (await m.query(`SELECT ${VIEW_COLUMNS} FROM deliveries WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT $${params.push(f.limit)}`, params)) as DeliveryRow[];
  },

  /** Deletes up to `limit` deliveries finished before the retention; returns how many. */
  async pruneOnce(m: Q, retentionDays: number, limit: number): Promise<number> {
    const [rows] = (await m.query(
      `DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE status <> 'pending' AND finished_at < now() - make_interval(days => $1::int) ORDER BY finished_at LIMIT $2) RETURNING 1`,
      [Math.ceil(retentionDays), limit],
    )) as [unknown[], number];
    return rows.length;
  },
};
