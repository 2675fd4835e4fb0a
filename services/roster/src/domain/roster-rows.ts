import { ImportFailure } from './import-failure';
import { headerKey, isPhoneHeader, type PhoneNormalizer } from '@autocall/phone';

export type RowReason = 'EMPTY' | 'NOT_A_NUMBER' | 'TOO_SHORT' | 'TOO_LONG' | 'INVALID_NUMBER' | 'FOREIGN_NUMBER' | 'DUPLICATE' | 'VALUE_TOO_LONG' | 'ROW_TOO_LARGE';

/** API.md "size caps": the longest header cell, cell (also the most an error row quotes) and entry variables (JSON, UTF-8 bytes). */
export const MAX_HEADER_CHARS = 100;
export const MAX_CELL_CHARS = 500;
export const MAX_VARIABLES_BYTES = 4096;

export interface ParseCounts {
  processed: number;
  total: number;
  valid: number;
  invalid: number;
  duplicate: number;
}

/** Where parsed rows go (COPY streams in production). A sink's failure is not the file's fault. */
export interface RowSink {
  /** `variables` is a JSON object text, built without ever creating a JS object keyed by headers. */
  entry(rowNumber: number, phone: string, rawPhone: string, name: string | null, variables: string): Promise<void> | void;
  error(rowNumber: number, rawPhone: string, reason: RowReason): Promise<void> | void;
}

export class SinkError extends Error {
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'SinkError';
  }
}

export class ImportAborted extends Error {
  constructor() {
    super('import aborted');
    this.name = 'ImportAborted';
  }
}

const NAME_HEADERS = ['name', 'nama', 'full name', 'nama lengkap', 'customer name', 'nama pelanggan'];
const NAME_KEYS = new Set(NAME_HEADERS);

/** A row as the reader yields it: its non-empty columns, their text (cut to MAX_CELL_CHARS), whether a cell was cut. */
export interface RowCells {
  readonly count: number;
  readonly cols: ArrayLike<number>;
  readonly hasText: boolean;
  readonly tooLong: boolean;
  text(col: number): string;
}

/** What the roster's text may still expand to (shared with the reader, which counts cells). */
export interface TextBudget {
  left: number;
  limit: number;
}

export interface RowRuleOptions {
  maxRows: number;
  /** Most columns (non-empty header cells, the phone one included). */
  maxColumns: number;
  phones: PhoneNormalizer;
  sink: RowSink;
  /** Called as rows go by (the caller throttles its own writes). */
  onProgress: (c: ParseCounts) => void;
}

/** The text budget spent: the roster is too large. */
export const textTooLarge = (maxExpandedBytes: number) =>
  new ImportFailure('ROSTER_TOO_LARGE', `The roster's text (its cells as read, its entries' variables) expands to more than ${maxExpandedBytes} bytes.`);

interface SheetInfo {
  name: string;
}

/** The sheet named `Roster` (case-insensitive), else the workbook's first sheet (in tab order). */
export function pickSheet<S extends SheetInfo>(sheets: S[]): S | undefined {
  return sheets.find((s) => s.name.trim().toLowerCase() === 'roster') ?? sheets[0];
}

/**
 * Phone numbers seen so far (E.164 digits as doubles: exact below 2^53), open addressing over a
 * Float64Array: 8 bytes a slot instead of a heap number and hash entry per row in a Set.
 */
export class PhoneSet {
  private slots = new Float64Array(1 << 16);
  private mask = (1 << 16) - 1;
  private size = 0;

  private slot(key: number): number {
    const lo = key % 4294967296 | 0;
    const hi = (key / 4294967296) | 0;
    return Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) & this.mask;
  }

  /** Adds key (> 0); false when it was there already. */
  add(key: number): boolean {
    let i = this.slot(key);
    for (;;) {
      const v = this.slots[i];
      if (v === 0) break;
      if (v === key) return false;
      i = (i + 1) & this.mask;
    }
    this.slots[i] = key;
    if (++this.size * 2 > this.slots.length) this.grow();
    return true;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2);
    this.mask = this.slots.length - 1;
    for (const key of old) {
      if (key === 0) continue;
      let i = this.slot(key);
      while (this.slots[i] !== 0) i = (i + 1) & this.mask;
      this.slots[i] = key;
    }
  }
}

const wrapSink = (f: () => Promise<void> | void): Promise<void> | void => {
  let p: Promise<void> | void;
  try {
    p = f();
  } catch (err) {
    throw new SinkError(err);
  }
  return p ? p.catch((err: unknown) => Promise.reject(new SinkError(err))) : undefined;
};

/**
 * The roster's row rules, row by row: the header row (the first non-blank row) names the phone
 * column, the name column and the variables; every later non-blank row is classified (phone
 * normalisation, reasons, duplicates) and handed to the sink. Memory stays flat except for the
 * duplicate set (8 bytes a slot). `end()` answers the counts and columns once the sheet is read.
 */
export function rosterRows(opts: RowRuleOptions, text: TextBudget) {
  const counts: ParseCounts = { processed: 0, total: 0, valid: 0, invalid: 0, duplicate: 0 };
  const seen = new PhoneSet();
  const columns: string[] = [];
  let phoneCol = -1;
  let nameCol = -1;
  const varCols: number[] = [];
  const varKeys: string[] = [];
  let headerSeen = false;

  const classify = (number: number, row: RowCells): Promise<void> | void => {
    if (!headerSeen) {
      const headers: { col: number; text: string }[] = [];
      for (let k = 0; k < row.count; k++) {
        const c = row.cols[k];
        const t = row.text(c).trim();
        if (t !== '') headers.push({ col: c, text: t });
      }
      if (headers.length === 0) return;
      headerSeen = true;
      if (headers.length > opts.maxColumns) throw new ImportFailure('ROSTER_TOO_MANY_COLUMNS', `The roster has ${headers.length} columns; at most ${opts.maxColumns} are allowed.`);
      if (row.tooLong || headers.some((h) => h.text.length > MAX_HEADER_CHARS)) throw new ImportFailure('ROSTER_HEADER_INVALID', `A header cell is longer than ${MAX_HEADER_CHARS} characters.`);
      headers.sort((a, b) => a.col - b.col);
      const phone = headers.find((h) => isPhoneHeader(h.text));
      if (!phone) throw new ImportFailure('ROSTER_NO_PHONE_COLUMN', 'No header names a phone column (Phone Number, Phone, Nomor, No HP, …).');
      phoneCol = phone.col;
      const used = new Set<string>();
      for (const h of headers) {
        if (h.col === phoneCol) continue;
        let name = h.text;
        for (let i = 2; used.has(name); i++) name = `${h.text} (${i})`;
        used.add(name);
        varCols.push(h.col);
        varKeys.push(JSON.stringify(name));
        columns.push(name);
        if (nameCol < 0 && NAME_KEYS.has(headerKey(h.text))) nameCol = h.col;
      }
      return;
    }
    if (!row.hasText) return;
    if (counts.total >= opts.maxRows) throw new ImportFailure('ROSTER_TOO_MANY_ROWS', `The roster has more than ${opts.maxRows} rows.`);
    counts.total++;
    counts.processed++;
    if ((counts.total & 1023) === 0) opts.onProgress(counts);
    // Every cell is at most MAX_CELL_CHARS (longer ones arrive cut): so is every quote below.
    const rawPhone = row.text(phoneCol).trim();
    if (row.tooLong) {
      counts.invalid++;
      return wrapSink(() => opts.sink.error(number, rawPhone, 'VALUE_TOO_LONG'));
    }
    const result = opts.phones.normalize(rawPhone);
    if (!result.ok) {
      counts.invalid++;
      return wrapSink(() => opts.sink.error(number, rawPhone, result.reason));
    }
    let vars = '{';
    for (let i = 0; i < varCols.length; i++) {
      if (i > 0) vars += ',';
      vars += `${varKeys[i]}:${JSON.stringify(row.text(varCols[i]).trim())}`;
    }
    vars += '}';
    // What the entry stores counts against the text budget too: keys repeat in every row, so
    // 50 long headers over a million rows of empty cells would store gigabytes read from nothing.
    if ((text.left -= vars.length) < 0) throw textTooLarge(text.limit);
    // Measured on the text built once; UTF-8 is at most 3 bytes per UTF-16 unit, so bytes are counted only near the cap.
    if (vars.length * 3 > MAX_VARIABLES_BYTES && (vars.length > MAX_VARIABLES_BYTES || Buffer.byteLength(vars) > MAX_VARIABLES_BYTES)) {
      // Before the duplicate check: a row not kept is no first to later duplicates.
      counts.invalid++;
      return wrapSink(() => opts.sink.error(number, rawPhone, 'ROW_TOO_LARGE'));
    }
    if (!seen.add(Number(result.e164.slice(1)))) {
      counts.duplicate++;
      return wrapSink(() => opts.sink.error(number, rawPhone, 'DUPLICATE'));
    }
    counts.valid++;
    const name = nameCol >= 0 ? row.text(nameCol).trim() || null : null;
    return wrapSink(() => opts.sink.entry(number, result.e164, rawPhone, name, vars));
  };

  const end = (): { counts: ParseCounts; columns: string[] } => {
    if (!headerSeen || counts.total === 0) throw new ImportFailure('ROSTER_EMPTY', 'The roster has no non-blank row.');
    opts.onProgress(counts);
    return { counts, columns };
  };
  return { row: classify, end };
}
