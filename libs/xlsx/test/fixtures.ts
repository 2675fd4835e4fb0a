import { deflateRawSync } from 'node:zlib';

/**
 * A hand-made zip (stored or deflated entries), for inputs exceljs would never write; the reader's
 * tests and the roster's use it. `announce` overrides the uncompressed size the headers state (a
 * lying directory).
 */
export function zip(entries: { name: string; data: Buffer; deflate?: boolean; announce?: number }[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const body = e.deflate ? deflateRawSync(e.data) : e.data;
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(e.deflate ? 8 : 0, 8);
    lh.writeUInt32LE(0, 14);
    lh.writeUInt32LE(body.length, 18);
    lh.writeUInt32LE(e.announce ?? e.data.length, 22);
    lh.writeUInt16LE(name.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(e.deflate ? 8 : 0, 10);
    ch.writeUInt32LE(body.length, 20);
    ch.writeUInt32LE(e.announce ?? e.data.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, name, body);
    central.push(ch, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/** OOXML parts for hand-made workbooks: content types, workbook relationships, workbook, sheet. */
export const CT = { name: '[Content_Types].xml', data: Buffer.from('<Types/>') };
export const rels = (sheets: string[], extra = '') =>
  Buffer.from(`<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${sheets
    .map((t, i) => `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="${t}"/>`)
    .join('')}${extra}</Relationships>`);
export const wbXml = (names: [string, string][], prefix = '') =>
  Buffer.from(`<?xml version="1.0"?><${prefix}workbook xmlns${prefix ? `:${prefix.slice(0, -1)}` : ''}="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><${prefix}sheets>${names
    .map(([n, id]) => `<${prefix}sheet name="${n}" sheetId="1" r:id="${id}"/>`)
    .join('')}</${prefix}sheets></${prefix}workbook>`);
export const sheetXml = (rows: string, prefix = '') =>
  Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<${prefix}worksheet xmlns${prefix ? `:${prefix.slice(0, -1)}` : ''}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><${prefix}sheetData>${rows}</${prefix}sheetData></${prefix}worksheet>`);

