import type { EntityManager } from 'typeorm';
import type { Receipt, ReceiptStatus } from '../domain/reply';
import type { MessageRow } from './message.repository';

type Q = Pick<EntityManager, 'query'>;

export interface NewReceipt {
  tenantId: string;
  messageId: string;
  part: number;
  status: ReceiptStatus;
  errorCode: string | null;
  reportedAt: string | null;
}

const MESSAGE_COLUMNS = `m.id, m.tenant_id, m.task_id, m.phone, m.kind, m.status, m.text, m.segments, m.template_id, m.failure_reason, m.call_attempt_id, m.attempts, m.created_at, m.sent_at, m.send_by, m.delivered_at, m.delivery_error`;

export const receiptRepository = {
  /**
   * Locks the messages the receipts are about (in id order, so batches open at once cannot
   * deadlock), then keeps the receipts whose message is this tenant's (others are not ours: left
   * out), each (message, part, status) once: one statement. Locked before anything is read: a send
   * settling at the same time either commits first (then its `sent` is seen by the next statement
   * and the receipt applied) or waits for this commit (then its own apply sees the receipt). Never
   * both missing it. Returns the ids of the messages that got a new receipt, and how many were not ours.
   */
  async lockAndInsert(m: Q, receipts: NewReceipt[]): Promise<{ fresh: string[]; foreign: number }> {
    if (receipts.length === 0) return { fresh: [], foreign: 0 };
    const rows = (await m.query(
      `WITH given AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::text[], $6::timestamptz[]) AS g(tenant_id, message_id, part, status, error_code, reported_at)),
       locked AS MATERIALIZED (
         SELECT id, tenant_id FROM messages WHERE id IN (SELECT message_id FROM given) ORDER BY id FOR UPDATE),
       ours AS (
         SELECT g.* FROM given g JOIN locked m ON m.id = g.message_id AND m.tenant_id = g.tenant_id),
       ins AS (
         INSERT INTO delivery_receipts (tenant_id, message_id, part, status, error_code, reported_at)
         SELECT tenant_id, message_id, part, status, error_code, reported_at FROM ours
         ON CONFLICT DO NOTHING RETURNING message_id)
       SELECT (SELECT count(*)::int FROM ours) AS ours, (SELECT array_agg(DISTINCT message_id) FROM ins) AS fresh`,
      [
        receipts.map((r) => r.tenantId),
        receipts.map((r) => r.messageId),
        receipts.map((r) => r.part),
        receipts.map((r) => r.status),
        receipts.map((r) => r.errorCode),
        receipts.map((r) => r.reportedAt),
      ],
    )) as { ours: number; fresh: string[] | null }[];
    return { fresh: rows[0].fresh ?? [], foreign: receipts.length - rows[0].ours };
  },

  /**
   * The messages among these that are `sent` (locked, for applying their receipts), with their
   * receipts, oldest first: one statement.
   */
  async sentWithReceipts(m: Q, ids: string[]): Promise<{ message: MessageRow; receipts: (Receipt & { error_code: string | null; at: Date })[] }[]> {
    if (ids.length === 0) return [];
    const rows = (await m.query(
      `SELECT ${MESSAGE_COLUMNS}, r.parts, r.statuses, r.errors, r.ats
         FROM messages m
         CROSS JOIN LATERAL (
           SELECT array_agg(d.part ORDER BY d.received_at) AS parts, array_agg(d.status ORDER BY d.received_at) AS statuses,
                  array_agg(d.error_code ORDER BY d.received_at) AS errors, array_agg(COALESCE(d.reported_at, d.received_at) ORDER BY d.received_at) AS ats
             FROM delivery_receipts d WHERE d.message_id = m.id) r
        WHERE m.id = ANY($1::uuid[]) AND m.status = 'sent' ORDER BY m.id FOR UPDATE OF m`,
      [ids],
    )) as (MessageRow & { parts: number[] | null; statuses: ReceiptStatus[] | null; errors: (string | null)[] | null; ats: Date[] | null })[];
    return rows.map(({ parts, statuses, errors, ats, ...message }) => ({
      message,
      receipts: (parts ?? []).map((part, i) => ({ part, status: statuses![i], error_code: errors![i], at: ats![i] })),
    }));
  },

  /** Sets final delivery states (only on messages still `sent`: a final state never goes back). */
  async settle(m: Q, items: { id: string; status: ReceiptStatus; at: Date; error: string | null }[]): Promise<MessageRow[]> {
    if (items.length === 0) return [];
    const [rows] = (await m.query(
      `UPDATE messages m SET status = v.status, delivered_at = CASE WHEN v.status = 'delivered' THEN v.at END, delivery_error = v.error, updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[]) AS v(id, status, at, error)
        WHERE m.id = v.id AND m.status = 'sent'
       RETURNING ${MESSAGE_COLUMNS}`,
      [items.map((i) => i.id), items.map((i) => i.status), items.map((i) => i.at), items.map((i) => i.error)],
    )) as [MessageRow[], number];
    return rows;
  },

  /**
   * settle() and the events of the change in one statement, for messages this transaction holds
   * locked and has read as `sent` (so every one of them changes: anything else is a broken
   * invariant, thrown so the transaction rolls back). `events`: an outbox INSERT numbered from $5.
   */
  async settleWithEvents(m: Q, items: { id: string; status: ReceiptStatus; at: Date; error: string | null }[], events: { sql: string; params: unknown[] }): Promise<void> {
    if (items.length === 0) return;
    const rows = (await m.query(
      `WITH settled AS (
         UPDATE messages m SET status = v.status, delivered_at = CASE WHEN v.status = 'delivered' THEN v.at END, delivery_error = v.error, updated_at = now()
           FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[]) AS v(id, status, at, error)
          WHERE m.id = v.id AND m.status = 'sent'
         RETURNING m.id),
       events AS (${events.sql} RETURNING 1)
       SELECT (SELECT count(*)::int FROM settled) AS settled`,
      [items.map((i) => i.id), items.map((i) => i.status), items.map((i) => i.at), items.map((i) => i.error), ...events.params],
    )) as { settled: number }[];
    if (rows[0].settled !== items.length) throw new Error(`receipts: ${items.length - rows[0].settled} of ${items.length} locked sent messages did not settle`);
  },

  /** The simulated provider's due receipts (sent `dlrMs` ago, not reported yet): marked reported and returned. */
  async takeSimulatedDue(m: Q, dlrMs: number, limit: number): Promise<{ message_id: string; tenant_id: string; phone: string }[]> {
    const [rows] = (await m.query(
      `UPDATE simulated_outbox s SET receipt_at = now()
         FROM (SELECT message_id FROM simulated_outbox WHERE receipt_at IS NULL AND created_at <= now() - make_interval(secs => $1::float8 / 1000)
                ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED) due
        WHERE s.message_id = due.message_id
       RETURNING s.message_id, s.tenant_id, s.phone`,
      [dlrMs, limit],
    )) as [{ message_id: string; tenant_id: string; phone: string }[], number];
    return rows;
  },
};
