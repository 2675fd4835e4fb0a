import type { EntityManager } from 'typeorm';
import type { DncChangedT } from '@autocall/contracts';

type Q = Pick<EntityManager, 'query'>;

/** `tenant phone` keys of blocked numbers. */
export const dncKey = (tenantId: string, phone: string) => `${tenantId}\u0000${phone}`;

/** The copy of the tenants' DNC lists (dnc.changed), and the numbers this service saw opt out. */
export const dncRepository = {
  /**
   * Applies a change to each of its numbers unless a newer one (higher version) is kept already.
   * A removal also ends this service's own opt-out block of the number, once that opt-out has
   * reached the DNC list (its dnc.add answered): the list's owner took it off, so SMS may go again.
   * An opt-out still on its way to the list keeps blocking; its listing comes after this removal.
   */
  async apply(m: Q, e: DncChangedT): Promise<void> {
    const applied = (await m.query(
      `INSERT INTO dnc_numbers (tenant_id, phone, listed, version, changed_at)
       SELECT $1::uuid, p, $3::boolean, $4::bigint, $5::timestamptz FROM unnest($2::text[]) AS p
       ON CONFLICT (tenant_id, phone) DO UPDATE SET listed = EXCLUDED.listed, version = EXCLUDED.version, changed_at = EXCLUDED.changed_at
        WHERE dnc_numbers.version < EXCLUDED.version
       RETURNING phone`,
      [e.tenantId, [...new Set(e.phones)], e.listed, e.version, e.changedAt],
    )) as { phone: string }[];
    if (e.listed || applied.length === 0) return;
    await m.query(
      `DELETE FROM opt_outs o WHERE o.tenant_id = $1 AND o.phone = ANY($2::text[])
          AND NOT EXISTS (SELECT 1 FROM inbound_messages i WHERE i.tenant_id = o.tenant_id AND i.phone = o.phone AND i.pending)`,
      [e.tenantId, applied.map((a) => a.phone)],
    );
  },

  /** Which of these (tenant, phone) pairs may get no SMS now: on the tenant's DNC list, or opted out here. */
  async blocked(m: Q, pairs: readonly { tenantId: string; phone: string }[]): Promise<Set<string>> {
    if (pairs.length === 0) return new Set();
    const rows = (await m.query(
      `WITH p AS (SELECT DISTINCT * FROM unnest($1::uuid[], $2::text[]) AS p(tenant_id, phone))
       SELECT p.tenant_id, p.phone FROM p
        WHERE EXISTS (SELECT 1 FROM dnc_numbers d WHERE d.tenant_id = p.tenant_id AND d.phone = p.phone AND d.listed)
           OR EXISTS (SELECT 1 FROM opt_outs o WHERE o.tenant_id = p.tenant_id AND o.phone = p.phone)`,
      [pairs.map((p) => p.tenantId), pairs.map((p) => p.phone)],
    )) as { tenant_id: string; phone: string }[];
    return new Set(rows.map((r) => dncKey(r.tenant_id, r.phone)));
  },
};
