import { deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';

export type Cell = string | number | null | { formula: string; result?: string | number } | { richText: { text: string }[] };

/** An .xlsx built with the exceljs writer: sheets in tab order, rows as given (row 1 first). */
export async function workbook(sheets: { name: string; rows: Cell[][] }[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name);
    s.rows.forEach((row, i) => {
      const r = ws.getRow(i + 1);
      row.forEach((v, c) => {
        if (v !== null) r.getCell(c + 1).value = v as ExcelJS.CellValue;
      });
      r.commit();
    });
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export const roster = (rows: Cell[][]) => workbook([{ name: 'Roster', rows }]);

/**
 * A big roster written with the streaming writer (crash test, benchmark): inline strings, or with
 * `sharedStrings` a shared-strings table (xl/sharedStrings.xml, as Excel saves).
 */
export async function bigRoster(rows: number, phone: (i: number) => string = (i) => `0812${String(10_000_000 + i).padStart(8, '0')}`, opts: { sharedStrings?: boolean } = {}): Promise<Buffer> {
  const { PassThrough } = await import('node:stream');
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: opts.sharedStrings ?? false, useStyles: false });
  const ws = wb.addWorksheet('Roster');
  ws.addRow(['Phone Number', 'Name', 'Order Id']).commit();
  for (let i = 0; i < rows; i++) ws.addRow([phone(i), `Person ${i}`, `ORD-${i}`]).commit();
  ws.commit();
  await wb.commit();
  return Buffer.concat(chunks);
}

/** A hand-made zip (stored or deflated entries), for inputs exceljs would never write. */
/** `announce` overrides the uncompressed size the headers state (a lying directory). */
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

/** A multipart/form-data body for app.inject. */
export function form(parts: { name: string; value: string | Buffer; filename?: string }[]) {
  const boundary = '----autocall-test-boundary';
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disp = `Content-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n`;
    const type = p.filename ? 'Content-Type: application/octet-stream\r\n' : '';
    chunks.push(Buffer.from(`--${boundary}\r\n${disp}${type}\r\n`), Buffer.isBuffer(p.value) ? p.value : Buffer.from(p.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export async function readXlsx(buf: Buffer) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as never);
  return wb;
}
