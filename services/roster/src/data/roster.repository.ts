import { listPage, usages } from '@autocall/db';
import type { EntityManager } from 'typeorm';

export type RosterStatus = 'validating' | 'ready' | 'failed';

export interface RosterRow {
  id: string;
  tenant_id: string;
  name: string;
  description: string | null;
  file_name: string;
  size_bytes: string;
  status: RosterStatus;
  failure_reason: string | null;
  processed_rows: number;
  total_rows: number;
  valid: number;
  invalid: number;
  duplicate: number;
  columns: string[];
  attempt: number;
  created_at: Date;
  updated_at: Date;
}

export interface EntryRow {
  row_number: number;
  phone: string;
  raw_phone: string;
  name: string | null;
  variables: Record<string, string>;
}

export interface ErrorRow {
  row_number: number;
  raw_phone: string;
  reason: string;
}

export interface Counts {
  processed: number;
  total: number;
  valid: number;
  invalid: number;
  duplicate: number;
}

type Q = Pick<EntityManager, 'query'>;

const UPLOAD_PART = 4 * 1024 * 1024;

/** Tasks' uses of rosters (roster.reserve / release), checked by the delete. */
export const rosterUsages = usages('roster_usages', 'roster_id');

export const rosterRepository = {
  /** The tenant's rosters and their upload sizes: what counts against its storageBytes. */
  async storedBytes(m: Q, tenantId: string): Promise<{ id: string; bytes: number }[]> {
    return ((await m.query(`SELECT id, size_bytes FROM rosters WHERE tenant_id = $1 ORDER BY id`, [tenantId])) as { id: string; size_bytes: string }[]).map((r) => ({ id: r.id, bytes: Number(r.size_bytes) }));
  },

  async insert(m: Q, r: { id: string; tenant_id: string; name: string; description: string | null; file_name: string; size_bytes: number }, bytes: Buffer, requestId?: string): Promise<RosterRow> {
    const [row] = (await m.query(
      `INSERT INTO rosters (id, tenant_id, name, description, file_name, size_bytes, status) VALUES ($1,$2,$3,$4,$5,$6,'validating') RETURNING *`,
      [r.id, r.tenant_id, r.name, r.description, r.file_name, r.size_bytes],
    )) as RosterRow[];
    // In parts (subarrays, no copy here): one 24 MB parameter costs the driver ~50 MB of buffers.
    for (let off = 0, seq = 0; off < bytes.length || seq === 0; off += UPLOAD_PART, seq++) {
      await m.query(`INSERT INTO roster_upload_parts (roster_id, seq, bytes) VALUES ($1, $2, $3)`, [r.id, seq, bytes.subarray(off, off + UPLOAD_PART)]);
    }
    await m.query(`INSERT INTO roster_jobs (roster_id, request_id) VALUES ($1, $2)`, [r.id, requestId ?? null]);
    return row;
  },

  async find(m: Q, tenantId: string, id: string, lock = false): Promise<RosterRow | undefined> {
    const rows = (await m.query(`SELECT * FROM rosters WHERE id = $1 AND tenant_id = $2${lock ? ' FOR UPDATE' : ''}`, [id, tenantId])) as RosterRow[];
    return rows[0];
  },

  async findById(m: Q, id: string): Promise<RosterRow | undefined> {
    const rows = (await m.query(`SELECT * FROM rosters WHERE id = $1`, [id])) as RosterRow[];
    return rows[0];
  },

  async list(m: Q, f: { tenantId: string; name?: string; status?: string; page: number; pageSize: number }): Promise<{ rows: RosterRow[]; total: number }> {
    return listPage(m, 'rosters', f);
  },

  async update(m: Q, id: string, fields: { name?: string; description?: string | null }): Promise<RosterRow> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    if (fields.name !== undefined) sets.push(`name = $${params.push(fields.name)}`);
    if (fields.description !== undefined) sets.push(`description = $${params.push(fields.description)}`);
    const [rows] = (await m.query(`UPDATE rosters SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 RETURNING *`, params)) as [RosterRow[], number];
    return rows[0];
  },

  async remove(m: Q, id: string): Promise<void> {
    await m.query(`DELETE FROM roster_entries WHERE roster_id = $1`, [id]);
    await m.query(`DELETE FROM roster_errors WHERE roster_id = $1`, [id]);
    await m.query(`DELETE FROM rosters WHERE id = $1`, [id]);
  },

  async entries(m: Q, rosterId: string, attempt: number, afterRow: number, limit: number): Promise<EntryRow[]> {
    return (await m.query(
      `SELECT row_number, phone, raw_phone, name, variables FROM roster_entries
        WHERE roster_id = $1 AND attempt = $2 AND row_number > $3 ORDER BY row_number LIMIT $4`,
      [rosterId, attempt, afterRow, limit],
    )) as EntryRow[];
  },

  async errors(m: Q, rosterId: string, attempt: number, afterRow: number, limit: number): Promise<ErrorRow[]> {
    return (await m.query(
      `SELECT row_number, raw_phone, reason FROM roster_errors
        WHERE roster_id = $1 AND attempt = $2 AND row_number > $3 ORDER BY row_number LIMIT $4`,
      [rosterId, attempt, afterRow, limit],
    )) as ErrorRow[];
  },

  // ---- import jobs ----

  /** Claims one job whose lease is free or expired; attempt + 1 fences off any earlier holder. */
  async claimJob(m: Q, worker: string, leaseMs: number): Promise<{ roster_id: string; attempt: number; request_id: string | null } | undefined> {
    const rows = (await m.query(
      `UPDATE roster_jobs j SET attempt = j.attempt + 1, claimed_by = $1, lease_until = now() + make_interval(secs => $2::double precision / 1000)
        WHERE j.roster_id = (SELECT roster_id FROM roster_jobs WHERE lease_until IS NULL OR lease_until < now()
                              ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING j.roster_id, j.attempt, j.request_id`,
      [worker, leaseMs],
    )) as [{ roster_id: string; attempt: number; request_id: string | null }[], number];
    return rows[0]?.[0];
  },

  /** Renews the lease; false when another replica took the job over (or the roster is gone). */
  async renewLease(m: Q, rosterId: string, attempt: number, leaseMs: number): Promise<boolean> {
    const [, count] = (await m.query(
      `UPDATE roster_jobs SET lease_until = now() + make_interval(secs => $3::double precision / 1000) WHERE roster_id = $1 AND attempt = $2`,
      [rosterId, attempt, leaseMs],
    )) as [unknown, number];
    return count > 0;
  },

  /** Lets the job go at once (graceful stop, retryable error) so any replica can take it. */
  async releaseJob(m: Q, rosterId: string, attempt: number, delayMs = 0): Promise<void> {
    await m.query(`UPDATE roster_jobs SET lease_until = now() + make_interval(secs => $3::double precision / 1000) WHERE roster_id = $1 AND attempt = $2`, [rosterId, attempt, delayMs]);
  },

  /** Ends the job held with this attempt; false when it is no longer ours. */
  async finishJob(m: Q, rosterId: string, attempt: number): Promise<boolean> {
    const rows = (await m.query(`DELETE FROM roster_jobs WHERE roster_id = $1 AND attempt = $2 RETURNING 1`, [rosterId, attempt])) as [unknown[], number];
    return rows[1] > 0;
  },

  async progress(m: Q, rosterId: string, attempt: number, c: Counts): Promise<void> {
    await m.query(
      `UPDATE rosters r SET processed_rows = $3, total_rows = $4, valid = $5, invalid = $6, duplicate = $7, updated_at = now()
        WHERE r.id = $1 AND r.status = 'validating' AND EXISTS (SELECT 1 FROM roster_jobs j WHERE j.roster_id = $1 AND j.attempt = $2)`,
      [rosterId, attempt, c.processed, c.total, c.valid, c.invalid, c.duplicate],
    );
  },

  async complete(m: Q, rosterId: string, attempt: number, c: Counts, columns: string[]): Promise<RosterRow> {
    const [rows] = (await m.query(
      `UPDATE rosters SET status = 'ready', attempt = $2, processed_rows = $3, total_rows = $4, valid = $5, invalid = $6, duplicate = $7,
              columns = $8, failure_reason = NULL, updated_at = now()
        WHERE id = $1 RETURNING *`,
      [rosterId, attempt, c.processed, c.total, c.valid, c.invalid, c.duplicate, columns],
    )) as [RosterRow[], number];
    await m.query(`DELETE FROM roster_upload_parts WHERE roster_id = $1`, [rosterId]);
    return rows[0];
  },

  async fail(m: Q, rosterId: string, reason: string): Promise<RosterRow> {
    const [rows] = (await m.query(
      `UPDATE rosters SET status = 'failed', failure_reason = $2, total_rows = 0, valid = 0, invalid = 0, duplicate = 0, columns = '{}', updated_at = now()
        WHERE id = $1 RETURNING *`,
      [rosterId, reason],
    )) as [RosterRow[], number];
    await m.query(`DELETE FROM roster_upload_parts WHERE roster_id = $1`, [rosterId]);
    return rows[0];
  },

  /** Rows written by attempts before `attempt` (crashed or superseded ones). */
  async discardEarlier(m: Q, rosterId: string, attempt: number): Promise<void> {
    await m.query(`DELETE FROM roster_entries WHERE roster_id = $1 AND attempt < $2`, [rosterId, attempt]);
    await m.query(`DELETE FROM roster_errors WHERE roster_id = $1 AND attempt < $2`, [rosterId, attempt]);
  },

  /** Rows of one attempt that did not complete the roster. */
  async discardAttempt(m: Q, rosterId: string, attempt: number): Promise<void> {
    await m.query(`DELETE FROM roster_entries WHERE roster_id = $1 AND attempt = $2`, [rosterId, attempt]);
    await m.query(`DELETE FROM roster_errors WHERE roster_id = $1 AND attempt = $2`, [rosterId, attempt]);
  },
};
