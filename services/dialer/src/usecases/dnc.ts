import { commonErrors, decodeCursor, encodeCursor, type DncEntryView, type DncSource } from '@autocall/contracts';
import type { PhoneNormalizer } from '@autocall/phone';
import { readDncImport, type DncImportCaps } from '../adapters/dnc-import';
import type { DncRepository, DncRow } from '../data/dnc.repository';
import { dncPhone, dncSearchDigits } from '../domain/dnc';
import { dialerErrors } from '../domain/errors';

const LIST = 'dnc';

export const dncView = (r: DncRow): DncEntryView => ({
  phone: r.phone,
  rawPhone: r.raw_phone,
  reason: r.reason,
  source: r.source,
  createdAt: r.created_at.toISOString(),
  createdBy: r.created_by,
});

/**
 * The tenant's do-not-call list: add (the API and the `dnc.add` RPC), import, read, remove. Every
 * number is normalised with the roster's rules (@autocall/phone). A listing holds from the moment
 * it is answered: the pre-INVITE check of every call reads the list under the lock the write took.
 */
export class DncList {
  constructor(
    private readonly repo: DncRepository,
    private readonly phones: PhoneNormalizer,
    private readonly defaultCountryCode: string,
    private readonly caps: DncImportCaps,
  ) {}

  async add(tenantId: string, input: { phone: string; reason?: string; source: DncSource; createdBy: string | null }): Promise<{ created: boolean; entry: DncEntryView }> {
    const phone = dncPhone(this.phones, input.phone);
    const { created, row } = await this.repo.add(tenantId, { phone, rawPhone: input.phone, reason: input.reason ?? null, source: input.source, createdBy: input.createdBy });
    return { created, entry: dncView(row) };
  }

  /** Lists every valid number of the workbook (source `import`), a chunk per transaction. */
  async import(tenantId: string, bytes: Buffer, createdBy: string | null): Promise<{ added: number; alreadyListed: number; invalid: number }> {
    let added = 0;
    let valid = 0;
    const { invalid } = await readDncImport(bytes, this.phones, this.caps, async (numbers) => {
      valid += numbers.length;
      added += await this.repo.addMany(tenantId, numbers, 'import', createdBy);
    });
    return { added, alreadyListed: valid - added, invalid };
  }

  /** A path's number: E.164 with its `+`, or as a roster reads it; not a number → 400 INVALID_PHONE. */
  private pathPhone(raw: string): string {
    return dncPhone(this.phones, raw);
  }

  async get(tenantId: string, rawPhone: string): Promise<DncEntryView> {
    const row = await this.repo.get(tenantId, this.pathPhone(rawPhone));
    if (!row) throw dialerErrors.DNC_NOT_FOUND();
    return dncView(row);
  }

  async remove(tenantId: string, rawPhone: string): Promise<void> {
    if (!(await this.repo.remove(tenantId, this.pathPhone(rawPhone)))) throw dialerErrors.DNC_NOT_FOUND();
  }

  async list(tenantId: string, q: { limit: number; cursor?: string; phone?: string; source?: DncSource }) {
    const key = decodeCursor(LIST, q.cursor, 1);
    if (key && (typeof key[0] !== 'string' || !/^[0-9]{1,19}$/.test(key[0]))) throw commonErrors.INVALID_CURSOR();
    const digits = q.phone === undefined ? undefined : dncSearchDigits(q.phone, this.defaultCountryCode);
    // a search with no digit in it finds no number
    if (q.phone !== undefined && digits === undefined) return { items: [], nextCursor: null };
    const rows = await this.repo.list(tenantId, { limit: q.limit + 1, beforeSeq: key?.[0] as string | undefined, digits, source: q.source });
    const page = rows.slice(0, q.limit);
    return { items: page.map(dncView), nextCursor: rows.length > q.limit ? encodeCursor(LIST, [page[page.length - 1].seq]) : null };
  }
}
