import { PassThrough, type Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { commonErrors, decodeCursor, encodeCursor, escapeFormula, newId, referenceErrors, RosterDeleted, type Roster } from '@autocall/contracts';
import { publishInTransaction, type OutboxRelay, type TenantStorage } from '@autocall/bus';
import { inspectXlsx } from '@autocall/xlsx';
import { rosterRepository as repo, rosterUsages, type RosterRow } from '../data/roster.repository';
import { rosterErrors } from '../domain/errors';

/** exceljs is loaded on first use (template, errors export): ~28 MB the service does not hold until then. */
const excel = async () => (await import('exceljs')).default;

/** The key of a roster's storage reservation; the gateway releases it on roster.deleted. */
export const storageKey = (rosterId: string) => `roster:${rosterId}`;

/** A roster as the API shows it: the contract's `Roster` schema. */
export type RosterView = Roster;

export const toView = (r: RosterRow): RosterView => ({
  id: r.id,
  name: r.name,
  description: r.description,
  fileName: r.file_name,
  sizeBytes: Number(r.size_bytes),
  status: r.status,
  progress: { processedRows: r.processed_rows },
  counts: { totalRows: r.total_rows, valid: r.valid, invalid: r.invalid, duplicate: r.duplicate },
  failureReason: r.failure_reason,
  columns: r.columns,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export interface UploadLimits {
  maxUncompressedBytes: number;
  maxRatio: number;
}

/** Roster rules outside the import itself: upload checks, reads, edits, the in-use rule. */
export class RosterService {
  constructor(
    private readonly db: DataSource,
    private readonly relay: OutboxRelay,
    private readonly limits: UploadLimits,
    /** Called once an upload is stored (committed), with its bytes: its import may start from them. */
    private readonly onUploaded: (rosterId: string, bytes: Buffer) => void,
    private readonly storage?: TenantStorage,
  ) {}

  /** Everything knowable before reading rows is checked here; the import runs from the stored job. */
  async create(tenantId: string, input: { name: string; description: string | null; fileName: string; bytes: Buffer }, requestId?: string): Promise<RosterView> {
    const verdict = inspectXlsx(input.bytes, { maxUncompressedBytes: this.limits.maxUncompressedBytes, maxRatio: this.limits.maxRatio });
    if (verdict.kind === 'not-xlsx') throw rosterErrors.ROSTER_NOT_XLSX();
    if (verdict.kind === 'too-large') throw rosterErrors.ROSTER_TOO_LARGE(verdict.detail);
    // 'encrypted' is accepted here: the import fails it as ROSTER_UNREADABLE, as API.md says.
    const id = newId();
    // the upload's size (sizeBytes) is what counts against the tenant's storageBytes, reserved before anything is written
    const key = storageKey(id);
    const reserved = (await this.storage?.reserve(tenantId, key, input.bytes.length, requestId)) ?? false;
    const row = await this.db
      .transaction((m) => repo.insert(m, { id, tenant_id: tenantId, name: input.name, description: input.description, file_name: input.fileName, size_bytes: input.bytes.length }, input.bytes, requestId))
      .catch(async (err: unknown) => {
        if (reserved) await this.storage!.release(tenantId, key, requestId);
        throw err;
      });
    this.onUploaded(row.id, input.bytes);
    return toView(row);
  }

  /** What the tenant stores, by storage key (the backfill when its storage limit is set). */
  async stored(tenantId: string) {
    return (await repo.storedBytes(this.db.manager, tenantId)).map((r) => ({ key: storageKey(r.id), bytes: r.bytes }));
  }

  async storedExists(tenantId: string, key: string) {
    return key.startsWith('roster:') && (await repo.find(this.db.manager, tenantId, key.slice('roster:'.length))) !== undefined;
  }

  /** Waits (polling) until the import ended or the time ran out. */
  async waitForEnd(tenantId: string, id: string, timeoutMs: number): Promise<RosterView> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const row = await repo.find(this.db.manager, tenantId, id);
      if (!row) throw rosterErrors.ROSTER_NOT_FOUND();
      if (row.status !== 'validating' || Date.now() > end) return toView(row);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async mine(tenantId: string, id: string): Promise<RosterRow> {
    const row = await repo.find(this.db.manager, tenantId, id);
    if (!row) throw rosterErrors.ROSTER_NOT_FOUND();
    return row;
  }

  async get(tenantId: string, id: string): Promise<RosterView> {
    return toView(await this.mine(tenantId, id));
  }

  async list(tenantId: string, q: { page: number; pageSize: number; name?: string; status?: string }) {
    const { rows, total } = await repo.list(this.db.manager, { tenantId, ...q });
    return { items: rows.map(toView), page: q.page, pageSize: q.pageSize, total };
  }

  async update(tenantId: string, id: string, input: { name?: string; description?: string | null }): Promise<RosterView> {
    const row = await this.db.transaction(async (m) => {
      if (!(await repo.find(m, tenantId, id, true))) throw rosterErrors.ROSTER_NOT_FOUND();
      return repo.update(m, id, input);
    });
    return toView(row);
  }

  async remove(tenantId: string, id: string, requestId?: string): Promise<void> {
    await this.db.transaction(async (m) => {
      if (!(await repo.find(m, tenantId, id, true))) throw rosterErrors.ROSTER_NOT_FOUND();
      if (await rosterUsages.inUse(m, id)) throw rosterErrors.ROSTER_IN_USE();
      await repo.remove(m, id);
      await publishInTransaction(m, RosterDeleted, { tenantId, rosterId: id }, { requestId });
    });
    this.relay.nudge();
  }

  async entries(tenantId: string, id: string, q: { limit: number; cursor?: string }) {
    const after = this.afterRow('roster-entries', id, q.cursor);
    const row = await this.mine(tenantId, id);
    if (row.status !== 'ready') return { items: [], nextCursor: null };
    const rows = await repo.entries(this.db.manager, id, row.attempt, after, q.limit);
    const items = rows.map((r) => ({ rowNumber: r.row_number, phone: r.phone, rawPhone: r.raw_phone, name: r.name, variables: r.variables }));
    return { items, nextCursor: rows.length === q.limit ? encodeCursor('roster-entries', [id, rows[rows.length - 1].row_number]) : null };
  }

  async errors(tenantId: string, id: string, q: { limit: number; cursor?: string }) {
    const after = this.afterRow('roster-errors', id, q.cursor);
    const row = await this.mine(tenantId, id);
    if (row.status !== 'ready') return { items: [], nextCursor: null };
    const rows = await repo.errors(this.db.manager, id, row.attempt, after, q.limit);
    const items = rows.map((r) => ({ rowNumber: r.row_number, rawPhone: r.raw_phone, reason: r.reason }));
    return { items, nextCursor: rows.length === q.limit ? encodeCursor('roster-errors', [id, rows[rows.length - 1].row_number]) : null };
  }

  /** Keyset cursors carry the roster id too: a cursor of another roster is INVALID_CURSOR. */
  private afterRow(list: string, id: string, cursor: string | undefined): number {
    const key = decodeCursor(list, cursor, 2);
    if (!key) return 0;
    if (key[0] !== id || !Number.isInteger(key[1])) throw commonErrors.INVALID_CURSOR();
    return key[1] as number;
  }

  /** The row errors as a streamed .xlsx (formula-like cells escaped), read in keyset batches. */
  async errorsXlsx(tenantId: string, id: string): Promise<{ fileName: string; stream: Readable }> {
    const row = await this.mine(tenantId, id);
    const ExcelJS = await excel();
    const out = new PassThrough();
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: false });
    const ws = wb.addWorksheet('Errors');
    ws.addRow(['Row Number', 'Phone Number', 'Reason']).commit();
    const write = async () => {
      let after = 0;
      if (row.status === 'ready') {
        for (;;) {
          const batch = await repo.errors(this.db.manager, id, row.attempt, after, 5000);
          for (const e of batch) ws.addRow([e.row_number, escapeFormula(e.raw_phone), e.reason]).commit();
          if (batch.length < 5000) break;
          after = batch[batch.length - 1].row_number;
        }
      }
      ws.commit();
      await wb.commit();
    };
    write().catch((err: unknown) => out.destroy(err as Error));
    return { fileName: `${row.name.replace(/[^\w .-]+/g, '_')}-errors.xlsx`, stream: out };
  }

  // ---- RPC ----

  async lookup(tenantId: string, rosterId: string) {
    const row = await repo.find(this.db.manager, tenantId, rosterId);
    if (!row) return { found: false };
    return { found: true, status: row.status, name: row.name, columns: row.columns, counts: { totalRows: row.total_rows, valid: row.valid, invalid: row.invalid, duplicate: row.duplicate } };
  }

  async reserve(tenantId: string, rosterId: string, taskId: string) {
    await this.db.transaction(async (m) => {
      // FOR UPDATE: a delete of this roster waits for us (or we for it), never a window in between.
      // not the tenant's: the task service answers 422 ROSTER_NOT_FOUND (API.md)
      if (!(await repo.find(m, tenantId, rosterId, true))) throw referenceErrors.ROSTER_NOT_FOUND();
      await rosterUsages.reserve(m, tenantId, taskId, [rosterId]);
    });
    return { ok: true };
  }

  async release(tenantId: string, taskId: string) {
    await rosterUsages.release(this.db.manager, tenantId, taskId);
    return { ok: true };
  }

  async entriesPage(tenantId: string, rosterId: string, afterRowNumber: number, limit: number) {
    const row = await repo.find(this.db.manager, tenantId, rosterId);
    if (!row) throw referenceErrors.ROSTER_NOT_FOUND();
    if (row.status !== 'ready') return { entries: [], nextAfterRowNumber: null };
    const rows = await repo.entries(this.db.manager, rosterId, row.attempt, afterRowNumber, limit);
    return {
      entries: rows.map((r) => ({ rowNumber: r.row_number, phone: r.phone, name: r.name, variables: r.variables })),
      nextAfterRowNumber: rows.length === limit ? rows[rows.length - 1].row_number : null,
    };
  }
}

/** The standard template, built once. */
export async function buildTemplate(): Promise<Buffer> {
  const ExcelJS = await excel();
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Roster');
  ws.columns = [
    { header: 'Phone Number', key: 'phone', width: 20, style: { numFmt: '@' } },
    { header: 'Name', key: 'name', width: 30 },
  ];
  ws.getRow(1).font = { bold: true };
  ws.getCell('A1').numFmt = '@';
  // Format a generous range of the phone column as text so Excel keeps leading zeros.
  for (let r = 2; r <= 1000; r++) ws.getCell(`A${r}`).numFmt = '@';
  const help = wb.addWorksheet('Instructions');
  help.getColumn(1).width = 110;
  for (const line of [
    'How to fill in this roster',
    '',
    '1. One person per row in the "Roster" sheet; row 1 is the header and must stay.',
    '2. Phone Number: Indonesian numbers without the country code, e.g. 87630021323 (087630021323, 6287630021323 and +6287630021323 are accepted too).',
    '   The column is formatted as text so Excel keeps leading zeros; spaces, dashes, dots and parentheses are ignored.',
    '3. Name: how the person is addressed; it is available in SMS templates as {{name}}.',
    '4. Any further column (e.g. "Order Id") becomes an SMS variable named after its header: {{Order Id}}.',
    '5. Blank rows are skipped. Invalid and duplicate numbers are listed with a reason after the upload.',
    '6. The sheet named "Roster" is read (or the first sheet if none is named so); up to 1,048,575 rows.',
    '7. Up to 50 columns, each header up to 100 characters; a cell over 500 characters, or a row whose extra columns hold over 4 KB together, is listed as invalid.',
  ]) help.addRow([line]);
  help.getRow(1).font = { bold: true };
  return Buffer.from(await wb.xlsx.writeBuffer());
}
