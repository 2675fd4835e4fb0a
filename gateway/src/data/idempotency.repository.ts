import type { EntityManager } from 'typeorm';

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The body is encrypted (BodySealer). */
  sealed: boolean;
}

export interface IdempotencyRow {
  owner: string;
  method: string;
  path: string;
  fingerprint: string | null;
  state: 'in_flight' | 'complete';
  status: number | null;
  headers: Record<string, string> | null;
  body: Buffer | null;
  body_sealed: boolean;
}

type Q = Pick<EntityManager, 'query'>;

/** Records live 24 h; an in-flight record older than `staleMs` belongs to a replica that died. */
export const idempotencyRepository = {
  /** Inserts the in-flight record; true when this request owns the key now. */
  async claim(m: Q, r: { tenantId: string; key: string; owner: string; method: string; path: string; fingerprint: string | null; staleMs: number }): Promise<boolean> {
    const rows = (await m.query(
      `INSERT INTO idempotency_keys AS i (tenant_id, key, owner, method, path, fingerprint, state)
       VALUES ($1, $2, $3, $4, $5, $6, 'in_flight')
       ON CONFLICT (tenant_id, key) DO UPDATE
         SET owner = EXCLUDED.owner, method = EXCLUDED.method, path = EXCLUDED.path, fingerprint = EXCLUDED.fingerprint,
             state = 'in_flight', status = NULL, headers = NULL, body = NULL, body_sealed = false, created_at = now(), completed_at = NULL
         WHERE i.created_at < now() - interval '24 hours'
            OR (i.state = 'in_flight' AND i.created_at < now() - $7 * interval '1 millisecond')
       RETURNING owner`,
      [r.tenantId, r.key, r.owner, r.method, r.path, r.fingerprint, r.staleMs],
    )) as { owner: string }[];
    return rows.length === 1 && rows[0].owner === r.owner;
  },

  async find(m: Q, tenantId: string, key: string): Promise<IdempotencyRow | undefined> {
    const rows = (await m.query(
      `SELECT owner, method, path, fingerprint, state, status, headers, body, body_sealed FROM idempotency_keys
       WHERE tenant_id = $1 AND key = $2 AND created_at >= now() - interval '24 hours'`,
      [tenantId, key],
    )) as IdempotencyRow[];
    return rows[0];
  },

  async complete(m: Q, tenantId: string, key: string, owner: string, fingerprint: string, res: StoredResponse): Promise<void> {
    await m.query(
      `UPDATE idempotency_keys SET state = 'complete', fingerprint = $4, status = $5, headers = $6, body = $7, body_sealed = $8, completed_at = now()
       WHERE tenant_id = $1 AND key = $2 AND owner = $3`,
      [tenantId, key, owner, fingerprint, res.status, JSON.stringify(res.headers), res.body, res.sealed],
    );
  },

  /** Forgets a record whose request failed upstream, so that the client may retry with the same key. */
  async release(m: Q, tenantId: string, key: string, owner: string): Promise<void> {
    await m.query(`DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND owner = $3`, [tenantId, key, owner]);
  },

  async purgeExpired(m: Q): Promise<number> {
    const [, count] = (await m.query(
      `DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys WHERE created_at < now() - interval '24 hours' LIMIT 10000)`,
    )) as [unknown, number];
    return count;
  },
};
