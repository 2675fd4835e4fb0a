import { ZipError } from './errors';
import { zipDirectory } from './zip';

/**
 * What an upload is, before any parsing: an xlsx (a zip holding workbook parts) and what its
 * central directory says it decompresses to. Reads only the directory and local headers, never
 * inflates anything.
 */
export type ZipVerdict =
  | { kind: 'xlsx'; uncompressedBytes: number }
  | { kind: 'encrypted' } // an OLE compound file holding an EncryptedPackage: a password-protected xlsx
  | { kind: 'not-xlsx' }
  | { kind: 'too-large'; detail: string };

export interface InspectCaps {
  /** Most bytes all parts together may decompress to, as the directory states them. */
  maxUncompressedBytes: number;
  /** Highest compression ratio of a part over 1 MiB. */
  maxRatio: number;
}

const CFB_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const ENCRYPTED_PACKAGE = Buffer.from('EncryptedPackage', 'utf16le');

export function inspectXlsx(buf: Buffer, caps: InspectCaps): ZipVerdict {
  if (buf.length >= 8 && buf.subarray(0, 8).equals(CFB_MAGIC)) {
    return buf.includes(ENCRYPTED_PACKAGE) ? { kind: 'encrypted' } : { kind: 'not-xlsx' };
  }
  let total = 0;
  let names: Map<string, unknown>;
  try {
    names = zipDirectory(buf, ({ name, compressed, uncompressed }) => {
      total += uncompressed;
      if (total > caps.maxUncompressedBytes) throw new ZipError('too-large', `The workbook decompresses to more than ${caps.maxUncompressedBytes} bytes.`);
      if (uncompressed > 1024 * 1024 && uncompressed / Math.max(compressed, 1) > caps.maxRatio) {
        throw new ZipError('too-large', `Part ${name} has a compression ratio over ${caps.maxRatio}.`);
      }
    });
  } catch (err) {
    if (!(err instanceof ZipError)) throw err;
    return err.kind === 'not-zip' ? { kind: 'not-xlsx' } : { kind: 'too-large', detail: err.message };
  }
  if (!names.has('[Content_Types].xml') || !names.has('xl/workbook.xml')) return { kind: 'not-xlsx' };
  return { kind: 'xlsx', uncompressedBytes: total };
}
