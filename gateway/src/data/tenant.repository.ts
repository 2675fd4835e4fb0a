import type { DataSource, EntityManager } from 'typeorm';
import type { Role } from '../domain/roles';

export interface TenantRow {
  id: string;
  name: string;
  created_at: Date;
  max_concurrent_calls: number | null;
  calls_per_second: number | null;
  max_active_tasks: number | null;
  /** bigint: pg returns it as text */
  storage_bytes: string | null;
  sms_per_day: number | null;
  limits_version: string;
  storage_used: string;
}

/** A limit's column by its name in the API. */
export const LIMIT_COLUMNS = {
  maxConcurrentCalls: 'max_concurrent_calls',
  callsPerSecond: 'calls_per_second',
  maxActiveTasks: 'max_active_tasks',
  storageBytes: 'storage_bytes',
  smsPerDay: 'sms_per_day',
} as const;
export type LimitName = keyof typeof LIMIT_COLUMNS;

export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string | null;
  role: Role;
  created_by: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

type Q = Pick<EntityManager, 'query'>;
type LiveKeyRow = { id: string; tenant_id: string; role: Role };
const KEY_COLUMNS = 'id, tenant_id, name, role, created_by, created_at, last_used_at, revoked_at';
interface PgPool {
  query(q: { name: string; text: string; values: unknown[] }): Promise<{ rows: LiveKeyRow[] }>;
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

  /**
   * Renames and/or sets the given limits (those left out stay) and, when limits were given, moves
   * the tenant's limits version on by one; the row after the change, or undefined for an unknown tenant.
   */
  async updateTenant(m: Q, id: string, change: { name?: string; limits?: Partial<Record<LimitName, number | null>> }): Promise<TenantRow | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    if (change.name !== undefined) sets.push(`name = $${params.push(change.name)}`);
    const limits = Object.entries(change.limits ?? {}) as [LimitName, number | null][];
    for (const [k, v] of limits) sets.push(`${LIMIT_COLUMNS[k]} = $${params.push(v)}`);
    if (change.limits !== undefined) sets.push(`limits_version = limits_version + 1`);
    if (sets.length === 0) return this.findTenant(m, id, true);
    const [rows] = (await m.query(`UPDATE tenants SET ${sets.join(', ')} WHERE id = $1 RETURNING *`, params)) as [TenantRow[], number];
    return rows[0];
  },

  /**
   * Storage reservation, taken where the limit allows it: the reservation row first (a concurrent
   * reserve of the same key waits on its unique key, then finds it), then one UPDATE that checks and
   * adds the bytes under the tenant's row lock, so two reservations at once cannot both pass the
   * limit. `refused` rolls the caller's transaction back (the key stays free).
   */
  async reserveStorage(m: Q, tenantId: string, key: string, bytes: number): Promise<{ state: 'taken' | 'again' | 'refused' | 'unknown'; used: number; limit: number | null }> {
    const inserted = (await m.query(
      `INSERT INTO storage_reservations (tenant_id, key, bytes) SELECT id, $2, $3 FROM tenants WHERE id = $1 ON CONFLICT (tenant_id, key) DO NOTHING RETURNING bytes`,
      [tenantId, key, bytes],
    )) as unknown[];
    if (inserted.length === 0) {
      const t = await this.findTenant(m, tenantId);
      if (!t) return { state: 'unknown', used: 0, limit: null };
      return { state: 'again', used: Number(t.storage_used), limit: t.storage_bytes === null ? null : Number(t.storage_bytes) };
    }
    const [rows] = (await m.query(
      `UPDATE tenants SET storage_used = storage_used + $2
        WHERE id = $1 AND (storage_bytes IS NULL OR storage_used + $2 <= storage_bytes)
        RETURNING storage_used, storage_bytes`,
      [tenantId, bytes],
    )) as [{ storage_used: string; storage_bytes: string | null }[], number];
    if (rows[0]) return { state: 'taken', used: Number(rows[0].storage_used), limit: rows[0].storage_bytes === null ? null : Number(rows[0].storage_bytes) };
    const t = await this.findTenant(m, tenantId);
    return { state: 'refused', used: Number(t?.storage_used ?? 0), limit: t?.storage_bytes == null ? null : Number(t.storage_bytes) };
  },

  /** Gives a reservation back, once: the row's delete and the subtraction are one statement. */
  async releaseStorage(m: Q, tenantId: string, key: string): Promise<void> {
    await m.query(
      `WITH gone AS (DELETE FROM storage_reservations WHERE tenant_id = $1 AND key = $2 RETURNING bytes)
       UPDATE tenants SET storage_used = greatest(0, storage_used - gone.bytes) FROM gone WHERE id = $1`,
      [tenantId, key],
    );
  },

  /** A key; without `made`, the admin's (role owner, no name). */
  async insertKey(m: Q, id: string, tenantId: string, keyHash: Buffer, made?: { name: string; role: Role; createdBy: string }): Promise<ApiKeyRow> {
    const [row] = (await m.query(`INSERT INTO api_keys (id, tenant_id, key_hash, name, role, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${KEY_COLUMNS}`, [
      id,
      tenantId,
      keyHash,
      made?.name ?? null,
      made?.role ?? 'owner',
      made?.createdBy ?? null,
    ])) as ApiKeyRow[];
    return row;
  },

  async listKeys(m: Q, tenantId: string): Promise<ApiKeyRow[]> {
    return (await m.query(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC`, [tenantId])) as ApiKeyRow[];
  },

  async pageKeys(m: Q, tenantId: string, page: number, pageSize: number): Promise<{ rows: ApiKeyRow[]; total: number }> {
    const [{ count }] = (await m.query(`SELECT count(*)::int AS count FROM api_keys WHERE tenant_id = $1`, [tenantId])) as { count: number }[];
    const rows = (await m.query(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`, [tenantId, pageSize, (page - 1) * pageSize])) as ApiKeyRow[];
    return { rows, total: count };
  },

  async findKey(m: Q, tenantId: string, keyId: string): Promise<ApiKeyRow | undefined> {
    return ((await m.query(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1 AND tenant_id = $2`, [keyId, tenantId])) as ApiKeyRow[])[0];
  },

  /** Revokes the key (keeps the first revocation time); undefined when the tenant has no such key. */
  async revokeKey(m: Q, tenantId: string, keyId: string): Promise<ApiKeyRow | undefined> {
    const [rows] = (await m.query(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND tenant_id = $2
       RETURNING ${KEY_COLUMNS}`,
      [keyId, tenantId],
    )) as [ApiKeyRow[], number];
    return rows[0];
  },

  /**
   * Revokes the live keys a user made whose role is above `ceiling` (all of them when undefined):
   * a key's role is at most its creator's, also after the creator is demoted, disabled or deleted.
   * The api_keys trigger tells every replica's cache.
   */
  async revokeKeysMadeBy(m: Q, tenantId: string, userId: string, ceiling: Role | undefined, ranks: readonly Role[]): Promise<string[]> {
    const [rows] = (await m.query(
      `UPDATE api_keys SET revoked_at = now()
        WHERE tenant_id = $1 AND created_by = $2 AND revoked_at IS NULL
          AND ($3::text IS NULL OR array_position($4::text[], role) > array_position($4::text[], $3::text))
       RETURNING id`,
      [tenantId, userId, ceiling ?? null, ranks],
    )) as [{ id: string }[], number];
    return rows.map((r) => r.id);
  },

  /**
   * The live key with this hash: an indexed lookup on a key-cache miss (see ApiKeyCache). It goes
   * straight to the driver's pool as a named prepared statement rather than through a TypeORM query runner.
   */
  async findLiveKey(db: DataSource, keyHash: Buffer): Promise<LiveKeyRow | undefined> {
    const text = `SELECT id, tenant_id, role FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`;
    const pool = (db.driver as unknown as { master?: PgPool }).master;
    const rows = pool
      ? (await pool.query({ name: 'gateway_find_live_key_role', text, values: [keyHash] })).rows
      : ((await db.query(text, [keyHash])) as LiveKeyRow[]);
    return rows[0];
  },

  async touchKey(m: Q, keyId: string): Promise<void> {
    await m.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [keyId]);
  },
};
