/**
 * Looks at an upload before any parsing: is it an xlsx (a zip holding workbook parts), and what
 * does its central directory say it decompresses to. Reads only the directory and local headers,
 * never inflates anything.
 */
export type ZipVerdict =
  | { kind: 'xlsx'; uncompressedBytes: number }
  | { kind: 'encrypted' } // an OLE compound file holding an EncryptedPackage: a password-protected xlsx
  | { kind: 'not-xlsx' }
  | { kind: 'too-large'; detail: string };

const EOCD = 0x06054b50;
const CEN = 0x02014b50;
const LOC = 0x04034b50;
const CFB_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const ENCRYPTED_PACKAGE = Buffer.from('EncryptedPackage', 'utf16le');

export function inspectXlsx(buf: Buffer, caps: { maxUncompressedBytes: number; maxRatio: number }): ZipVerdict {
  if (buf.length >= 8 && buf.subarray(0, 8).equals(CFB_MAGIC)) {
    return buf.includes(ENCRYPTED_PACKAGE) ? { kind: 'encrypted' } : { kind: 'not-xlsx' };
  }
  if (buf.length < 22 || buf.readUInt32LE(0) !== LOC) return { kind: 'not-xlsx' };
  // End of central directory: within the last 22 + 65535 (comment) bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return { kind: 'not-xlsx' };
  const entries = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (entries === 0xffff || cdOffset === 0xffffffff) return { kind: 'too-large', detail: 'ZIP64 archives are not accepted.' };
  if (cdOffset + cdSize > buf.length) return { kind: 'not-xlsx' };
  let p = cdOffset;
  let total = 0;
  const names = new Set<string>();
  for (let n = 0; n < entries; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CEN) return { kind: 'not-xlsx' };
    const compressed = buf.readUInt32LE(p + 20);
    const uncompressed = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const localOffset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    if (compressed === 0xffffffff || uncompressed === 0xffffffff) return { kind: 'too-large', detail: 'ZIP64 entries are not accepted.' };
    total += uncompressed;
    if (total > caps.maxUncompressedBytes) return { kind: 'too-large', detail: `The workbook decompresses to more than ${caps.maxUncompressedBytes} bytes.` };
    if (uncompressed > 1024 * 1024 && uncompressed / Math.max(compressed, 1) > caps.maxRatio) {
      return { kind: 'too-large', detail: `Part ${name} has a compression ratio over ${caps.maxRatio}.` };
    }
    // The streaming reader trusts local headers: they must agree with the directory checked here.
    if (localOffset + 30 > buf.length || buf.readUInt32LE(localOffset) !== LOC) return { kind: 'not-xlsx' };
    const flags = buf.readUInt16LE(localOffset + 6);
    const localNameLen = buf.readUInt16LE(localOffset + 26);
    const localName = buf.toString('utf8', localOffset + 30, localOffset + 30 + localNameLen);
    if (localName !== name) return { kind: 'not-xlsx' };
    if ((flags & 0x08) === 0) {
      const localCompressed = buf.readUInt32LE(localOffset + 18);
      const localUncompressed = buf.readUInt32LE(localOffset + 22);
      if (localCompressed !== compressed || localUncompressed !== uncompressed) return { kind: 'too-large', detail: `Part ${name} announces different sizes in its local header.` };
    }
    names.add(name);
    p += 46 + nameLen + extraLen + commentLen;
  }
  if (!names.has('[Content_Types].xml') || !names.has('xl/workbook.xml')) return { kind: 'not-xlsx' };
  return { kind: 'xlsx', uncompressedBytes: total };
}
