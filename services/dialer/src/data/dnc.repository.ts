import type { DataSource, EntityManager } from 'typeorm';
import { DncChanged, NumberTagged, type DncSource, type NumberTaggedT } from '@autocall/contracts';
import { publishManyInTransaction } from '@autocall/bus';

export interface DncRow {
  phone: string;
  raw_phone: string;
  reason: string | null;
  source: DncSource;
  created_by: string | null;
  created_at: Date;
  seq: string;
}

export interface NewDncEntry {
  phone: string;
  rawPhone: string;
  reason: string | null;
  source: DncSource;
  createdBy: string | null;
}

/**
 * The lock that orders a listing against the pre-INVITE check of the tenant's calls: a writer
 * holds it exclusively until its entries commit; the check (TaskRepository.openGate) holds it
 * shared while it reads the list and sends. So once an add has answered, every INVITE that reads
 * the list after it sees the entry, and none that read before it is still unsent.
 */
export const dncLockSql = (mode: 'exclusive' | 'shared', tenantParam: string) =>
  `SELECT ${mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock'}(hashtextextended('dnc:' || ${tenantParam}::text, 0))`;

const COLUMNS = 'phone, raw_phone, reason, source, created_by, created_at, seq::text AS seq';

/**
 * `dnc.changed` for numbers just listed or removed, in the transaction of the change (which holds
 * the tenant's list lock, so versions follow the order changes commit in).
 */
async function announce(m: EntityManager, tenantId: string, phones: readonly string[], listed: boolean): Promise<void> {
  if (phones.length === 0) return;
  const [{ version, at }] = (await m.query(`SELECT nextval('dnc_versions')::text AS version, clock_timestamp() AS at`)) as { version: string; at: Date }[];
  const events = [];
  for (let i = 0; i < phones.length; i += DNC_CHANGED_MAX) {
    events.push({ tenantId, phones: phones.slice(i, i + DNC_CHANGED_MAX), listed, version: Number(version), changedAt: at.toISOString() });
  }
  await publishManyInTransaction(m, DncChanged, events);
}

/** Numbers per dnc.changed message (its contract's maxItems). */
const DNC_CHANGED_MAX = 5000;

/** The tenant's do-not-call list (dialer schema). */
export class DncRepository {
  constructor(private readonly db: DataSource) {}

  /** Lists a number; an already listed one is answered as it was (`created: false`). */
  async add(tenantId: string, e: NewDncEntry): Promise<{ created: boolean; row: DncRow }> {
    return this.db.transaction(async (m) => {
      await m.query(dncLockSql('exclusive', '$1'), [tenantId]);
      const inserted = (await m.query(
        `INSERT INTO dnc_entries (tenant_id, phone, raw_phone, reason, source, created_by) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id, phone) DO NOTHING RETURNING ${COLUMNS}`,
        [tenantId, e.phone, e.rawPhone, e.reason, e.source, e.createdBy],
      )) as DncRow[];
      if (inserted[0]) {
        await announce(m, tenantId, [e.phone], true);
        return { created: true, row: inserted[0] };
      }
      const [row] = (await m.query(`SELECT ${COLUMNS} FROM dnc_entries WHERE tenant_id = $1 AND phone = $2`, [tenantId, e.phone])) as DncRow[];
      return { created: false, row };
    });
  }

  /**
   * What a call's DTMF rules did to its number, in one transaction: listed (source `dtmf`) when a
   * rule opted it out, and a number.tagged event per tag and for the opt-out, through the outbox.
   */
  async applyDtmf(tenantId: string, taskId: string, phone: string, tags: readonly string[], optOut: boolean): Promise<void> {
    const events: NumberTaggedT[] = [
      ...tags.map((tag) => ({ tenantId, taskId, phone, tag, source: 'dtmf' as const, optOut: false })),
      ...(optOut ? [{ tenantId, taskId, phone, tag: null, source: 'dtmf' as const, optOut: true }] : []),
    ];
    if (events.length === 0) return;
    await this.db.transaction(async (m) => {
      if (optOut) {
        await m.query(dncLockSql('exclusive', '$1'), [tenantId]);
        const added = (await m.query(
          `INSERT INTO dnc_entries (tenant_id, phone, raw_phone, reason, source, created_by) VALUES ($1, $2, $2, 'DTMF opt-out', 'dtmf', NULL)
           ON CONFLICT (tenant_id, phone) DO NOTHING RETURNING phone`,
          [tenantId, phone],
        )) as { phone: string }[];
        await announce(m, tenantId, added.map((a) => a.phone), true);
      }
      await publishManyInTransaction(m, NumberTagged, events);
    });
  }

  /** Lists many numbers in one transaction (an import's chunk); returns how many were new. */
  async addMany(tenantId: string, entries: readonly { phone: string; rawPhone: string }[], source: DncSource, createdBy: string | null): Promise<number> {
    if (entries.length === 0) return 0;
    return this.db.transaction(async (m) => {
      await m.query(dncLockSql('exclusive', '$1'), [tenantId]);
      const added = (await m.query(
        `INSERT INTO dnc_entries (tenant_id, phone, raw_phone, source, created_by)
         SELECT $1::uuid, e.phone, e.raw_phone, $4::text, $5::text FROM unnest($2::text[], $3::text[]) AS e(phone, raw_phone)
         ON CONFLICT (tenant_id, phone) DO NOTHING RETURNING phone`,
        [tenantId, entries.map((e) => e.phone), entries.map((e) => e.rawPhone), source, createdBy],
      )) as { phone: string }[];
      await announce(m, tenantId, added.map((a) => a.phone), true);
      return added.length;
    });
  }

  async get(tenantId: string, phone: string): Promise<DncRow | undefined> {
    const [row] = (await this.db.query(`SELECT ${COLUMNS} FROM dnc_entries WHERE tenant_id = $1 AND phone = $2`, [tenantId, phone])) as DncRow[];
    return row;
  }

  /** Takes a number off the list, with its `dnc.changed` (listed: false) in the same transaction. */
  async remove(tenantId: string, phone: string): Promise<boolean> {
    return this.db.transaction(async (m) => {
      await m.query(dncLockSql('exclusive', '$1'), [tenantId]);
      const removed = (await m.query(`DELETE FROM dnc_entries WHERE tenant_id = $1 AND phone = $2 RETURNING phone`, [tenantId, phone])) as [{ phone: string }[], number];
      const phones = removed[0].map((r) => r.phone);
      await announce(m, tenantId, phones, false);
      return phones.length > 0;
    });
  }

  /** Newest first, keyset on `seq` (below `beforeSeq`); `digits`: the E.164 digits contain them. */
  async list(tenantId: string, q: { limit: number; beforeSeq?: string; digits?: string; source?: DncSource }): Promise<DncRow[]> {
    return (await this.db.query(
      `SELECT ${COLUMNS} FROM dnc_entries
        WHERE tenant_id = $1 AND ($2::bigint IS NULL OR seq < $2::bigint)
          AND ($3::text IS NULL OR strpos(phone, $3::text) > 0) AND ($4::text IS NULL OR source = $4::text)
        ORDER BY seq DESC LIMIT $5`,
      [tenantId, q.beforeSeq ?? null, q.digits ?? null, q.source ?? null, q.limit],
    )) as DncRow[];
  }

  /** Of these (tenant, phone) pairs, the listed ones as `tenant phone` keys: one indexed statement. */
  static async listed(m: Pick<EntityManager, 'query'>, pairs: readonly { tenantId: string; phone: string }[]): Promise<Set<string>> {
    if (pairs.length === 0) return new Set();
    const rows = (await m.query(
      `SELECT d.tenant_id, d.phone FROM dnc_entries d JOIN unnest($1::uuid[], $2::text[]) AS p(tenant_id, phone) ON d.tenant_id = p.tenant_id AND d.phone = p.phone`,
      [pairs.map((p) => p.tenantId), pairs.map((p) => p.phone)],
    )) as { tenant_id: string; phone: string }[];
    return new Set(rows.map((r) => `${r.tenant_id} ${r.phone}`));
  }
}
