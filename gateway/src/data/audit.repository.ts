import type { EntityManager } from 'typeorm';

type Q = Pick<EntityManager, 'query'>;

export interface AuditRow {
  id: string;
  tenant_id: string | null;
  at: Date;
  actor_type: 'user' | 'apiKey' | 'admin' | 'system';
  actor_id: string | null;
  actor_label: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  status: number | null;
  request_id: string | null;
  ip: string | null;
  user_agent: string | null;
}

export type NewAuditRow = Omit<AuditRow, 'at'>;

export interface AuditFilter {
  tenantId?: string;
  actorId?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  from?: string;
  to?: string;
  /** Keyset: strictly older than (at, id). */
  before?: [string, string];
  limit: number;
}

const COLUMNS = ['id', 'tenant_id', 'actor_type', 'actor_id', 'actor_label', 'action', 'resource_type', 'resource_id', 'status', 'request_id', 'ip', 'user_agent'] as const;

/** The append-only audit log: rows are inserted, settled once (status), and only the retention purge deletes. */
export const auditRepository = {
  /** `once`: a record of this id already there is kept as it is (a redelivered message). */
  async insert(m: Q, r: NewAuditRow, once = false): Promise<void> {
    await m.query(
      `INSERT INTO audit_events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})${once ? ' ON CONFLICT (id) DO NOTHING' : ''}`,
      COLUMNS.map((c) => r[c]),
    );
  },

  /** Settles a pending record with its answer; a record is settled once. */
  /** `createdId`: the id a 201's Location names, which is the resource (over a parent's id in the path). */
  async settle(m: Q, id: string, status: number, createdId: string | null): Promise<void> {
    await m.query(`UPDATE audit_events SET status = $2, resource_id = coalesce($3, resource_id) WHERE id = $1 AND status IS NULL`, [id, status, createdId]);
  },

  async list(m: Q, f: AuditFilter): Promise<AuditRow[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      values.push(v);
      where.push(sql.replace('?', `$${values.length}`));
    };
    if (f.tenantId !== undefined) add('tenant_id = ?', f.tenantId);
    if (f.actorId !== undefined) add('actor_id = ?', f.actorId);
    if (f.action !== undefined) add('action = ?', f.action);
    if (f.resourceType !== undefined) add('resource_type = ?', f.resourceType);
    if (f.resourceId !== undefined) add('resource_id = ?', f.resourceId);
    if (f.from !== undefined) add('at >= ?', f.from);
    if (f.to !== undefined) add('at < ?', f.to);
    if (f.before) {
      values.push(f.before[0], f.before[1]);
      where.push(`(at, id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
    }
    values.push(f.limit);
    return (await m.query(
      `SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT $${values.length}`,
      values,
    )) as AuditRow[];
  },

  async purgeOlderThan(m: Q, days: number): Promise<void> {
    await m.query(`DELETE FROM audit_events WHERE at < now() - make_interval(days => $1)`, [days]);
  },
};
