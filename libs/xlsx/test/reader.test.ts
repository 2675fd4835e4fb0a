import { NoWorksheet, readSheet, SharedStrings, TextBudgetExceeded, TooManySharedStrings, XlsxError, XlsxFile, type SheetRow } from '@autocall/xlsx';
import { CT, rels, sheetXml, wbXml, zip } from './fixtures';

const inline = (ref: string, t: string) => `<c r="${ref}" t="inlineStr"><is><t>${t}</t></is></c>`;

/** A workbook of one sheet `name` (rows as sheetData XML), with a shared-strings part of `shared`. */
const book = (rows: string, shared: string[] = [], name = 'Sheet1') =>
  zip([
    CT,
    { name: 'xl/workbook.xml', data: wbXml([[name, 'rId1']]) },
    { name: 'xl/_rels/workbook.xml.rels', data: rels(['worksheets/sheet1.xml'], '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>') },
    { name: 'xl/sharedStrings.xml', data: Buffer.from(`<sst>${shared.map((s) => `<si><t>${s}</t></si>`).join('')}</sst>`), deflate: true },
    { name: 'xl/worksheets/sheet1.xml', data: sheetXml(rows), deflate: true },
  ]);

/** Reads every row of the first sheet as [rowNumber, texts by column, tooLong]. */
async function rowsOf(file: Buffer, caps: { maxCellChars?: number; text?: number; maxSharedStrings?: number; maxUncompressedBytes?: number } = {}) {
  const out: [number, Record<number, string>, boolean][] = [];
  const text = { left: caps.text ?? 1 << 30, limit: caps.text ?? 1 << 30 };
  const onRow = (n: number, row: SheetRow) => {
    const cells: Record<number, string> = {};
    for (let k = 0; k < row.count; k++) cells[row.cols[k]] = row.text(row.cols[k]);
    out.push([n, cells, row.tooLong]);
  };
  await readSheet(file, { maxUncompressedBytes: caps.maxUncompressedBytes ?? 1 << 30, maxSharedStrings: caps.maxSharedStrings, limits: { maxCellChars: caps.maxCellChars ?? 500, text }, pick: (s) => s[0] }, onRow);
  return { rows: out, textLeft: text.left };
}

describe('readSheet', () => {
  it('when a sheet holds inline, shared and number cells, then each row is handed over by column, numbers with every digit', async () => {
    const file = book(`<row r="1">${inline('A1', 'Phone')}<c r="C1" t="s"><v>0</v></c></row><row r="3"><c r="A3"><v>8.7630021329E10</v></c><c r="C3" t="s"><v>1</v></c></row>`, ['Name', 'Budi']);
    const r = await rowsOf(file);
    expect(r.rows).toEqual([
      [1, { 1: 'Phone', 3: 'Name' }, false],
      [3, { 1: '87630021329', 3: 'Budi' }, false],
    ]);
    expect(r.textLeft).toBe((1 << 30) - 'PhoneName87630021329Budi'.length);
  });

  it('when a cell is longer than maxCellChars, then it is kept cut to that length and its row is marked tooLong', async () => {
    const r = await rowsOf(book(`<row r="1">${inline('A1', 'x'.repeat(30))}${inline('B1', 'ok')}</row><row r="2">${inline('A2', 'short')}</row>`), { maxCellChars: 10 });
    expect(r.rows).toEqual([
      [1, { 1: 'x'.repeat(10), 2: 'ok' }, true],
      [2, { 1: 'short' }, false],
    ]);
  });

  it('when one shared string is referenced past the text budget, then the read stops as TextBudgetExceeded, each reference counting its full length', async () => {
    const rows = Array.from({ length: 4 }, (_, i) => `<row r="${i + 1}"><c r="A${i + 1}" t="s"><v>0</v></c></row>`).join('');
    await expect(rowsOf(book(rows, ['z'.repeat(3000)]), { text: 12_000 })).resolves.toMatchObject({ textLeft: 0 });
    await expect(rowsOf(book(rows, ['z'.repeat(3000)]), { text: 11_999 })).rejects.toBeInstanceOf(TextBudgetExceeded);
  });

  it('when the shared strings are more than maxSharedStrings, then the read stops as TooManySharedStrings', async () => {
    const file = book('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', ['a', 'b', 'c']);
    await expect(rowsOf(file, { maxSharedStrings: 3 })).resolves.toBeDefined();
    await expect(rowsOf(file, { maxSharedStrings: 2 })).rejects.toBeInstanceOf(TooManySharedStrings);
  });

  it('when the parts inflate past maxUncompressedBytes, then the read stops as an XlsxError', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => `<row r="${i + 1}">${inline(`A${i + 1}`, `row ${i}`)}</row>`).join('');
    await expect(rowsOf(book(rows), { maxUncompressedBytes: 5_000 })).rejects.toThrow(/more than allowed/);
  });

  it('when pick finds no sheet, or the sheet it picks has no part, then NoWorksheet', async () => {
    const file = book(`<row r="1">${inline('A1', 'x')}</row>`);
    await expect(readSheet(file, { maxUncompressedBytes: 1 << 30, limits: { maxCellChars: 500, text: { left: 1e9, limit: 1e9 } }, pick: () => undefined }, () => undefined)).rejects.toBeInstanceOf(NoWorksheet);
    await expect(readSheet(file, { maxUncompressedBytes: 1 << 30, limits: { maxCellChars: 500, text: { left: 1e9, limit: 1e9 } }, pick: () => ({ name: 'x', part: 'xl/worksheets/none.xml' }) }, () => undefined)).rejects.toBeInstanceOf(NoWorksheet);
  });

  it("when a part's data runs past the end of the file, then opening it is an XlsxError (truncated)", () => {
    const file = book(`<row r="1">${inline('A1', 'x')}</row>`);
    // the first part's local header claims more data than the file holds
    const lying = Buffer.from(file);
    lying.writeUInt16LE(0xfff0, 28); // its local extra field length: the data would start past the end
    expect(() => new XlsxFile(lying, 1 << 30)).toThrow(XlsxError);
  });
});

describe('shared strings', () => {
  it('when shared strings are read on their bytes, then plain, preserved, multi-byte, entity, CDATA and empty items, and one cut by a chunk edge inside a character, read as Excel shows them', async () => {
    const head = Buffer.from('\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="9">');
    const items = ['<x:si><x:t>Phone</x:t></x:si>', '<x:si/>', '<x:si><x:t xml:space="preserve">  Ñoño 名前 </x:t></x:si>', '<x:si><x:t><![CDATA[a<b & c]]></x:t></x:si>', '<x:si><x:t>a &amp; b</x:t></x:si>', '<x:si><x:t/></x:si>'];
    const before = Buffer.byteLength(head) + Buffer.byteLength(items.join(''));
    // A stored (not deflated) part is read in 256 KiB slices: the padding puts 名's three bytes across the first edge.
    const padOpen = '<x:si><x:t>';
    const padClose = '</x:t></x:si>';
    const pad = 'p'.repeat(256 * 1024 - 1 - before - padOpen.length - padClose.length - padOpen.length);
    items.push(`${padOpen}${pad}${padClose}`, `${padOpen}名前${padClose}`);
    for (let i = 0; i < 3000; i++) items.push(`<x:si><x:t>n${i}</x:t></x:si>`);
    const sst = Buffer.concat([head, Buffer.from(items.join('') + '</x:sst>')]);
    expect(sst.subarray(256 * 1024 - 1, 256 * 1024 + 2).toString()).toBe('名');
    const file = zip([
      CT,
      { name: 'xl/workbook.xml', data: wbXml([['Roster', 'rId1']]) },
      { name: 'xl/_rels/workbook.xml.rels', data: rels(['worksheets/sheet1.xml']) },
      { name: 'xl/sharedStrings.xml', data: sst },
      { name: 'xl/worksheets/sheet1.xml', data: sheetXml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>') },
    ]);
    const x = new XlsxFile(file, 1 << 30);
    const table = await x.sharedStrings((await x.workbook()).sharedStrings);
    expect(table.length).toBe(3008);
    // An item longer than a cell may be is kept cut (its start), with its full length.
    expect(Array.from({ length: 8 }, (_, i) => table.get(i))).toEqual(['Phone', '', '  Ñoño 名前 ', 'a<b & c', 'a & b', '', pad.slice(0, 2048), '名前']);
    expect([table.size(6), table.size(7), table.size(2)]).toEqual([pad.length, 6, Buffer.byteLength('  Ñoño 名前 ')]);
    expect(table.get(3007)).toBe('n2999');
    expect(table.get(3008)).toBe('');
  });

  it('when a workbook lists more shared strings than the table takes (empty items cost offsets too), then it stops as too many', () => {
    const table = new SharedStrings(1024, 3000);
    for (let i = 0; i < 3000; i++) table.add('');
    expect(() => {
      for (let i = 0; i < 2000; i++) table.add('');
    }).toThrow(TooManySharedStrings);
    expect(table.length).toBe(3000);
  });

});
