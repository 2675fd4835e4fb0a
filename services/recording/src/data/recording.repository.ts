import { listPage, usages } from '@autocall/db';
import type { EntityManager } from 'typeorm';

export interface RecordingRow {
  id: string;
  tenant_id: string;
  name: string;
  file_name: string;
  size_bytes: number;
  duration_ms: number;
  bitrate_kbps: number;
  sample_rate_hz: number;
  channels: number;
  status: 'ready';
  created_at: Date;
  updated_at: Date;
}

type Q = Pick<EntityManager, 'query'>;

const COLUMNS = `id, tenant_id, name, file_name, size_bytes, duration_ms, bitrate_kbps, sample_rate_hz, channels, status, created_at, updated_at`;

export const recordingRepository = {
  async insert(m: Q, r: Omit<RecordingRow, 'created_at' | 'updated_at'>, files: { original: Buffer; ulaw: Buffer; alaw: Buffer }): Promise<RecordingRow> {
    const [row] = (await m.query(
      `INSERT INTO recordings (id, tenant_id, name, file_name, size_bytes, duration_ms, bitrate_kbps, sample_rate_hz, channels, status)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING ${COLUMNS}`,
      [r.id, r.tenant_id, r.name, r.file_name, r.size_bytes, r.duration_ms, r.bitrate_kbps, r.sample_rate_hz, r.channels, r.status],
    )) as RecordingRow[];
    await m.query(`INSERT INTO recording_files (recording_id, original, rendition_ulaw, rendition_alaw) VALUES ($1,$2,$3,$4)`, [r.id, files.original, files.ulaw, files.alaw]);
    return row;
  },

  /** The tenant's recordings and the bytes each stores (the MP3 and its renditions): what counts against its storageBytes. */
  async storedBytes(m: Q, tenantId: string): Promise<{ id: string; bytes: number }[]> {
    return (await m.query(
      `SELECT r.id, (octet_length(f.original) + octet_length(f.rendition_ulaw) + octet_length(f.rendition_alaw))::bigint::text AS bytes
         FROM recordings r JOIN recording_files f ON f.recording_id = r.id WHERE r.tenant_id = $1 ORDER BY r.id`,
      [tenantId],
    ) as { id: string; bytes: string }[]).map((r) => ({ id: r.id, bytes: Number(r.bytes) }));
  },

  async find(m: Q, tenantId: string, id: string, lock?: 'update' | 'share'): Promise<RecordingRow | undefined> {
    const suffix = lock === 'update' ? ' FOR UPDATE' : lock === 'share' ? ' FOR SHARE' : '';
    const rows = (await m.query(`SELECT ${COLUMNS} FROM recordings WHERE id = $1 AND tenant_id = $2${suffix}`, [id, tenantId])) as RecordingRow[];
    return rows[0];
  },

  async list(m: Q, f: { tenantId: string; name?: string; page: number; pageSize: number }): Promise<{ rows: RecordingRow[]; total: number }> {
    return listPage(m, 'recordings', f, COLUMNS);
  },

  async rename(m: Q, tenantId: string, id: string, name: string): Promise<RecordingRow | undefined> {
    const [rows] = (await m.query(`UPDATE recordings SET name = $3, updated_at = now() WHERE id = $1 AND tenant_id = $2 RETURNING ${COLUMNS}`, [id, tenantId, name])) as [RecordingRow[], number];
    return rows[0];
  },

  async remove(m: Q, id: string): Promise<void> {
    await m.query(`DELETE FROM recordings WHERE id = $1`, [id]);
  },

  /** A byte range of the original (substring reads only the TOAST chunks it needs). */
  async originalRange(m: Q, tenantId: string, id: string, start: number, length: number): Promise<Buffer | undefined> {
    const rows = (await m.query(
      `SELECT substring(f.original FROM $3::int FOR $4::int) AS bytes FROM recording_files f JOIN recordings r ON r.id = f.recording_id
       WHERE r.id = $1 AND r.tenant_id = $2`,
      [id, tenantId, start + 1, length],
    )) as { bytes: Buffer }[];
    return rows[0]?.bytes;
  },

  async rendition(m: Q, tenantId: string, id: string, encoding: 'ulaw' | 'alaw'): Promise<Buffer | undefined> {
    const column = encoding === 'alaw' ? 'rendition_alaw' : 'rendition_ulaw';
    const rows = (await m.query(
      `SELECT f.${column} AS bytes FROM recording_files f JOIN recordings r ON r.id = f.recording_id WHERE r.id = $1 AND r.tenant_id = $2`,
      [id, tenantId],
    )) as { bytes: Buffer }[];
    return rows[0]?.bytes;
  },
};

/** Tasks' uses of recordings (recording.reserve / release), checked by the delete. */
export const recordingUsages = usages('recording_usages', 'recording_id');
