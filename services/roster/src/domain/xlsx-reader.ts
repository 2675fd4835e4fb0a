import { createInflateRaw } from 'node:zlib';
import { StringDecoder } from 'node:string_decoder';

/**
 * A streaming xlsx reader made for one job: hand over the rows of one worksheet as cell texts.
 * The upload is already in memory, so the zip is read by its central directory (random access,
 * no temp files, parts read in any order), each part is inflated as a stream with its size
 * counted (a part that inflates past what the directory announced, or past the total budget, is
 * stopped at once: the zip-bomb check happens while reading, not in a separate pass), and the
 * XML is scanned with indexOf over decoded chunks (no DOM, no SAX event per node).
 *
 * Never imports anything from @autocall: it also runs inside the import worker thread.
 */

export class XlsxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XlsxError';
  }
}

export interface ZipEntry {
  name: string;
  method: number;
  compressed: number;
  uncompressed: number;
  dataStart: number;
}

const EOCD = 0x06054b50;
const CEN = 0x02014b50;
const LOC = 0x04034b50;

/** The zip's central directory, by part name. */
export function zipEntries(buf: Buffer): Map<string, ZipEntry> {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new XlsxError('no zip directory');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, ZipEntry>();
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CEN) throw new XlsxError('bad zip directory');
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const uncompressed = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOC) throw new XlsxError(`part ${name} has no local header`);
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (dataStart + compressed > buf.length) throw new XlsxError(`part ${name} is truncated`);
    out.set(name, { name, method, compressed, uncompressed, dataStart });
  }
  return out;
}

/** Bytes left to inflate, all parts together (the decompressed-size cap). */
export interface InflateBudget {
  left: number;
}

/**
 * A part's bytes, inflated as they are read. Stops (XlsxError) as soon as the part yields more
 * than its directory entry announced or than the budget allows; a part that ends short, or
 * whose data is corrupt, is an XlsxError too. Breaking out of the loop stops the inflation.
 */
export async function* partChunks(buf: Buffer, e: ZipEntry, budget: InflateBudget): AsyncGenerator<Buffer> {
  const data = buf.subarray(e.dataStart, e.dataStart + e.compressed);
  if (e.method === 0) {
    if (e.compressed !== e.uncompressed) throw new XlsxError(`part ${e.name} has the wrong size`);
    if ((budget.left -= e.uncompressed) < 0) throw new XlsxError('the workbook decompresses to more than allowed');
    for (let i = 0; i < data.length; i += 256 * 1024) yield data.subarray(i, Math.min(data.length, i + 256 * 1024));
    return;
  }
  if (e.method !== 8) throw new XlsxError(`part ${e.name} uses an unsupported compression method`);
  const inflate = createInflateRaw({ chunkSize: 128 * 1024 });
  inflate.end(data);
  let total = 0;
  try {
    for await (const chunk of inflate as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > e.uncompressed) throw new XlsxError(`part ${e.name} inflates past its announced size (zip bomb?)`);
      if ((budget.left -= chunk.length) < 0) throw new XlsxError('the workbook decompresses to more than allowed');
      yield chunk;
    }
  } catch (err) {
    if (err instanceof XlsxError) throw err;
    throw new XlsxError(`part ${e.name} is corrupt`);
  } finally {
    inflate.destroy();
  }
  if (total !== e.uncompressed) throw new XlsxError(`part ${e.name} does not decompress to its announced size`);
}

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

export class SharedStrings {
  private bytes: Buffer;
  private used = 0;
  private offsets = new Uint32Array(1024);
  private n = 0;

  /**
   * `capacity`: the part's XML size, an upper bound of its text. Reserved at once but never
   * written beyond what the strings take (untouched pages cost no RSS): no copy on growth, no
   * old + new buffers held together.
   */
  constructor(capacity = 64 * 1024) {
    this.bytes = Buffer.allocUnsafe(Math.min(Math.max(capacity, 1024), 256 * 1024 * 1024));
  }

  get length(): number {
    return this.n;
  }

  add(s: string): void {
    this.reserve(Buffer.byteLength(s));
    this.offsets[this.n] = this.used;
    this.used += this.bytes.write(s, this.used);
    this.n++;
    this.offsets[this.n] = this.used;
  }

  /** Adds the UTF-8 in src[from, to) as one item. */
  addBytes(src: Buffer, from: number, to: number): void {
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
      const next = new Uint32Array(this.offsets.length * 2);
      next.set(this.offsets);
      this.offsets = next;
    }
  }

  get(i: number): string {
    if (!(i >= 0 && i < this.n)) return '';
    return this.bytes.toString('utf8', this.offsets[i], this.offsets[i + 1]);
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
async function readSharedStrings(buf: Buffer, e: ZipEntry, budget: InflateBudget): Promise<SharedStrings> {
  const out = new SharedStrings(e.uncompressed);
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
    if (carry && carry.length > 64 * 1024 * 1024) throw new XlsxError('a shared string is too long');
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

  constructor(
    private readonly buf: Buffer,
    maxUncompressedBytes: number,
  ) {
    this.entries = zipEntries(buf);
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
    return e ? readSharedStrings(this.buf, e, this.budget) : new SharedStrings();
  }

  has(part: string): boolean {
    return this.entries.has(part);
  }

  /**
   * Streams the rows of a worksheet part: `onRow(rowNumber, values, width)` with `values[c]` the
   * text of column c (1-based; '' when empty) for c < width. The array is reused between rows.
   * Returning a promise from onRow pauses the scan until it settles.
   */
  async rows(part: string, sst: SharedStrings, onRow: (rowNumber: number, values: string[], width: number) => void | Promise<void>, beforeChunk?: () => void): Promise<void> {
    const e = this.entries.get(part);
    if (!e) throw new XlsxError(`no worksheet part ${part}`);
    const scanner = new SheetScanner(sst);
    let carry = '';
    for await (const chunk of partText(this.buf, e, this.budget)) {
      beforeChunk?.();
      const s = carry.length ? carry + chunk : chunk;
      const pos = scanner.scan(s, onRow);
      if (pos instanceof Promise) carry = s.slice(await pos);
      else carry = s.slice(pos);
      if (scanner.done) return;
      if (carry.length > 64 * 1024 * 1024) throw new XlsxError('a row is too long');
    }
    if (!scanner.done && carry.trim() !== '' && openTag(carry, scanner.ROW ?? '<row', 0, carry.length) >= 0) throw new XlsxError('the worksheet ends inside a row');
  }
}

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
  private readonly values: string[] = [];

  constructor(private readonly sst: SharedStrings) {}

  /** Handles every complete row of s; returns where the unconsumed rest starts. */
  scan(s: string, onRow: (rowNumber: number, values: string[], width: number) => void | Promise<void>): number | Promise<number> {
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
      this.lastRow = rowNumber;
      if (s.charCodeAt(gt - 1) === 47) {
        pos = gt + 1;
        continue;
      }
      const end = s.indexOf(this.ROWC, gt);
      if (end < 0) return i;
      const width = this.cells(s, gt + 1, end);
      pos = end + this.ROWC.length;
      if (width > 0) {
        const wait = onRow(rowNumber, this.values, width);
        if (wait) return wait.then(() => this.scanRest(s, pos, onRow));
      }
    }
  }

  private scanRest(s: string, from: number, onRow: (rowNumber: number, values: string[], width: number) => void | Promise<void>): number | Promise<number> {
    const rest = this.scan(s.slice(from), onRow);
    return rest instanceof Promise ? rest.then((n) => n + from) : rest + from;
  }

  /** Fills this.values from the row's content s[from, to); returns the width (highest column + 1). */
  private cells(s: string, from: number, to: number): number {
    const values = this.values;
    let width = 0;
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
              case 's':
                text = this.sst.get(Number(raw));
                break;
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
      while (width < col) values[width++] = '';
      values[col] = text.indexOf('\u0000') >= 0 ? text.split('\u0000').join('') : text;
      if (col >= width) width = col + 1;
    }
    return width;
  }
}
