import type { EntityManager } from 'typeorm';
import { eventBody, type IncomingEvent } from '../domain/public-event';

export interface StoredEvent {
  id: string;
  tenantId: string;
  /** the tenant's sequence number of the event */
  seq: number;
  type: string;
  taskId: string | null;
  body: string;
}

type Q = Pick<EntityManager, 'query'>;

export interface StreamRow {
  id: string;
  seq: number;
  type: string;
  task_id: string | null;
  body: string;
}

export const eventRepository = {
  /**
   * Stores events with the next sequence numbers of their tenants (in the order given) and
   * returns those not stored before (an id seen already keeps its first row); the caller announces
   * them to the stream once its transaction commits (EventStreams.announce). The tenants'
   * counters are taken in id order, so concurrent batches never wait on each other in a circle.
   */
  async store(m: Q, incoming: IncomingEvent[]): Promise<StoredEvent[]> {
    if (incoming.length === 0) return [];
    const perTenant = new Map<string, number>();
    for (const i of incoming) perTenant.set(i.event.tenantId, (perTenant.get(i.event.tenantId) ?? 0) + 1);
    const tenants = [...perTenant.keys()].sort();
    const rows = (await m.query(
      `INSERT INTO tenant_sequences (tenant_id, last_seq)
       SELECT t, n FROM unnest($1::uuid[], $2::bigint[]) AS x(t, n) ORDER BY t
       ON CONFLICT (tenant_id) DO UPDATE SET last_seq = tenant_sequences.last_seq + EXCLUDED.last_seq
       RETURNING tenant_id, last_seq`,
      [tenants, tenants.map((t) => perTenant.get(t))],
    )) as { tenant_id: string; last_seq: string }[];
    const next = new Map(rows.map((r) => [r.tenant_id, Number(r.last_seq) - perTenant.get(r.tenant_id)! + 1]));
    const seqs = incoming.map((i) => {
      const s = next.get(i.event.tenantId)!;
      next.set(i.event.tenantId, s + 1);
      return s;
    });
    const bodies = incoming.map((i) => eventBody(i.event));
    const inserted = (await m.query(
      `INSERT INTO events (id, tenant_id, seq, type, task_id, created_at, body)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[], $5::uuid[], $6::timestamptz[], $7::text[])
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [incoming.map((i) => i.event.id), incoming.map((i) => i.event.tenantId), seqs, incoming.map((i) => i.event.type), incoming.map((i) => i.taskId), incoming.map((i) => i.event.createdAt), bodies],
    )) as { id: string }[];
    const fresh = new Set(inserted.map((r) => r.id));
    return incoming.flatMap((i, k) => (fresh.delete(i.event.id) ? [{ id: i.event.id, tenantId: i.event.tenantId, seq: seqs[k], type: i.event.type, taskId: i.taskId, body: bodies[k] }] : []));
  },

  /** One delivery per enabled endpoint of the event's tenant subscribed to its type; returns how many were made. */
  async fanOut(m: Q, events: StoredEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const rows = (await m.query(
      `INSERT INTO deliveries (id, tenant_id, webhook_id, event_id, event_type, body, status, next_attempt_at, created_at)
       SELECT gen_random_uuid(), e.tenant_id, w.id, e.id, e.type, e.body, 'pending', now(), date_trunc('milliseconds', clock_timestamp())
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) AS e(id, tenant_id, type, body)
         JOIN webhooks w ON w.tenant_id = e.tenant_id AND w.enabled AND e.type = ANY (w.events)
       ON CONFLICT (webhook_id, event_id) DO NOTHING RETURNING 1`,
      [events.map((e) => e.id), events.map((e) => e.tenantId), events.map((e) => e.type), events.map((e) => e.body)],
    )) as unknown[];
    return rows.length;
  },

  /** The tenant's events after `afterSeq`, in sequence order. */
  async after(m: Q, tenantId: string, afterSeq: number, limit: number): Promise<StreamRow[]> {
    const rows = (await m.query(`SELECT id, seq, type, task_id, body FROM events WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [tenantId, afterSeq, limit])) as (StreamRow & { seq: string })[];
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  },

  /** The sequence number of the tenant's event `id`, if it was stored within the last `minutes`. */
  async seqWithin(m: Q, tenantId: string, id: string, minutes: number): Promise<number | undefined> {
    const [row] = (await m.query(`SELECT seq FROM events WHERE id = $1 AND tenant_id = $2 AND stored_at > now() - make_interval(secs => $3)`, [id, tenantId, minutes * 60])) as { seq: string }[];
    return row ? Number(row.seq) : undefined;
  },

  /** The last sequence number given to each tenant (0 for one with no event yet). */
  async lastSeqs(m: Q, tenantIds: string[]): Promise<Map<string, number>> {
    const rows = (await m.query(`SELECT tenant_id, last_seq FROM tenant_sequences WHERE tenant_id = ANY ($1::uuid[])`, [tenantIds])) as { tenant_id: string; last_seq: string }[];
    return new Map(tenantIds.map((t) => [t, Number(rows.find((r) => r.tenant_id === t)?.last_seq ?? 0)]));
  },

  /** Deletes up to `limit` events stored before the retention; returns how many. */
  async pruneOnce(m: Q, retentionHours: number, limit: number): Promise<number> {
    const [rows] = (await m.query(
      `DELETE FROM events WHERE id IN (SELECT id FROM events WHERE stored_at < now() - make_interval(secs => $1) ORDER BY stored_at LIMIT $2) RETURNING 1`,
      [retentionHours * 3600, limit],
    )) as [unknown[], number];
    return rows.length;
  },
};
