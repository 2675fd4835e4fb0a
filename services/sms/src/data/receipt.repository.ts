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
   * Keeps the receipts whose message is this tenant's (others are not ours: left out), each
   * (message, part, status) once. Returns the ids of the messages that got a new receipt, and how many were not ours.
   */
  async insertMany(m: Q, receipts: NewReceipt[]): Promise<{ fresh: string[]; foreign: number }> {
    if (receipts.length === 0) return { fresh: [], foreign: 0 };
    const rows = (await m.query(
      `WITH given AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::text[], $6::timestamptz[]) AS g(tenant_id, message_id, part, status, error_code, reported_at)),
       ours AS (
         SELECT g.* FROM given g JOIN messages m ON m.id = g.message_id AND m.tenant_id = g.tenant_id),
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

  /** The messages among these that are `sent` (locked, for applying their receipts), with their receipts. */
  async sentWithReceipts(m: Q, ids: string[]): Promise<{ message: MessageRow; receipts: (Receipt & { error_code: string | null; at: Date })[] }[]> {
    if (ids.length === 0) return [];
    const messages = (await m.query(`SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE m.id = ANY($1::uuid[]) AND m.status = 'sent' ORDER BY m.id FOR UPDATE`, [ids])) as MessageRow[];
    if (messages.length === 0) return [];
    const receipts = (await m.query(
      `SELECT message_id, part, status, error_code, COALESCE(reported_at, received_at) AS at FROM delivery_receipts WHERE message_id = ANY($1::uuid[]) ORDER BY received_at`,
      [messages.map((x) => x.id)],
    )) as { message_id: string; part: number; status: ReceiptStatus; error_code: string | null; at: Date }[];
    return messages.map((message) => ({ message, receipts: receipts.filter((r) => r.message_id === message.id) }));
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
