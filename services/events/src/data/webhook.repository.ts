import type { EntityManager } from 'typeorm';
import { listPage } from '@autocall/db';

export interface WebhookRow {
  id: string;
  tenant_id: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
}

type Q = Pick<EntityManager, 'query'>;

export type WebhookChanges = Partial<Pick<WebhookRow, 'url' | 'events' | 'description' | 'enabled' | 'disabled_reason' | 'secret' | 'previous_secret' | 'previous_secret_expires_at' | 'failing_since'>>;

export const webhookRepository = {
  /** Serialises the tenant's endpoint creations (the WEBHOOK_LIMIT count), for this transaction. */
  async lockTenant(m: Q, tenantId: string): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('events.webhooks:' || $1, 0))`, [tenantId]);
  },

  async count(m: Q, tenantId: string): Promise<number> {
    const [{ n }] = (await m.query(`SELECT count(*)::int AS n FROM webhooks WHERE tenant_id = $1`, [tenantId])) as { n: number }[];
    return n;
  },

  async insert(m: Q, r: Pick<WebhookRow, 'id' | 'tenant_id' | 'url' | 'events' | 'description' | 'enabled' | 'secret'>): Promise<WebhookRow> {
    const [row] = (await m.query(
      `INSERT INTO webhooks (id, tenant_id, url, events, description, enabled, secret) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [r.id, r.tenant_id, r.url, r.events, r.description, r.enabled, r.secret],
    )) as WebhookRow[];
    return row;
  },

  async find(m: Q, tenantId: string, id: string, lock = false): Promise<WebhookRow | undefined> {
    const [row] = (await m.query(`SELECT * FROM webhooks WHERE id = $1 AND tenant_id = $2${lock ? ' FOR UPDATE' : ''}`, [id, tenantId])) as WebhookRow[];
    return row;
  },

  async list(m: Q, tenantId: string, page: number, pageSize: number) {
    return listPage<WebhookRow>(m, 'webhooks', { tenantId, page, pageSize });
  },

  async update(m: Q, id: string, changes: WebhookChanges): Promise<WebhookRow> {
    const keys = Object.keys(changes) as (keyof WebhookChanges)[];
    const sets = keys.map((k, i) => `${k} = $${i + 2}`);
    const [rows] = (await m.query(`UPDATE webhooks SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING *`, [id, ...keys.map((k) => changes[k])])) as [WebhookRow[], number];
    return rows[0];
  },

  /**
   * Records an attempt's result on its endpoint: a delivery clears the failing streak; a failure
   * starts it (if none runs). Returns the streak's start and whether the endpoint is enabled.
   */
  /**
   * Records the latest attempt of each endpoint (delivered: it is not failing; failed: failing since
   * the first failure in a row), locking the rows in id order so that two replicas' batches never
   * wait on each other in a circle; returns each endpoint's state after it.
   */
  async recordAttempts(m: Q, latest: Map<string, boolean>): Promise<Map<string, { failing_since: Date | null; enabled: boolean }>> {
    if (latest.size === 0) return new Map();
    const ids = [...latest.keys()].sort();
    const rows = (await m.query(
      `WITH locked AS (SELECT w.id FROM webhooks w WHERE w.id = ANY ($1::uuid[]) ORDER BY w.id FOR NO KEY UPDATE)
       UPDATE webhooks w SET failing_since = CASE WHEN u.delivered THEN NULL ELSE COALESCE(w.failing_since, now()) END
         FROM unnest($1::uuid[], $2::bool[]) AS u(id, delivered), locked
        WHERE w.id = u.id AND locked.id = u.id
       RETURNING w.id, w.failing_since, w.enabled`,
      [ids, ids.map((id) => latest.get(id))],
    )) as [{ id: string; failing_since: Date | null; enabled: boolean }[], number];
    return new Map(rows[0].map((r) => [r.id, { failing_since: r.failing_since, enabled: r.enabled }]));
  },

  async disable(m: Q, id: string, reason: string): Promise<void> {
    await m.query(`UPDATE webhooks SET enabled = false, disabled_reason = $2, updated_at = now() WHERE id = $1`, [id, reason]);
  },

  async remove(m: Q, tenantId: string, id: string): Promise<boolean> {
    const [rows] = (await m.query(`DELETE FROM webhooks WHERE id = $1 AND tenant_id = $2 RETURNING 1`, [id, tenantId])) as [unknown[], number];
    return rows.length > 0;
  },
};
