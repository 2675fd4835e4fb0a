import { createInflateRaw } from 'node:zlib';
import { XlsxError, ZipError } from './errors';

/** A part as the central directory states it, and where its data starts (after its local header). */
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

/**
 * The zip's central directory, by part name: the one walk of it, for inspectXlsx and the reader.
 * An upload is in memory, so the directory is read at the end of the buffer (random access, no
 * temp files). Each entry's local header must be where the directory says, with the same name and,
 * unless a data descriptor follows the data, the same sizes: the reader trusts local headers to
 * find the data. ZIP64 is refused. `check` sees each entry as the directory states it, before its
 * local header is looked at, and may throw (a ZipError) to stop the walk: a size cap.
 */
export function zipDirectory(buf: Buffer, check?: (e: { name: string; compressed: number; uncompressed: number }) => void): Map<string, ZipEntry> {
  if (buf.length < 22 || buf.readUInt32LE(0) !== LOC) throw new ZipError('not-zip', 'not a zip archive');
  // End of central directory: within the last 22 + 65535 (comment) bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('not-zip', 'no zip directory');
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw new ZipError('too-large', 'ZIP64 archives are not accepted.');
  if (cdOffset + cdSize > buf.length) throw new ZipError('not-zip', 'bad zip directory');
  const out = new Map<string, ZipEntry>();
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CEN) throw new ZipError('not-zip', 'bad zip directory');
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const uncompressed = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (compressed === 0xffffffff || uncompressed === 0xffffffff) throw new ZipError('too-large', 'ZIP64 entries are not accepted.');
    check?.({ name, compressed, uncompressed });
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOC) throw new ZipError('not-zip', `part ${name} has no local header`);
    const localNameLen = buf.readUInt16LE(local + 26);
    if (buf.toString('utf8', local + 30, local + 30 + localNameLen) !== name) throw new ZipError('not-zip', `part ${name} has another name in its local header`);
    if ((buf.readUInt16LE(local + 6) & 0x08) === 0 && (buf.readUInt32LE(local + 18) !== compressed || buf.readUInt32LE(local + 22) !== uncompressed)) {
      throw new ZipError('too-large', `Part ${name} announces different sizes in its local header.`);
    }
    out.set(name, { name, method, compressed, uncompressed, dataStart: local + 30 + localNameLen + buf.readUInt16LE(local + 28) });
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
