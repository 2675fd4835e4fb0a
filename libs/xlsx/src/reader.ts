import { StringDecoder } from 'node:string_decoder';
import { NoWorksheet, TextBudgetExceeded, TooManySharedStrings, XlsxError } from './errors';
import { partChunks, zipDirectory, type InflateBudget, type ZipEntry } from './zip';

/**
 * A streaming xlsx reader made for one job: hand over the rows of one worksheet as cell texts.
 * The upload is already in memory, so the zip is read by its central directory (zipDirectory:
 * random access, no temp files, parts read in any order), each part is inflated as a stream with its size
 * counted (a part that inflates past what the directory announced, or past the total budget, is
 * stopped at once: the zip-bomb check happens while reading, not in a separate pass), and the
 * XML is scanned with indexOf over decoded chunks (no DOM, no SAX event per node).
 *
 * Imports nothing but node: modules: it also runs inside the roster's import worker thread.
 */

/** A part's text, decoded (UTF-8) chunk by chunk. */
async function* partText(buf: Buffer, e: ZipEntry, budget: InflateBudget): AsyncGenerator<string> {
  const dec = new StringDecoder('utf8');
  let first = true;
  for await (const chunk of partChunks(buf, e, budget)) {
    let s = dec.write(chunk);
    if (first && s.length > 0) {
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      first = false;
    }
    if (s) yield s;
  }
  const rest = dec.end();
  if (rest) yield rest;
}

/** A small part, whole (workbook.xml, rels). */
async function partString(buf: Buffer, e: ZipEntry, budget: InflateBudget): Promise<string> {
  let s = '';
  for await (const t of partText(buf, e, budget)) s += t;
  return s;
}

// ---- XML helpers (just enough for SpreadsheetML) ----

const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntity(_m: string, e: string): string {
  if (e.charCodeAt(0) === 35 /* # */) {
    const code = e.charCodeAt(1) === 120 /* x */ ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    if (code >= 0xd800 && code <= 0xdfff) return '\ufffd'; // a lone surrogate: no JSON or PostgreSQL text takes it
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
  }
  return NAMED[e];
}

/** Element text: entities decoded, CDATA unwrapped. */
export function xmlText(raw: string): string {
  if (raw.indexOf('<') >= 0) raw = raw.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_m, c: string) => c.replace(/&/g, '&amp;')).replace(/<[^>]*>/g, '');
  return raw.indexOf('&') >= 0 ? raw.replace(ENTITY, decodeEntity) : raw;
}

const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

/** The value of attribute `name` inside the tag text s[from, to) (`name` may carry a prefix: `:id` matches `r:id`). */
export function attr(s: string, from: number, to: number, name: string): string | undefined {
  // Searched in the tag's own text: an unbounded indexOf would run to the next occurrence
  // anywhere in the chunk (quadratic on sheets where the name is rare).
  const tag = s.slice(from, to);
  const prefixed = name.charCodeAt(0) === 58; /* ':' */
  for (let p = 0; ; ) {
    const i = tag.indexOf(name, p);
    if (i < 0) return undefined;
    const before = tag.charCodeAt(i - 1);
    let j = i + name.length;
    while (isSpace(tag.charCodeAt(j))) j++;
    if ((prefixed || isSpace(before)) && tag.charCodeAt(j) === 61 /* = */) {
      j++;
      while (isSpace(tag.charCodeAt(j))) j++;
      const q = tag.charCodeAt(j);
      if (q === 34 || q === 39) {
        const end = tag.indexOf(q === 34 ? '"' : "'", j + 1);
        return end < 0 ? undefined : xmlText(tag.slice(j + 1, end));
      }
    }
    p = i + 1;
  }
}

/** Index of the next start tag `<name` (followed by space, `>` or `/`) in s[from, to), else -1. */
function openTag(s: string, tag: string, from: number, to: number): number {
  for (let p = from; ; ) {
    const i = s.indexOf(tag, p);
    if (i < 0 || i >= to) return -1;
    const c = s.charCodeAt(i + tag.length);
    if (c === 62 || c === 47 || isSpace(c)) return i;
    p = i + 1;
  }
}

/** The namespace prefix of the document element (`x:` for `<x:worksheet>`), '' when none. */
function rootPrefix(s: string): string | undefined {
  for (let p = 0; ; ) {
    const i = s.indexOf('<', p);
    if (i < 0 || i + 1 >= s.length) return undefined;
    const c = s.charCodeAt(i + 1);
    if (c === 63 /* ? */ || c === 33 /* ! */) {
      p = i + 1;
      continue;
    }
    let j = i + 1;
    while (j < s.length && !isSpace(s.charCodeAt(j)) && s.charCodeAt(j) !== 62 && s.charCodeAt(j) !== 47) j++;
    if (j >= s.length) return undefined;
    const name = s.slice(i + 1, j);
    const colon = name.indexOf(':');
    return colon < 0 ? '' : name.slice(0, colon + 1);
  }
}

/**
 * The text of a string item (`<si>` or `<is>` content, s[from, to)): the `<t>` of every run,
 * phonetic runs (`<rPh>`) left out — what Excel shows.
 */
function richText(whole: string, from: number, to: number, p: string): string {
  // Worked on the item's own text, so no search runs past it (see attr).
  const s = whole.slice(from, to);
  from = 0;
  to = s.length;
  const T = `<${p}t`;
  const TC = `</${p}t>`;
  const PH = `<${p}rPh`;
  const PHC = `</${p}rPh>`;
  let out = '';
  let skipUntil = -1;
  let nextPh = s.indexOf(PH, from);
  for (let q = from; ; ) {
    const i = openTag(s, T, q, to);
    if (i < 0) break;
    if (nextPh >= 0 && nextPh < i) {
      const end = s.indexOf(PHC, nextPh);
      skipUntil = end < 0 ? to : end;
      nextPh = s.indexOf(PH, skipUntil);
    }
    const gt = s.indexOf('>', i);
    if (gt < 0 || gt >= to) break;
    if (s.charCodeAt(gt - 1) === 47) {
      q = gt + 1;
      continue;
    }
    const end = s.indexOf(TC, gt);
    if (end < 0 || end > to) throw new XlsxError('unterminated text element');
    if (i > skipUntil) out += xmlText(s.slice(gt + 1, end));
    q = end + TC.length;
  }
  return out;
}

// ---- shared strings: one buffer of UTF-8 plus offsets (compact: no JS string per item) ----

/**
 * Most of an item the table keeps, UTF-8 bytes (cut back to a character boundary). A cell longer
 * than the cell cap (500 characters) is never stored whole anywhere, so neither is a longer shared string: the
 * table keeps what a cell may quote (2048 bytes are more than 500 characters of any script: a
 * character is at most 3 bytes per UTF-16 unit) and the item's full length, which is what each
 * reference to it counts against the text budget. A 1 MiB string costs 2 KiB, however it is used.
 */
const KEEP_BYTES = 2048;
/** Most of an item kept when it is built as a JS string (rich text): more than the cell cap. */
const KEEP_CHARS = 512;

/**
 * Most items the table takes: each costs 4 bytes of offsets even when empty, so 1 GiB of `<si><t/></si>`
 * (an upload of ~11 MB) would otherwise hold ~0.5 GB outside the thread's heap. 2^24 is 16 distinct
 * strings for each of the 1,048,575 rows a sheet may have; the offsets then take at most 64 MiB.
 */
export const MAX_SHARED_STRINGS = 1 << 24;

export class SharedStrings {
  private bytes: Buffer;
  private used = 0;
  private offsets: Uint32Array;
  private n = 0;
  /** Full UTF-8 length of the items kept cut, by index (rare: items over KEEP_CHARS). */
  private readonly cut = new Map<number, number>();

  /**
   * `capacity`: the part's XML size, an upper bound of its text. Reserved at once but never
   * written beyond what the strings take (untouched pages cost no RSS): no copy on growth, no
   * old + new buffers held together.
   */
  constructor(
    capacity = 64 * 1024,
    private readonly maxItems = MAX_SHARED_STRINGS,
  ) {
    this.bytes = Buffer.allocUnsafe(Math.min(Math.max(capacity, 1024), 256 * 1024 * 1024));
    // no larger than the cap needs, so a small cap is exact too (it is checked when this grows)
    this.offsets = new Uint32Array(Math.min(1024, maxItems + 1));
  }

  get length(): number {
    return this.n;
  }

  add(s: string): void {
    if (s.length > KEEP_CHARS) {
      this.cut.set(this.n, Buffer.byteLength(s));
      s = s.slice(0, KEEP_CHARS);
    }
    this.reserve(Buffer.byteLength(s));
    this.offsets[this.n] = this.used;
    this.used += this.bytes.write(s, this.used);
    this.n++;
    this.offsets[this.n] = this.used;
  }

  /** Adds the UTF-8 in src[from, to) as one item (kept cut to KEEP_BYTES). */
  addBytes(src: Buffer, from: number, to: number): void {
    if (to - from > KEEP_BYTES) {
      this.cut.set(this.n, to - from);
      let end = from + KEEP_BYTES;
      while (end > from && (src[end] & 0xc0) === 0x80) end--; // not inside a character
      to = end;
    }
    const need = to - from;
    this.reserve(need);
    this.offsets[this.n] = this.used;
    if (need > 64) this.used += src.copy(this.bytes, this.used, from, to);
    else {
      const dst = this.bytes;
      let u = this.used;
      for (let i = from; i < to; i++) dst[u++] = src[i];
      this.used = u;
    }
    this.n++;
    this.offsets[this.n] = this.used;
  }

  private reserve(need: number): void {
    if (this.used + need > this.bytes.length) {
      const next = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + need));
      this.bytes.copy(next, 0, 0, this.used);
      this.bytes = next;
    }
    if (this.n + 2 > this.offsets.length) {
      if (this.n >= this.maxItems) throw new TooManySharedStrings(this.maxItems);
      const next = new Uint32Array(Math.min(this.offsets.length * 2, this.maxItems + 1));
      next.set(this.offsets);
      this.offsets = next;
    }
  }

  /** The full UTF-8 length of the item `get` answered last (what it expands to wherever it is referenced): one lookup per reference, not two. */
  lastSize = 0;

  /** Item i's text as kept: whole, or its start when it is longer than a cell may be. Sets lastSize. */
  get(i: number): string {
    if (!(i >= 0 && i < this.n)) {
      this.lastSize = 0;
      return '';
    }
    const from = this.offsets[i];
    const to = this.offsets[i + 1];
    const kept = to - from;
    this.lastSize = kept < KEEP_CHARS ? kept : (this.cut.get(i) ?? kept);
    return this.bytes.toString('utf8', from, to);
  }

  /** Item i's full UTF-8 length. */
  size(i: number): number {
    if (!(i >= 0 && i < this.n)) return 0;
    const kept = this.offsets[i + 1] - this.offsets[i];
    return kept < KEEP_CHARS ? kept : (this.cut.get(i) ?? kept);
  }
}

const isTagEnd = (c: number) => c === 62 || c === 47 || isSpace(c);

// Byte scanning in plain loops: per-item calls into Buffer's native indexOf/compare/copy cost
// more than the few bytes each one looks at (measured: 3x slower than the string scan).

/** Whether b holds pat at `at`. */
function bytesAt(b: Uint8Array, at: number, pat: Uint8Array): boolean {
  if (at < 0 || at + pat.length > b.length) return false;
  for (let k = 0; k < pat.length; k++) if (b[at + k] !== pat[k]) return false;
  return true;
}

/** Index of byte c in b[from, to), else -1. */
function byteIn(b: Uint8Array, c: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (b[i] === c) return i;
  return -1;
}

/** Index of pat in b[from, to) (the match may end past `to`), else -1. */
function bytesIn(b: Uint8Array, pat: Uint8Array, from: number, to: number): number {
  const first = pat[0];
  for (let i = from; i < to; i++) if (b[i] === first && bytesAt(b, i, pat)) return i;
  return -1;
}

/** Index of the next start tag `tag` (`<name`, bytes) in b[from, to), else -1 (also when it may continue past the end). */
function openTagBytes(b: Uint8Array, tag: Uint8Array, from: number, to: number): number {
  for (let p = from; ; ) {
    const i = bytesIn(b, tag, p, to);
    if (i < 0 || i + tag.length >= b.length) return -1;
    if (isTagEnd(b[i + tag.length])) return i;
    p = i + 1;
  }
}

/**
 * Reads sharedStrings.xml on its bytes, never as one JS string per item: an item that is a plain
 * `<t>` (no runs, entities, CDATA or markup inside: what Excel writes for most cells) has its
 * UTF-8 copied straight into the table; any other item is decoded and read by richText.
 */
async function readSharedStrings(buf: Buffer, e: ZipEntry, budget: InflateBudget, maxItems: number): Promise<SharedStrings> {
  const out = new SharedStrings(e.uncompressed, maxItems);
  let p: string | undefined;
  let carry: Buffer | undefined;
  let SI = Buffer.alloc(0);
  let SIC = Buffer.alloc(0);
  let T = Buffer.alloc(0);
  let TC = Buffer.alloc(0);
  for await (const chunk of partChunks(buf, e, budget)) {
    const s = carry && carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    if (p === undefined) {
      // The prefix from the document element (a BOM or the XML declaration before it is skipped by rootPrefix).
      let head = s.toString('utf8', 0, Math.min(s.length, 64 * 1024));
      if (head.charCodeAt(0) === 0xfeff) head = head.slice(1);
      p = rootPrefix(head);
      if (p === undefined) {
        if (s.length > 64 * 1024) throw new XlsxError('sharedStrings.xml has no document element');
        carry = Buffer.from(s);
        continue;
      }
      SI = Buffer.from(`<${p}si`);
      SIC = Buffer.from(`</${p}si>`);
      T = Buffer.from(`<${p}t`);
      TC = Buffer.from(`</${p}t>`);
    }
    let pos = 0;
    for (;;) {
      const i = openTagBytes(s, SI, pos, s.length);
      if (i < 0) {
        pos = Math.max(pos, s.length - SI.length);
        break;
      }
      const gt = byteIn(s, 62, i, s.length);
      if (gt < 0) {
        pos = i;
        break;
      }
      if (s[gt - 1] === 47) {
        out.add('');
        pos = gt + 1;
        continue;
      }
      const end = bytesIn(s, SIC, gt, s.length);
      if (end < 0) {
        pos = i;
        break;
      }
      if (!plainText(s, gt + 1, end, T, TC, out)) {
        const item = s.toString('utf8', gt + 1, end);
        out.add(richText(item, 0, item.length, p));
      }
      pos = end + SIC.length;
    }
    // Copied: a view would keep the whole inflated chunk alive.
    carry = pos < s.length ? Buffer.from(s.subarray(pos)) : undefined;
    if (carry && carry.length > MAX_ITEM_CHARS) throw new XlsxError('a shared string is too long');
  }
  return out;
}

/** The item b[from, to) is exactly one `<t …>text</t>` (or `<t/>`) with nothing to decode: its text is added as it is. */
function plainText(b: Buffer, from: number, to: number, T: Uint8Array, TC: Uint8Array, out: SharedStrings): boolean {
  if (to - from < T.length + 1 || !bytesAt(b, from, T) || !isTagEnd(b[from + T.length])) return false;
  const gt = byteIn(b, 62, from + T.length, to);
  if (gt < 0) return false;
  if (b[gt - 1] === 47) {
    if (gt + 1 !== to) return false;
    out.add('');
    return true;
  }
  const te = to - TC.length;
  if (te <= gt || !bytesAt(b, te, TC)) return false;
  for (let i = gt + 1; i < te; i++) {
    const c = b[i];
    if (c === 60 || c === 38) return false;
  }
  out.addBytes(b, gt + 1, te);
  return true;
}

// ---- workbook: sheet names in tab order and their parts ----

export interface SheetRef {
  name: string;
  part: string | undefined;
}

function resolveTarget(base: string, target: string): string {
  const parts = (target.startsWith('/') ? target.slice(1) : `${base}/${target}`).split('/');
  const out: string[] = [];
  for (const seg of parts) {
    if (seg === '..') out.pop();
    else if (seg !== '.' && seg !== '') out.push(seg);
  }
  return out.join('/');
}

function relationships(xml: string, base: string): { id: string; type: string; target: string }[] {
  const out: { id: string; type: string; target: string }[] = [];
  const p = rootPrefix(xml) ?? '';
  const TAG = `<${p}Relationship`;
  for (let pos = 0; ; ) {
    const i = openTag(xml, TAG, pos, xml.length);
    if (i < 0) break;
    const gt = xml.indexOf('>', i);
    if (gt < 0) break;
    const id = attr(xml, i, gt, 'Id');
    const target = attr(xml, i, gt, 'Target');
    const mode = attr(xml, i, gt, 'TargetMode');
    if (id !== undefined && target !== undefined && mode !== 'External') out.push({ id, type: attr(xml, i, gt, 'Type') ?? '', target: resolveTarget(base, target) });
    pos = gt + 1;
  }
  return out;
}

/** Opens an xlsx held in memory: its sheets (tab order), shared strings loaded on demand. */
export class XlsxFile {
  private readonly entries: Map<string, ZipEntry>;
  readonly budget: InflateBudget;

  /**
   * `maxUncompressedBytes`: what the parts read may inflate to, all together (counted while
   * inflating: a directory that lies is caught there). `maxSharedStrings`: most items the
   * shared-strings table takes (TooManySharedStrings past it).
   */
  constructor(
    private readonly buf: Buffer,
    maxUncompressedBytes: number,
    private readonly maxSharedStrings = MAX_SHARED_STRINGS,
  ) {
    this.entries = zipDirectory(buf);
    for (const e of this.entries.values()) if (e.dataStart + e.compressed > buf.length) throw new XlsxError(`part ${e.name} is truncated`);
    this.budget = { left: maxUncompressedBytes };
  }

  private async text(name: string): Promise<string | undefined> {
    const e = this.entries.get(name);
    return e ? partString(this.buf, e, this.budget) : undefined;
  }

  /** The worksheets in tab order, each with its part, and the shared-strings part. */
  async workbook(): Promise<{ sheets: SheetRef[]; sharedStrings: string | undefined }> {
    const wb = await this.text('xl/workbook.xml');
    if (wb === undefined) throw new XlsxError('no xl/workbook.xml');
    const rels = relationships((await this.text('xl/_rels/workbook.xml.rels')) ?? '', 'xl');
    const byId = new Map(rels.map((r) => [r.id, r]));
    const p = rootPrefix(wb) ?? '';
    const sheets: SheetRef[] = [];
    const TAG = `<${p}sheet`;
    for (let pos = 0; ; ) {
      const i = openTag(wb, TAG, pos, wb.length);
      if (i < 0) break;
      const gt = wb.indexOf('>', i);
      if (gt < 0) break;
      const name = attr(wb, i, gt, 'name');
      const rid = attr(wb, i, gt, ':id');
      if (name !== undefined) sheets.push({ name, part: rid === undefined ? undefined : byId.get(rid)?.target });
      pos = gt + 1;
    }
    const ss = rels.find((r) => r.type.endsWith('/sharedStrings'))?.target ?? (this.entries.has('xl/sharedStrings.xml') ? 'xl/sharedStrings.xml' : undefined);
    return { sheets, sharedStrings: ss };
  }

  async sharedStrings(part: string | undefined): Promise<SharedStrings> {
    const e = part === undefined ? undefined : this.entries.get(part);
    return e ? readSharedStrings(this.buf, e, this.budget, this.maxSharedStrings) : new SharedStrings(undefined, this.maxSharedStrings);
  }

  has(part: string): boolean {
    return this.entries.has(part);
  }

  /**
   * Streams the rows of a worksheet part: `onRow(rowNumber, row)` for each row with a cell (the
   * row object is reused between rows). Rows must come in ascending order (as every writer puts
   * them): a repeated or earlier row number is an XlsxError. Each cell's text is counted, as it
   * is read and before anything else, against `limits.text` (a shared string each time it is
   * referenced, by its full UTF-8 length; other cells by their length): past it,
   * TextBudgetExceeded. A cell longer than `limits.maxCellChars` is kept cut to that length and
   * marks the row `tooLong`. Returning a promise from onRow pauses the scan until it settles.
   */
  async rows(part: string, sst: SharedStrings, limits: RowLimits, onRow: (rowNumber: number, row: SheetRow) => void | Promise<void>, beforeChunk?: () => void): Promise<void> {
    const e = this.entries.get(part);
    if (!e) throw new XlsxError(`no worksheet part ${part}`);
    const scanner = new SheetScanner(sst, limits);
    let carry = '';
    for await (const chunk of partText(this.buf, e, this.budget)) {
      beforeChunk?.();
      const s = carry.length ? carry + chunk : chunk;
      const pos = scanner.scan(s, onRow);
      if (pos instanceof Promise) carry = s.slice(await pos);
      else carry = s.slice(pos);
      if (scanner.done) return;
      if (carry.length > MAX_ITEM_CHARS) throw new XlsxError('a row is too long');
    }
    if (!scanner.done && carry.trim() !== '' && openTag(carry, scanner.ROW ?? '<row', 0, carry.length) >= 0) throw new XlsxError('the worksheet ends inside a row');
  }
}

export interface SheetOptions {
  /** What the parts read may inflate to, all together (workbook, shared strings, the sheet). */
  maxUncompressedBytes: number;
  /** Most items of the shared-strings table (default MAX_SHARED_STRINGS). */
  maxSharedStrings?: number;
  /** The caps of the cells: the longest kept, and the text they may expand to. */
  limits: RowLimits;
  /** Which sheet to read, from the workbook's sheets in tab order; none: NoWorksheet. */
  pick: (sheets: SheetRef[]) => SheetRef | undefined;
  /** Called before each chunk of the sheet is scanned: throw from it to stop the read. */
  beforeChunk?: () => void;
}

/**
 * Reads one sheet of an xlsx held in memory, row by row, within the caps: opens the workbook,
 * picks the sheet, loads its shared strings, then streams its rows to `onRow` (see XlsxFile.rows).
 * Throws NoWorksheet when nothing is picked, TooManySharedStrings and TextBudgetExceeded past
 * those caps, and XlsxError for any other unreadable file.
 */
export async function readSheet(buf: Buffer, opts: SheetOptions, onRow: (rowNumber: number, row: SheetRow) => void | Promise<void>): Promise<void> {
  const file = new XlsxFile(buf, opts.maxUncompressedBytes, opts.maxSharedStrings);
  const wb = await file.workbook();
  const sheet = opts.pick(wb.sheets);
  if (!sheet || sheet.part === undefined || !file.has(sheet.part)) throw new NoWorksheet();
  const sst = await file.sharedStrings(wb.sharedStrings);
  await file.rows(sheet.part, sst, opts.limits, onRow, opts.beforeChunk);
}

export interface RowLimits {
  /** A cell longer than this is kept cut to it and marks its row `tooLong`. */
  maxCellChars: number;
  /** Text the sheet may still expand to (shared strings counted at each reference); the caller may count more against it. */
  text: { left: number; limit: number };
}

/**
 * One row's cells. Columns are looked up by number, with no array of the row's width filled per
 * row (a lone cell at XFD would otherwise cost 16,384 steps per row): reset clears only the
 * columns the last row had, and a stamp keeps each column once in `cols`.
 */
export class SheetRow {
  /** The columns that have a cell in this row, in sheet order, each once. */
  readonly cols: number[] = [];
  count = 0;
  /** Some cell holds more than blanks. */
  hasText = false;
  /** Some cell was longer than maxCellChars (its text is kept cut). */
  tooLong = false;
  // Filled by push: a packed array (new Array(n).fill() stays holey, slower to read).
  private readonly values: string[] = Array.from({ length: MAX_COL + 1 }, () => '');
  private readonly stamp = new Int32Array(MAX_COL + 1);
  private gen = 0;

  /** The text of column c (1-based), '' when the row has no cell there (reset clears the last row's). */
  text(c: number): string {
    return this.values[c];
  }

  reset(): void {
    // The last row's texts let go (a slice keeps its whole chunk alive): what the row holds stays
    // what it read, not one old chunk per column ever used.
    for (let k = 0; k < this.count; k++) this.values[this.cols[k]] = '';
    this.gen++;
    this.count = 0;
    this.hasText = false;
    this.tooLong = false;
  }

  set(col: number, text: string): void {
    if (this.stamp[col] !== this.gen) {
      this.stamp[col] = this.gen;
      this.cols[this.count++] = col;
    }
    this.values[col] = text;
    if (!this.hasText && text !== '' && text.trim() !== '') this.hasText = true;
  }
}

/** Longest text between two items the scan can carry over (a row, a shared string); Excel caps a cell at 32,767 characters. */
const MAX_ITEM_CHARS = 16 * 1024 * 1024;

const colNumber = (ref: string): number => {
  let n = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i);
    if (c >= 65 && c <= 90) n = n * 26 + (c - 64);
    else if (c >= 97 && c <= 122) n = n * 26 + (c - 96);
    else break;
  }
  return n;
};

const MAX_COL = 16384;

/** A cell's text as the user sees it: numbers with every digit, cached formula results, booleans. */
function numberText(v: string): string {
  const n = Number(v);
  if (v.trim() === '' || Number.isNaN(n)) return v;
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? n.toFixed(0) : String(n);
}

class SheetScanner {
  ROW?: string;
  private ROWC = '';
  private C = '';
  private CC = '';
  private V = '';
  private VC = '';
  private IS = '';
  private ISC = '';
  private SHEETDATA_END = '';
  private p?: string;
  done = false;
  private lastRow = 0;
  private readonly row = new SheetRow();
  private readonly budget: RowLimits['text'];
  private readonly maxCell: number;

  constructor(
    private readonly sst: SharedStrings,
    limits: RowLimits,
  ) {
    this.budget = limits.text;
    this.maxCell = limits.maxCellChars;
  }

  /** Handles every complete row of s; returns where the unconsumed rest starts. */
  scan(s: string, onRow: (rowNumber: number, row: SheetRow) => void | Promise<void>): number | Promise<number> {
    if (this.p === undefined) {
      const p = rootPrefix(s);
      if (p === undefined) return 0;
      this.p = p;
      this.ROW = `<${p}row`;
      this.ROWC = `</${p}row>`;
      this.C = `<${p}c`;
      this.CC = `</${p}c>`;
      this.V = `<${p}v`;
      this.VC = `</${p}v>`;
      this.IS = `<${p}is`;
      this.ISC = `</${p}is>`;
      this.SHEETDATA_END = `</${p}sheetData`;
    }
    const ROW = this.ROW as string;
    let pos = 0;
    const sdEnd = s.indexOf(this.SHEETDATA_END);
    for (;;) {
      const i = openTag(s, ROW, pos, sdEnd >= 0 ? sdEnd : s.length);
      if (sdEnd >= 0 && (i < 0 || sdEnd < i)) {
        this.done = true;
        return s.length;
      }
      if (i < 0) return Math.max(pos, s.length - Math.max(ROW.length, this.SHEETDATA_END.length));
      const gt = s.indexOf('>', i);
      if (gt < 0) return i;
      const r = attr(s, i, gt, 'r');
      const rowNumber = r === undefined ? this.lastRow + 1 : Number(r);
      if (!Number.isInteger(rowNumber) || rowNumber < 1 || rowNumber > 1_048_576) throw new XlsxError(`bad row number ${r}`);
      // Rows come in ascending order: a repeated row would be read (and counted) again.
      if (rowNumber <= this.lastRow) throw new XlsxError(`row ${rowNumber} comes after row ${this.lastRow}`);
      const selfClosing = s.charCodeAt(gt - 1) === 47;
      const end = selfClosing ? gt : s.indexOf(this.ROWC, gt);
      if (end < 0) return i; // read again, whole, with the next chunk: lastRow is not this row's yet
      this.lastRow = rowNumber;
      if (selfClosing) {
        pos = gt + 1;
        continue;
      }
      this.cells(s, gt + 1, end);
      pos = end + this.ROWC.length;
      if (this.row.count > 0) {
        const wait = onRow(rowNumber, this.row);
        if (wait) return wait.then(() => this.scanRest(s, pos, onRow));
      }
    }
  }

  private scanRest(s: string, from: number, onRow: (rowNumber: number, row: SheetRow) => void | Promise<void>): number | Promise<number> {
    const rest = this.scan(s.slice(from), onRow);
    return rest instanceof Promise ? rest.then((n) => n + from) : rest + from;
  }

  /** Fills this.row from the row's content s[from, to). */
  private cells(s: string, from: number, to: number): void {
    const row = this.row;
    row.reset();
    let col = 0;
    for (let q = from; ; ) {
      const i = openTag(s, this.C, q, to);
      if (i < 0) break;
      const gt = s.indexOf('>', i);
      if (gt < 0 || gt >= to) throw new XlsxError('malformed cell');
      const ref = attr(s, i, gt, 'r');
      col = ref === undefined ? col + 1 : colNumber(ref);
      if (col < 1 || col > MAX_COL) throw new XlsxError(`bad cell reference ${ref}`);
      let text = '';
      let size = -1; // the text's full length when `text` holds only its start (shared strings)
      if (s.charCodeAt(gt - 1) === 47) {
        q = gt + 1;
      } else {
        const end = s.indexOf(this.CC, gt);
        if (end < 0 || end > to) throw new XlsxError('unterminated cell');
        const t = attr(s, i, gt, 't');
        const body = s.slice(gt + 1, end); // searched on its own: see attr
        if (t === 'inlineStr') {
          const is = openTag(body, this.IS, 0, body.length);
          if (is >= 0) {
            const isGt = body.indexOf('>', is);
            const isEnd = body.indexOf(this.ISC, isGt);
            if (isEnd > 0) text = richText(body, isGt + 1, isEnd, this.p as string);
          }
        } else {
          const v = openTag(body, this.V, 0, body.length);
          if (v >= 0) {
            const vGt = body.indexOf('>', v);
            const vEnd = body.charCodeAt(vGt - 1) === 47 ? vGt + 1 : body.indexOf(this.VC, vGt);
            const raw = vEnd > vGt ? body.slice(vGt + 1, vEnd) : '';
            switch (t ?? 'n') {
              case 's': {
                text = this.sst.get(Number(raw));
                size = this.sst.lastSize;
                break;
              }
              case 'str':
                text = xmlText(raw);
                break;
              case 'b':
                text = raw.trim() === '1' ? 'TRUE' : 'FALSE';
                break;
              case 'e':
                text = '';
                break;
              case 'd': {
                const d = new Date(xmlText(raw));
                text = Number.isNaN(d.getTime()) ? '' : d.toISOString();
                break;
              }
              default:
                text = numberText(xmlText(raw));
            }
          }
        }
        q = end + this.CC.length;
      }
      // Counted as read, before any other check: a shared string each time it is used.
      const budget = this.budget;
      if ((budget.left -= size < 0 ? text.length : size) < 0) throw new TextBudgetExceeded(budget.limit);
      if (text.length > this.maxCell) {
        row.tooLong = true;
        text = text.slice(0, this.maxCell);
      }
      row.set(col, text.indexOf('\u0000') >= 0 ? text.split('\u0000').join('') : text);
    }
  }
}
