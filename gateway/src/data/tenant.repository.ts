import type { DataSource, EntityManager } from 'typeorm';

export interface TenantRow {
  id: string;
  name: string;
  created_at: Date;
}

export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

type Q = Pick<EntityManager, 'query'>;
interface PgPool {
  query(q: { name: string; text: string; values: unknown[] }): Promise<{ rows: { id: string; tenant_id: string }[] }>;
}

export const tenantRepository = {
  async insertTenant(m: Q, id: string, name: string): Promise<TenantRow> {
    const [row] = (await m.query(`INSERT INTO tenants (id, name) VALUES ($1, $2) RETURNING *`, [id, name])) as TenantRow[];
    return row;
  },

  async findTenant(m: Q, id: string, lock = false): Promise<TenantRow | undefined> {
    const rows = (await m.query(`SELECT * FROM tenants WHERE id = $1${lock ? ' FOR SHARE' : ''}`, [id])) as TenantRow[];
    return rows[0];
  },

  async listTenants(m: Q, page: number, pageSize: number): Promise<{ rows: TenantRow[]; total: number }> {
    const [{ count }] = (await m.query(`SELECT count(*)::int AS count FROM tenants`)) as { count: number }[];
    const rows = (await m.query(`SELECT * FROM tenants ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2`, [pageSize, (page - 1) * pageSize])) as TenantRow[];
    return { rows, total: count };
  },

  async insertKey(m: Q, id: string, tenantId: string, keyHash: Buffer): Promise<ApiKeyRow> {
    const [row] = (await m.query(
      `INSERT INTO api_keys (id, tenant_id, key_hash) VALUES ($1, $2, $3) RETURNING id, tenant_id, created_at, last_used_at, revoked_at`,
      [id, tenantId, keyHash],
    )) as ApiKeyRow[];
    return row;
  },

  async listKeys(m: Q, tenantId: string): Promise<ApiKeyRow[]> {
    return (await m.query(
      `SELECT id, tenant_id, created_at, last_used_at, revoked_at FROM api_keys WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC`,
      [tenantId],
    )) as ApiKeyRow[];
  },

  /** Revokes the key (keeps the first revocation time); undefined when the tenant has no such key. */
  async revokeKey(m: Q, tenantId: string, keyId: string): Promise<ApiKeyRow | undefined> {
    const [rows] = (await m.query(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND tenant_id = $2
       RETURNING id, tenant_id, created_at, last_used_at, revoked_at`,
      [keyId, tenantId],
    )) as [ApiKeyRow[], number];
    return rows[0];
  },

  /**
   * The live key with this hash: an indexed lookup on a key-cache miss (see ApiKeyCache). It goes
   * straight to the driver's pool as a named prepared statement rather than through a TypeORM query runner.
   */
  async findLiveKey(db: DataSource, keyHash: Buffer): Promise<{ id: string; tenant_id: string } | undefined> {
    const text = `SELECT id, tenant_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`;
    const pool = (db.driver as unknown as { master?: PgPool }).master;
    const rows = pool
      ? (await pool.query({ name: 'gateway_find_live_key', text, values: [keyHash] })).rows
      : ((await db.query(text, [keyHash])) as { id: string; tenant_id: string }[]);
    return rows[0];
  },

  async touchKey(m: Q, keyId: string): Promise<void> {
    await m.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [keyId]);
  },
};
