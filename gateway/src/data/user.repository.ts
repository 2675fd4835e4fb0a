import type { DataSource, EntityManager } from 'typeorm';
import type { Role } from '../domain/roles';

export interface UserRow {
  id: string;
  tenant_id: string;
  email: string;
  name: string;
  role: Role;
  password_hash: string;
  disabled: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface SessionUserRow {
  session_id: string;
  user_id: string;
  tenant_id: string;
  email: string;
  name: string;
  role: Role;
  expires_at: Date;
}

type Q = Pick<EntityManager, 'query'>;
const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505' || (err as { driverError?: { code?: string } }).driverError?.code === '23505';

/** Users, sessions and login failures. Emails are looked up by lower(email) (the unique index). */
export const userRepository = {
  /** The new user, or undefined when the email is taken. */
  async insertUser(m: Q, u: { id: string; tenantId: string; email: string; name: string; role: Role; passwordHash: string }): Promise<UserRow | undefined> {
    try {
      const [row] = (await m.query(`INSERT INTO users (id, tenant_id, email, name, role, password_hash) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`, [
        u.id,
        u.tenantId,
        u.email,
        u.name,
        u.role,
        u.passwordHash,
      ])) as UserRow[];
      return row;
    } catch (err) {
      if (isUniqueViolation(err)) return undefined;
      throw err;
    }
  },

  async findByEmail(m: Q, email: string): Promise<UserRow | undefined> {
    return ((await m.query(`SELECT * FROM users WHERE lower(email) = lower($1)`, [email])) as UserRow[])[0];
  },

  async findUser(m: Q, tenantId: string, id: string, lock = false): Promise<UserRow | undefined> {
    return ((await m.query(`SELECT * FROM users WHERE id = $1 AND tenant_id = $2${lock ? ' FOR UPDATE' : ''}`, [id, tenantId])) as UserRow[])[0];
  },

  async listUsers(m: Q, tenantId: string, page: number, pageSize: number): Promise<{ rows: UserRow[]; total: number }> {
    const [{ count }] = (await m.query(`SELECT count(*)::int AS count FROM users WHERE tenant_id = $1`, [tenantId])) as { count: number }[];
    const rows = (await m.query(`SELECT * FROM users WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`, [tenantId, pageSize, (page - 1) * pageSize])) as UserRow[];
    return { rows, total: count };
  },

  /** Locks the tenant's enabled owners (so that two demotions cannot both pass the last-owner check). */
  async lockOwners(m: Q, tenantId: string): Promise<string[]> {
    const rows = (await m.query(`SELECT id FROM users WHERE tenant_id = $1 AND role = 'owner' AND NOT disabled ORDER BY id FOR UPDATE`, [tenantId])) as { id: string }[];
    return rows.map((r) => r.id);
  },

  async updateUser(m: Q, id: string, set: { name?: string; role?: Role; passwordHash?: string; disabled?: boolean }): Promise<UserRow> {
    const [[row]] = (await m.query(
      `UPDATE users SET name = coalesce($2, name), role = coalesce($3, role), password_hash = coalesce($4, password_hash), disabled = coalesce($5, disabled), updated_at = now()
       WHERE id = $1 RETURNING *`,
      [id, set.name ?? null, set.role ?? null, set.passwordHash ?? null, set.disabled ?? null],
    )) as [UserRow[], number];
    return row;
  },

  async deleteUser(m: Q, id: string): Promise<void> {
    await m.query(`DELETE FROM users WHERE id = $1`, [id]);
  },

  async insertSession(m: Q, s: { id: string; tokenHash: Buffer; userId: string; tenantId: string; expiresAt: Date }): Promise<void> {
    await m.query(`INSERT INTO sessions (id, token_hash, user_id, tenant_id, expires_at) VALUES ($1, $2, $3, $4, $5)`, [s.id, s.tokenHash, s.userId, s.tenantId, s.expiresAt]);
  },

  /** The live session with this token hash and its user: not ended, not expired, not idle too long, its user enabled. */
  /**
   * The live session with this token hash and its user: not ended, not expired, not idle too long,
   * its user enabled. On a session-cache miss: a named prepared statement on the driver's pool, as
   * the key lookup is.
   */
  async findLiveSession(db: DataSource, tokenHash: Buffer, idleMinutes: number): Promise<SessionUserRow | undefined> {
    const text = `SELECT s.id AS session_id, u.id AS user_id, u.tenant_id, u.email, u.name, u.role, s.expires_at
       FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.token_hash = $1 AND s.ended_at IS NULL AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(mins => $2) AND NOT u.disabled`;
    const pool = (db.driver as unknown as { master?: { query(q: { name: string; text: string; values: unknown[] }): Promise<{ rows: SessionUserRow[] }> } }).master;
    const rows = pool ? (await pool.query({ name: 'gateway_find_live_session', text, values: [tokenHash, idleMinutes] })).rows : ((await db.query(text, [tokenHash, idleMinutes])) as SessionUserRow[]);
    return rows[0];
  },

  async touchSession(m: Q, id: string): Promise<void> {
    await m.query(`UPDATE sessions SET last_seen_at = now() WHERE id = $1 AND ended_at IS NULL`, [id]);
  },

  async endSession(m: Q, id: string): Promise<void> {
    await m.query(`UPDATE sessions SET ended_at = now() WHERE id = $1 AND ended_at IS NULL`, [id]);
  },

  /** Ends every live session of the user but `except`. */
  async endSessionsOf(m: Q, userId: string, except?: string): Promise<void> {
    await m.query(`UPDATE sessions SET ended_at = now() WHERE user_id = $1 AND ended_at IS NULL AND id IS DISTINCT FROM $2`, [userId, except ?? null]);
  },

  async countLoginFailures(m: Q, email: string, address: string, windowMs: number): Promise<{ email: number; address: number; emailOldest: Date | null; addressOldest: Date | null }> {
    const [row] = (await m.query(
      `SELECT
         count(*) FILTER (WHERE email = $1)::int AS email, min(at) FILTER (WHERE email = $1) AS "emailOldest",
         count(*) FILTER (WHERE address = $2)::int AS address, min(at) FILTER (WHERE address = $2) AS "addressOldest"
       FROM login_failures WHERE (email = $1 OR address = $2) AND at > now() - make_interval(secs => $3)`,
      [email, address, windowMs / 1000],
    )) as { email: number; address: number; emailOldest: Date | null; addressOldest: Date | null }[];
    return row;
  },

  /** Records an attempt as a failure until it proves otherwise (forgetLoginAttempt): its id. */
  async insertLoginFailure(m: Q, email: string, address: string): Promise<string> {
    const [row] = (await m.query(`INSERT INTO login_failures (email, address) VALUES ($1, $2) RETURNING id::text AS id`, [email, address])) as { id: string }[];
    return row.id;
  },

  async forgetLoginAttempt(m: Q, id: string): Promise<void> {
    await m.query(`DELETE FROM login_failures WHERE id = $1::bigint`, [id]);
  },

  /** Drops login failures out of every window, and sessions over their absolute end. */
  async purgeExpired(m: Q, windowMs: number): Promise<void> {
    await m.query(`DELETE FROM login_failures WHERE at < now() - make_interval(secs => $1)`, [windowMs / 1000]);
    await m.query(`DELETE FROM sessions WHERE expires_at < now() - interval '1 day'`);
  },
};
