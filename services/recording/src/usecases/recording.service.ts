import type { DataSource } from 'typeorm';
import { newId, RecordingCreated, RecordingDeleted, referenceErrors, type Recording } from '@autocall/contracts';
import { publishInTransaction, type OutboxRelay, type TenantStorage } from '@autocall/bus';
import { analyseMp3 } from '../adapters/mp3';
import { makeRendition } from '../adapters/rendition';
import { recordingRepository as repo, recordingUsages, type RecordingRow } from '../data/recording.repository';
import { recordingErrors } from '../domain/errors';
import { parseRange, recordingName, type ByteRange } from '../domain/recording';

/** The key of a recording's storage reservation; the gateway releases it on recording.deleted. */
export const storageKey = (recordingId: string) => `recording:${recordingId}`;

/** A recording as the API shows it: the contract's `Recording` schema. */
export type RecordingView = Recording;

export const toView = (r: RecordingRow): RecordingView => ({
  id: r.id,
  name: r.name,
  fileName: r.file_name,
  sizeBytes: r.size_bytes,
  durationMs: r.duration_ms,
  bitrateKbps: r.bitrate_kbps,
  sampleRateHz: r.sample_rate_hz,
  channels: r.channels,
  status: r.status,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export type AudioRead =
  | { unsatisfiable: true; size: number; fileName: string }
  | { unsatisfiable: false; bytes: Buffer; size: number; range?: ByteRange; fileName: string };

/** The recording use cases: validate by content, render for telephony, store atomically, the in-use rule. */
export class RecordingService {
  constructor(
    private readonly db: DataSource,
    private readonly relay: OutboxRelay,
    private readonly limits: { maxSeconds: number },
    private readonly storage?: TenantStorage,
  ) {}

  async create(tenantId: string, input: { bytes: Buffer; fileName: string; name?: string }, requestId?: string): Promise<RecordingView> {
    const name = recordingName(input.name, input.fileName);
    const mp3 = await analyseMp3(input.bytes, this.limits.maxSeconds);
    const rendition = await makeRendition(mp3);
    const id = newId();
    // what is stored: the MP3 and its two renditions, reserved against the tenant's storageBytes before anything is written
    const key = storageKey(id);
    const reserved = (await this.storage?.reserve(tenantId, key, input.bytes.length + rendition.ulaw.length + rendition.alaw.length, requestId)) ?? false;
    const row = await this.db.transaction(async (m) => {
      const r = await repo.insert(
        m,
        {
          id,
          tenant_id: tenantId,
          name,
          file_name: input.fileName || 'recording.mp3',
          size_bytes: input.bytes.length,
          duration_ms: mp3.durationMs,
          bitrate_kbps: mp3.bitrateKbps,
          sample_rate_hz: mp3.sampleRateHz,
          channels: mp3.channels,
          status: 'ready',
        },
        { original: input.bytes, ulaw: rendition.ulaw, alaw: rendition.alaw },
      );
      await publishInTransaction(m, RecordingCreated, { tenantId, recordingId: r.id, durationMs: r.duration_ms }, { requestId });
      return r;
    }).catch(async (err: unknown) => {
      if (reserved) await this.storage!.release(tenantId, key, requestId);
      throw err;
    });
    this.relay.nudge();
    return toView(row);
  }

  async get(tenantId: string, id: string): Promise<RecordingView> {
    const row = await repo.find(this.db.manager, tenantId, id);
    if (!row) throw recordingErrors.RECORDING_NOT_FOUND();
    return toView(row);
  }

  async list(tenantId: string, q: { page: number; pageSize: number; name?: string }) {
    const { rows, total } = await repo.list(this.db.manager, { tenantId, ...q });
    return { items: rows.map(toView), page: q.page, pageSize: q.pageSize, total };
  }

  async rename(tenantId: string, id: string, name: string): Promise<RecordingView> {
    const row = await repo.rename(this.db.manager, tenantId, id, recordingName(name, ''));
    if (!row) throw recordingErrors.RECORDING_NOT_FOUND();
    return toView(row);
  }

  async remove(tenantId: string, id: string, requestId?: string): Promise<void> {
    await this.db.transaction(async (m) => {
      const current = await repo.find(m, tenantId, id, 'update');
      if (!current) throw recordingErrors.RECORDING_NOT_FOUND();
      if (await recordingUsages.inUse(m, id)) throw recordingErrors.RECORDING_IN_USE();
      await repo.remove(m, id);
      await publishInTransaction(m, RecordingDeleted, { tenantId, recordingId: id }, { requestId });
    });
    this.relay.nudge();
  }

  /** The original bytes, or the asked range of them. */
  async audio(tenantId: string, id: string, rangeHeader: string | undefined): Promise<AudioRead> {
    const row = await repo.find(this.db.manager, tenantId, id);
    if (!row) throw recordingErrors.RECORDING_NOT_FOUND();
    const range = parseRange(rangeHeader, row.size_bytes);
    if (range === 'unsatisfiable') return { unsatisfiable: true, size: row.size_bytes, fileName: row.file_name };
    const start = range?.start ?? 0;
    const length = range ? range.end - range.start + 1 : row.size_bytes;
    const bytes = await repo.originalRange(this.db.manager, tenantId, id, start, length);
    if (!bytes) throw recordingErrors.RECORDING_NOT_FOUND(); // deleted meanwhile
    return { unsatisfiable: false, bytes, size: row.size_bytes, range, fileName: row.file_name };
  }

  async rendition(tenantId: string, id: string, encoding: 'ulaw' | 'alaw'): Promise<Buffer> {
    const bytes = await repo.rendition(this.db.manager, tenantId, id, encoding);
    if (!bytes) throw recordingErrors.RECORDING_NOT_FOUND();
    return bytes;
  }

  /** What the tenant stores, by storage key (the backfill when its storage limit is set). */
  async stored(tenantId: string) {
    return (await repo.storedBytes(this.db.manager, tenantId)).map((r) => ({ key: storageKey(r.id), bytes: r.bytes }));
  }

  async storedExists(tenantId: string, key: string) {
    return key.startsWith('recording:') && (await repo.find(this.db.manager, tenantId, key.slice('recording:'.length))) !== undefined;
  }

  // ---- RPC side (task service) ----
  async lookup(tenantId: string, id: string) {
    const row = await repo.find(this.db.manager, tenantId, id);
    return row ? { found: true, status: row.status, durationMs: row.duration_ms, name: row.name } : { found: false };
  }

  /** FOR SHARE on the recording: a concurrent delete (FOR UPDATE) waits, then sees the usage. */
  async reserve(tenantId: string, recordingId: string, taskId: string) {
    await this.db.transaction(async (m) => {
      const row = await repo.find(m, tenantId, recordingId, 'share');
      if (!row) throw referenceErrors.RECORDING_NOT_FOUND();
      await recordingUsages.reserve(m, tenantId, taskId, [recordingId]);
    });
    return { ok: true };
  }

  async release(tenantId: string, taskId: string) {
    await recordingUsages.release(this.db.manager, tenantId, taskId);
    return { ok: true };
  }
}
