import type { EntityManager } from 'typeorm';

type Q = Pick<EntityManager, 'query'>;

/** The SMS caps: the contact policies' copy, the smsPerDay read from the tenants' limits copy (TenantLimitsCopy), and the counters. */
export const capsRepository = {
  /** Keeps the tenant's maxSmsPerNumberPerDay unless a newer policy (by updatedAt) is kept already. */
  async storePolicy(m: Q, tenantId: string, maxSmsPerNumberPerDay: number | null, updatedAt: string): Promise<void> {
    await m.query(
      `INSERT INTO contact_policies (tenant_id, max_sms_per_number_per_day, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET max_sms_per_number_per_day = EXCLUDED.max_sms_per_number_per_day, updated_at = EXCLUDED.updated_at
        WHERE contact_policies.updated_at < EXCLUDED.updated_at`,
      [tenantId, maxSmsPerNumberPerDay, updatedAt],
    );
  },

  /** smsPerDay and maxSmsPerNumberPerDay of these tenants, where set. */
  async capsOf(m: Q, tenantIds: string[]): Promise<{ tenantLimit: Map<string, number>; numberCap: Map<string, number> }> {
    const rows = (await m.query(
      `SELECT 'limit' AS what, tenant_id, (limits->>'smsPerDay')::int AS n FROM tenant_limits WHERE tenant_id = ANY($1::uuid[]) AND limits->>'smsPerDay' IS NOT NULL
       UNION ALL
       SELECT 'cap', tenant_id, max_sms_per_number_per_day FROM contact_policies WHERE tenant_id = ANY($1::uuid[]) AND max_sms_per_number_per_day IS NOT NULL`,
      [tenantIds],
    )) as { what: 'limit' | 'cap'; tenant_id: string; n: number }[];
    const tenantLimit = new Map<string, number>();
    const numberCap = new Map<string, number>();
    for (const r of rows) (r.what === 'limit' ? tenantLimit : numberCap).set(r.tenant_id, r.n);
    return { tenantLimit, numberCap };
  },

  /**
   * Locks the (tenant, day) counters, made if need be, in key order (replicas never deadlock), and
   * returns what they count: every replica deciding SMS of these days waits here for the others.
   */
  async lockDays(m: Q, keys: { tenantId: string; day: string }[]): Promise<{ tenant_id: string; day: string; sent: number }[]> {
    if (keys.length === 0) return [];
    const sorted = [...keys].sort((a, b) => (a.tenantId + a.day < b.tenantId + b.day ? -1 : 1));
    const args = [sorted.map((k) => k.tenantId), sorted.map((k) => k.day)];
    await m.query(`INSERT INTO sms_day_counts (tenant_id, day) SELECT * FROM unnest($1::uuid[], $2::date[]) ORDER BY 1, 2 ON CONFLICT DO NOTHING`, args);
    return (await m.query(
      `SELECT tenant_id, day::text AS day, sent FROM sms_day_counts WHERE (tenant_id, day) IN (SELECT * FROM unnest($1::uuid[], $2::date[])) ORDER BY tenant_id, day FOR UPDATE`,
      args,
    )) as { tenant_id: string; day: string; sent: number }[];
  },

  /** As lockDays, for (tenant, number, day) counters. */
  async lockNumbers(m: Q, keys: { tenantId: string; phone: string; day: string }[]): Promise<{ tenant_id: string; phone: string; day: string; sent: number }[]> {
    if (keys.length === 0) return [];
    const args = [keys.map((k) => k.tenantId), keys.map((k) => k.phone), keys.map((k) => k.day)];
    await m.query(`INSERT INTO sms_number_day_counts (tenant_id, phone, day) SELECT * FROM unnest($1::uuid[], $2::text[], $3::date[]) ORDER BY 1, 2, 3 ON CONFLICT DO NOTHING`, args);
    return (await m.query(
      `SELECT tenant_id, phone, day::text AS day, sent FROM sms_number_day_counts WHERE (tenant_id, phone, day) IN (SELECT * FROM unnest($1::uuid[], $2::text[], $3::date[]))
        ORDER BY tenant_id, phone, day FOR UPDATE`,
      args,
    )) as { tenant_id: string; phone: string; day: string; sent: number }[];
  },

  async setDays(m: Q, rows: { tenantId: string; day: string; sent: number }[]): Promise<void> {
    if (rows.length === 0) return;
    await m.query(`UPDATE sms_day_counts c SET sent = u.sent FROM unnest($1::uuid[], $2::date[], $3::int[]) AS u(tenant_id, day, sent) WHERE c.tenant_id = u.tenant_id AND c.day = u.day`, [
      rows.map((r) => r.tenantId),
      rows.map((r) => r.day),
      rows.map((r) => r.sent),
    ]);
  },

  async setNumbers(m: Q, rows: { tenantId: string; phone: string; day: string; sent: number }[]): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `UPDATE sms_number_day_counts c SET sent = u.sent FROM unnest($1::uuid[], $2::text[], $3::date[], $4::int[]) AS u(tenant_id, phone, day, sent)
        WHERE c.tenant_id = u.tenant_id AND c.phone = u.phone AND c.day = u.day`,
      [rows.map((r) => r.tenantId), rows.map((r) => r.phone), rows.map((r) => r.day), rows.map((r) => r.sent)],
    );
  },

  /** Marks messages skipped for a cap (they were just inserted queued, in this transaction). */
  async skip(m: Q, refused: Map<string, string>): Promise<void> {
    if (refused.size === 0) return;
    await m.query(`UPDATE messages s SET status = 'skipped', failure_reason = u.reason FROM unnest($1::uuid[], $2::text[]) AS u(id, reason) WHERE s.id = u.id`, [[...refused.keys()], [...refused.values()]]);
  },

  /** Counters of days long past (a number's cap only looks at today): kept a week. */
  async prune(m: Q): Promise<void> {
    await m.query(`DELETE FROM sms_number_day_counts WHERE day < current_date - 7`);
    await m.query(`DELETE FROM sms_day_counts WHERE day < current_date - 7`);
  },
};
