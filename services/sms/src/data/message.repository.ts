import type { EntityManager } from 'typeorm';
import type { SmsKind } from '../domain/follow-up';
import type { MessageKind } from '../domain/reply';

export type MessageStatus = 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'skipped';

export interface MessageRow {
  id: string;
  tenant_id: string;
  /** null: an opt-out confirmation to a number no task texted lately */
  task_id: string | null;
  phone: string;
  kind: MessageKind;
  status: MessageStatus;
  text: string;
  segments: number;
  template_id: string | null;
  failure_reason: string | null;
  call_attempt_id: string | null;
  attempts: number;
  created_at: Date;
  sent_at: Date | null;
  /** Until when it may still be sent (its call's end + SMS_MAX_DELAY_HOURS); null (queued before the column existed): created_at + SMS_MAX_DELAY_HOURS. */
  send_by: Date | null;
  delivered_at: Date | null;
  delivery_error: string | null;
}

/** A claimed message: the token its claim wrote, which settling must present. */
export type ClaimedRow = MessageRow & { claim_token: string };

export type NewMessage = Pick<MessageRow, 'id' | 'tenant_id' | 'task_id' | 'phone' | 'kind' | 'status' | 'text' | 'segments' | 'template_id' | 'failure_reason' | 'call_attempt_id' | 'send_by'>;

type Q = Pick<EntityManager, 'query'>;

const COLUMNS = `id, tenant_id, task_id, phone, kind, status, text, segments, template_id, failure_reason, call_attempt_id, attempts, created_at, sent_at, send_by, delivered_at, delivery_error`;

export const messageRepository = {
  /**
   * Inserts the messages whose (task, phone, kind) does not exist yet, in one statement: a
   * redelivered or repeated call result never makes a second message. Returns the rows inserted.
   * At most one message per (task, phone, kind) may be passed.
   */
  /** The messages of these (task, phone, kind) keys, where they exist. */
  async findByKeys(m: Q, keys: { taskId: string; phone: string; kind: SmsKind }[]): Promise<MessageRow[]> {
    if (keys.length === 0) return [];
    return (await m.query(
      `SELECT ${COLUMNS} FROM messages WHERE (task_id, phone, kind) IN (SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[]))`,
      [keys.map((k) => k.taskId), keys.map((k) => k.phone), keys.map((k) => k.kind)],
    )) as MessageRow[];
  },

  async insertMany(m: Q, msgs: NewMessage[]): Promise<MessageRow[]> {
    if (msgs.length === 0) return [];
    const col = <K extends keyof NewMessage>(k: K) => msgs.map((x) => x[k]);
    return (await m.query(
      `INSERT INTO messages (id, tenant_id, task_id, phone, kind, status, text, segments, template_id, failure_reason, call_attempt_id, send_by)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::uuid[], $10::text[], $11::uuid[], $12::timestamptz[])
       ON CONFLICT (task_id, phone, kind) DO NOTHING
       RETURNING ${COLUMNS}`,
      [col('id'), col('tenant_id'), col('task_id'), col('phone'), col('kind'), col('status'), col('text'), col('segments'), col('template_id'), col('failure_reason'), col('call_attempt_id'), col('send_by')],
    )) as MessageRow[];
  },

  /**
   * What rendering a batch of messages needs, in one round trip: the templates (by id, with their
   * tenant, so the caller checks ownership) and the account status of each tenant.
   */
  async templatesAndAccounts(
    m: Q,
    tenantIds: string[],
    templateIds: string[],
  ): Promise<{ templates: Map<string, { tenant_id: string; content: string; status: string }>; accounts: Map<string, { status: string }> }> {
    const rows = (await m.query(
      `SELECT 'template' AS what, id::text AS key, tenant_id, content, status FROM templates WHERE id = ANY($2::uuid[])
       UNION ALL
       SELECT 'account', tenant_id::text, tenant_id, NULL, status FROM accounts WHERE tenant_id = ANY($1::uuid[])`,
      [tenantIds, templateIds],
    )) as { what: 'template' | 'account'; key: string; tenant_id: string; content: string | null; status: string }[];
    const templates = new Map<string, { tenant_id: string; content: string; status: string }>();
    const accounts = new Map<string, { status: string }>();
    for (const r of rows) {
      if (r.what === 'template') templates.set(r.key, { tenant_id: r.tenant_id, content: r.content ?? '', status: r.status });
      else accounts.set(r.key, { status: r.status });
    }
    return { templates, accounts };
  },

  /**
   * Claims due queued messages for sending: they stay `queued` but are leased until `leaseMs` from
   * now, so no other replica claims them meanwhile; a crashed sender's lease simply expires. Each
   * claim writes a fresh random token: only its holder can settle the message (fencing), so a
   * replica whose lease lapsed cannot overwrite what the current holder does.
   *
   * Settling (finishMany, retryLater, a give-back unsent) clears the token. A lapsed lease whose
   * token is still set was never settled: its holder may have had the provider accept it and be
   * waiting for the database to record that, so the message is in doubt and claimed again only
   * `inDoubtMs` after its lease (the holder's kept settlement wins any outage shorter than that).
   * `in_doubt` tells which claimed rows were in doubt.
   */
  async claimDue(m: Q, limit: number, leaseMs: number, inDoubtMs: number): Promise<(ClaimedRow & { in_doubt: boolean })[]> {
    const [rows] = (await m.query(
      `WITH due AS (
         SELECT id, claim_token IS NOT NULL AS in_doubt FROM messages
          WHERE status = 'queued' AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now())
            AND (claim_token IS NULL OR lease_until < now() - make_interval(secs => $3::float8 / 1000))
          ORDER BY next_attempt_at
          LIMIT $1
          FOR UPDATE SKIP LOCKED)
       UPDATE messages m SET lease_until = now() + make_interval(secs => $2::float8 / 1000), attempts = m.attempts + 1, claim_token = gen_random_uuid(), updated_at = now()
         FROM due WHERE m.id = due.id
       RETURNING ${COLUMNS.split(', ').map((c) => `m.${c}`).join(', ')}, m.claim_token, due.in_doubt`,
      [limit, leaseMs, inDoubtMs],
    )) as [(ClaimedRow & { in_doubt: boolean })[], number];
    return rows;
  },

  /**
   * Ends claimed messages (sent, failed or skipped) in one statement, each only if its claim token
   * still holds. Returns the rows settled: a message another replica claimed since is left alone.
   */
  async finishMany(m: Q, items: { id: string; token: string; status: 'sent' | 'failed' | 'skipped'; reason: string | null }[]): Promise<MessageRow[]> {
    if (items.length === 0) return [];
    const [rows] = (await m.query(
      `UPDATE messages m SET status = v.status, failure_reason = v.reason, sent_at = CASE WHEN v.status = 'sent' THEN now() END, lease_until = NULL, claim_token = NULL, updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[]) AS v(id, status, reason, token)
        WHERE m.id = v.id AND m.status = 'queued' AND m.claim_token = v.token
       RETURNING ${COLUMNS.split(', ').map((c) => `m.${c}`).join(', ')}`,
      [items.map((i) => i.id), items.map((i) => i.status), items.map((i) => i.reason), items.map((i) => i.token)],
    )) as [MessageRow[], number];
    return rows;
  },

  /**
   * Puts claimed messages back for a later attempt (fenced like finishMany), each with its last
   * failure as the reason. `sent: false` gives back a claim that never reached the provider: the
   * attempt does not count. Returns how many were still this claim's.
   */
  async retryLater(m: Q, items: { id: string; token: string; delayMs: number; reason: string | null; sent: boolean }[]): Promise<number> {
    if (items.length === 0) return 0;
    const [, count] = (await m.query(
      `UPDATE messages m SET next_attempt_at = now() + make_interval(secs => v.delay_ms / 1000), lease_until = NULL, claim_token = NULL,
              failure_reason = COALESCE(v.reason, m.failure_reason), attempts = m.attempts - CASE WHEN v.sent THEN 0 ELSE 1 END, updated_at = now()
         FROM unnest($1::uuid[], $2::float8[], $3::text[], $4::uuid[], $5::bool[]) AS v(id, delay_ms, reason, token, sent)
        WHERE m.id = v.id AND m.status = 'queued' AND m.claim_token = v.token`,
      [items.map((i) => i.id), items.map((i) => i.delayMs), items.map((i) => i.reason), items.map((i) => i.token), items.map((i) => i.sent)],
    )) as [unknown[], number];
    return count;
  },

  /**
   * Reply messages (a rule's answer, an opt-out confirmation): each at most once — a reply per
   * inbound message, a confirmation per number. Returns the rows inserted.
   */
  async insertReplies(m: Q, msgs: (NewMessage & { inbound_id: string })[]): Promise<MessageRow[]> {
    const out: MessageRow[] = [];
    for (const x of msgs) {
      const rows = (await m.query(
        `INSERT INTO messages (id, tenant_id, task_id, phone, kind, status, text, segments, template_id, failure_reason, call_attempt_id, send_by, inbound_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, $12)
         ON CONFLICT DO NOTHING
         RETURNING ${COLUMNS}`,
        [x.id, x.tenant_id, x.task_id, x.phone, x.kind, x.status, x.text, x.segments, x.template_id, x.failure_reason, x.send_by, x.inbound_id],
      )) as MessageRow[];
      out.push(...rows);
    }
    return out;
  },

  /** The latest message this tenant sent to the number since `since` (a task's, not a confirmation). */
  async latestSentTo(m: Q, tenantId: string, phone: string, since: Date): Promise<{ id: string; task_id: string } | undefined> {
    const rows = (await m.query(
      `SELECT id, task_id FROM messages WHERE tenant_id = $1 AND phone = $2 AND sent_at IS NOT NULL AND sent_at >= $3 AND task_id IS NOT NULL
        ORDER BY sent_at DESC LIMIT 1`,
      [tenantId, phone, since],
    )) as { id: string; task_id: string }[];
    return rows[0];
  },

  /** Keyset page, newest first (ids are UUIDv7, so id order is creation order). */
  async list(m: Q, f: { tenantId: string; taskId?: string; status?: string; kind?: string; before?: string; limit: number }): Promise<MessageRow[]> {
    const where = ['tenant_id = $1'];
    const params: unknown[] = [f.tenantId];
    if (f.taskId) where.push(`task_id = $${params.push(f.taskId)}`);
    if (f.status) where.push(`status = $${params.push(f.status)}`);
    if (f.kind) where.push(`kind = $${params.push(f.kind)}`);
    if (f.before) where.push(`id < $${params.push(f.before)}`);
    return (await m.query(`SELECT ${COLUMNS} FROM messages WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.push(f.limit)}`, params)) as MessageRow[];
  },
};
