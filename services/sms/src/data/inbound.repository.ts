import type { EntityManager } from 'typeorm';

type Q = Pick<EntityManager, 'query'>;

export interface InboundRow {
  id: string;
  tenant_id: string;
  provider_id: string | null;
  phone: string;
  to_number: string | null;
  text: string;
  reported_at: Date | null;
  received_at: Date;
  task_id: string | null;
  message_id: string | null;
  action_type: 'none' | 'tag' | 'optOut';
  tag: string | null;
  pending: boolean;
  attempts: number;
}

export type NewInbound = Omit<InboundRow, 'received_at' | 'attempts'> & { dedupe_key: string };

const COLUMNS = `id, tenant_id, provider_id, phone, to_number, text, reported_at, received_at, task_id, message_id, action_type, tag, pending, attempts`;

export const inboundRepository = {
  /** Stores the reply unless the same one (same provider id, or same from + text + at) is stored: then undefined. */
  async insert(m: Q, r: NewInbound): Promise<InboundRow | undefined> {
    const rows = (await m.query(
      `INSERT INTO inbound_messages (id, tenant_id, dedupe_key, provider_id, phone, to_number, text, reported_at, task_id, message_id, action_type, tag, pending)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)
       ON CONFLICT (tenant_id, dedupe_key) DO NOTHING RETURNING ${COLUMNS}`,
      [r.id, r.tenant_id, r.dedupe_key, r.provider_id, r.phone, r.to_number, r.text, r.reported_at, r.task_id, r.message_id, r.action_type, r.tag, r.pending],
    )) as InboundRow[];
    return rows[0];
  },

  async findByKey(m: Q, tenantId: string, dedupeKey: string): Promise<InboundRow | undefined> {
    const rows = (await m.query(`SELECT ${COLUMNS} FROM inbound_messages WHERE tenant_id = $1 AND dedupe_key = $2`, [tenantId, dedupeKey])) as InboundRow[];
    return rows[0];
  },

  async list(m: Q, f: { tenantId: string; taskId?: string; from?: string; before?: string; limit: number }): Promise<InboundRow[]> {
    const where = ['tenant_id = $1'];
    const params: unknown[] = [f.tenantId];
    if (f.taskId) where.push(`task_id = $${params.push(f.taskId)}`);
    if (f.from) where.push(`phone = $${params.push(f.from)}`);
    if (f.before) where.push(`id < $${params.push(f.before)}`);
    return (await m.query(`SELECT ${COLUMNS} FROM inbound_messages WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.push(f.limit)}`, params)) as InboundRow[];
  },

  /** Opt-outs whose DNC entry is still to be made: leased for `leaseMs` (no row lock is held over the RPC). */
  async claimPending(m: Q, limit: number, leaseMs: number): Promise<InboundRow[]> {
    const [rows] = (await m.query(
      `UPDATE inbound_messages i SET next_attempt_at = now() + make_interval(secs => $2::float8 / 1000), attempts = i.attempts + 1
         FROM (SELECT id FROM inbound_messages WHERE pending AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) due
        WHERE i.id = due.id
       RETURNING ${COLUMNS.split(', ').map((c) => `i.${c}`).join(', ')}`,
      [limit, leaseMs],
    )) as [InboundRow[], number];
    return rows;
  },

  async done(m: Q, id: string): Promise<void> {
    await m.query(`UPDATE inbound_messages SET pending = false WHERE id = $1`, [id]);
  },

  async later(m: Q, id: string, delayMs: number): Promise<void> {
    await m.query(`UPDATE inbound_messages SET next_attempt_at = now() + make_interval(secs => $2::float8 / 1000) WHERE id = $1`, [id, delayMs]);
  },

  async addOptOut(m: Q, tenantId: string, phone: string): Promise<void> {
    await m.query(`INSERT INTO opt_outs (tenant_id, phone) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [tenantId, phone]);
  },
};
