import ExcelJS from 'exceljs';
import { multipart, workbook, type Cell } from '@autocall/testing';
import { zip } from '../../../libs/xlsx/test/fixtures';

// The zip writer is @autocall/xlsx's test fixture: one hand-made zip for both packages' tests.
export { zip };

export { workbook, type Cell } from '@autocall/testing';

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

/** A multipart/form-data body for app.inject: a part with a file name is sent as application/octet-stream. */
export const form = (parts: { name: string; value: string | Buffer; filename?: string }[]) =>
  multipart(
    parts.map((p) => ({ name: p.name, data: p.value, filename: p.filename || undefined, contentType: p.filename ? 'application/octet-stream' : undefined })),
    '----autocall-test-boundary',
  );

export async function readXlsx(buf: Buffer) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as never);
  return wb;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A roster written as raw OOXML (what exceljs cannot make cheaply: one shared string referenced
 * by thousands of cells, repeated rows): `rows` is the sheetData's XML, `shared` the shared
 * strings' texts (each a plain `<si><t>`, or raw `<si>` content when `sharedXml`). Parts deflated.
 */
export function rawRoster(rows: string, opts: { shared?: string[]; sharedXml?: string[] } = {}): Buffer {
  const ns = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  const items = [...(opts.shared ?? []).map((t) => `<si><t>${xmlEscape(t)}</t></si>`), ...(opts.sharedXml ?? []).map((x) => `<si>${x}</si>`)];
  const parts = [
    { name: '[Content_Types].xml', data: Buffer.from('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>') },
    { name: 'xl/workbook.xml', data: Buffer.from(`<?xml version="1.0"?><workbook xmlns="${ns}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Roster" sheetId="1" r:id="rId1"/></sheets></workbook>`) },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: Buffer.from(
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
          '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>' +
          '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
      ),
    },
    { name: 'xl/sharedStrings.xml', data: Buffer.from(`<?xml version="1.0"?><sst xmlns="${ns}" count="${items.length}" uniqueCount="${items.length}">${items.join('')}</sst>`), deflate: true },
    { name: 'xl/worksheets/sheet1.xml', data: Buffer.from(`<?xml version="1.0"?><worksheet xmlns="${ns}"><sheetData>${rows}</sheetData></worksheet>`), deflate: true },
  ];
  return zip(parts);
}

/** Column letters of column c (1-based): 1 → A, 27 → AA. */
export const colName = (c: number): string => (c > 26 ? colName(Math.floor((c - 1) / 26)) : '') + String.fromCharCode(65 + ((c - 1) % 26));

/** One row of raw sheet XML: each cell a number (`n:`), a shared-string index (`s:`) or inline text. */
export function rawRow(r: number, cells: (string | null)[]): string {
  const xml = cells.map((v, i) => {
    if (v === null) return '';
    const ref = `${colName(i + 1)}${r}`;
    if (v.startsWith('n:')) return `<c r="${ref}"><v>${v.slice(2)}</v></c>`;
    if (v.startsWith('s:')) return `<c r="${ref}" t="s"><v>${v.slice(2)}</v></c>`;
    return `<c r="${ref}" t="inlineStr"><is><t>${xmlEscape(v)}</t></is></c>`;
  });
  return `<row r="${r}">${xml.join('')}</row>`;
}
