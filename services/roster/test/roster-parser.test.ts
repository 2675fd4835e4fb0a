import { PhoneNormalizer } from '@autocall/phone';
import { parseRoster } from '../src/adapters/roster-parser';
import { CT, rels, sheetXml, wbXml } from '../../../libs/xlsx/test/fixtures';
import { PhoneSet, type RowReason } from '../src/domain/roster-rows';
import { bigRoster, rawRoster, rawRow, roster, workbook, zip } from './helpers';

const phones = new PhoneNormalizer({ defaultRegion: 'ID', allowedRegions: ['ID'] });

/** Parses in-process (no thread, no database) and collects what the sink is given. */
async function parse(file: Buffer, maxUncompressedBytes = 1 << 30, caps: { maxColumns?: number; maxExpandedBytes?: number } = {}) {
  const entries: { row: number; phone: string; name: string | null; vars: Record<string, string> }[] = [];
  const errors: { row: number; raw: string; reason: RowReason }[] = [];
  const result = await parseRoster(file, {
    maxRows: 1_048_575,
    maxColumns: caps.maxColumns ?? 50,
    maxExpandedBytes: caps.maxExpandedBytes ?? 1 << 30,
    maxUncompressedBytes,
    phones,
    aborted: () => false,
    onProgress: () => undefined,
    sink: {
      entry: (row, phone, _raw, name, vars) => void entries.push({ row, phone, name, vars: JSON.parse(vars) as Record<string, string> }),
      error: (row, raw, reason) => void errors.push({ row, raw, reason }),
    },
  });
  return { ...result, entries, errors };
}

describe('roster parse (the xlsx reader under the row rules)', () => {
  it('when cells are inline strings, shared strings (rich, phonetic runs, entities) and numbers, then each reads as Excel shows it', async () => {
    const sst = Buffer.from(
      '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3"><si><t>Phone</t></si><si><r><rPr><b/></rPr><t>Bu</t></r><r><t xml:space="preserve">di &amp; co</t></r><rPh sb="0" eb="1"><t>ブ</t></rPh></si><si><t>0812&#45;3456&#x2d;7890</t></si><si><t/></si></sst>',
    );
    const file = zip([
      CT,
      { name: 'xl/workbook.xml', data: wbXml([['Sheet1', 'rId1']]) },
      { name: 'xl/_rels/workbook.xml.rels', data: rels(['worksheets/sheet1.xml'], '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="/xl/strings.xml"/>') },
      { name: 'xl/strings.xml', data: sst, deflate: true },
      {
        name: 'xl/worksheets/sheet1.xml',
        deflate: true,
        data: sheetXml(
          '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Name</t></is></c></row>' +
            '<row r="3"><c r="A3" t="s"><v>2</v></c><c r="B3" t="s"><v>1</v></c></row>' +
            '<row r="4"><c r="A4"><v>8.7630021329E10</v></c><c r="B4" t="inlineStr"><is><r><t>In</t></r><r><t>line</t></r></is></c></row>' +
            '<row r="5"><c r="A5" t="str"><f>A4</f><v>087630021330</v></c><c r="B5" t="b"><v>1</v></c></row>' +
            '<row r="6"><c r="A6" t="e"><v>#N/A</v></c><c r="B6" t="s"><v>3</v></c></row>' +
            '<row r="7" spans="1:2"/><row r="8"><c r="B8" t="inlineStr"><is><t>no phone</t></is></c></row>',
        ),
      },
    ]);
    const r = await parse(file);
    expect(r.columns).toEqual(['Name']);
    expect(r.entries).toEqual([
      { row: 3, phone: '+6281234567890', name: 'Budi & co', vars: { Name: 'Budi & co' } },
      { row: 4, phone: '+6287630021329', name: 'Inline', vars: { Name: 'Inline' } },
      { row: 5, phone: '+6287630021330', name: 'TRUE', vars: { Name: 'TRUE' } },
    ]);
    // row 6: an error cell and an empty shared string: blank, counted nowhere; row 8: EMPTY
    expect(r.errors).toEqual([{ row: 8, raw: '', reason: 'EMPTY' }]);
    expect(r.counts).toMatchObject({ total: 4, valid: 3, invalid: 1, duplicate: 0 });
  });

  it('when the workbook lists its sheets in another order than their parts, then tab order (workbook.xml + rels) decides', async () => {
    const file = zip([
      CT,
      { name: 'xl/workbook.xml', data: wbXml([['Second part first', 'rId2'], ['First part', 'rId1']]) },
      { name: 'xl/_rels/workbook.xml.rels', data: rels(['worksheets/sheet1.xml', './worksheets/../worksheets/sheet2.xml']) },
      { name: 'xl/worksheets/sheet1.xml', data: sheetXml('<row r="1"><c r="A1" t="inlineStr"><is><t>Phone</t></is></c></row><row r="2"><c r="A2"><v>81234567891</v></c></row>') },
      { name: 'xl/worksheets/sheet2.xml', data: sheetXml('<row r="1"><c r="A1" t="inlineStr"><is><t>Phone</t></is></c></row><row r="2"><c r="A2"><v>81234567892</v></c></row>') },
    ]);
    expect((await parse(file)).entries.map((e) => e.phone)).toEqual(['+6281234567892']);
  });

  it('when the parts use a namespace prefix (x:row, x:c), then they are read all the same', async () => {
    const file = zip([
      CT,
      { name: 'xl/workbook.xml', data: wbXml([['Roster', 'rId1']], 'x:') },
      { name: 'xl/_rels/workbook.xml.rels', data: rels(['worksheets/sheet1.xml']) },
      { name: 'xl/worksheets/sheet1.xml', data: sheetXml('<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Phone</x:t></x:is></x:c></x:row><x:row r="2"><x:c r="A2"><x:v>81234567893</x:v></x:c></x:row>', 'x:') },
    ]);
    expect((await parse(file)).entries.map((e) => e.phone)).toEqual(['+6281234567893']);
  });

  it('when a row or shared string spans inflate chunks, then nothing is lost (100k rows, shared strings)', async () => {
    const file = await workbook([{ name: 'Roster', rows: [['Phone', 'Name'], ...Array.from({ length: 3000 }, (_, i) => [`0812${String(10_000_000 + i)}`, `Person ${i} ${'x'.repeat(i % 300)}`])] }]);
    const r = await parse(file);
    expect(r.counts).toMatchObject({ total: 3000, valid: 3000 });
    expect(r.entries[2999]).toEqual({ row: 3001, phone: '+62812' + String(10_002_999), name: `Person 2999 ${'x'.repeat(2999 % 300)}`, vars: { Name: `Person 2999 ${'x'.repeat(2999 % 300)}` } });
    const big = await parse(await bigRoster(100_000));
    expect(big.counts).toMatchObject({ total: 100_000, valid: 100_000 });
    expect(big.entries.map((e) => e.row)).toEqual(Array.from({ length: 100_000 }, (_, i) => i + 2));
  });

  it('when a part inflates past the size its directory entry announced (a lying zip bomb), then it stops there as ROSTER_UNREADABLE', async () => {
    const file = zip([
      CT,
      { name: 'xl/workbook.xml', data: wbXml([['Roster', 'rId1']]) },
      { name: 'xl/_rels/workbook.xml.rels', data: rels(['worksheets/sheet1.xml']) },
      { name: 'xl/worksheets/sheet1.xml', data: sheetXml('<row r="1"><c r="A1" t="inlineStr"><is><t>Phone</t></is></c></row>' + ' '.repeat(5_000_000)), deflate: true, announce: 4000 },
    ]);
    await expect(parse(file)).rejects.toMatchObject({ reason: 'ROSTER_UNREADABLE', message: expect.stringContaining('announced size') });
  });

  it('when the parts read inflate past the total cap, then the read stops as ROSTER_UNREADABLE', async () => {
    const file = await roster([['Phone'], ...Array.from({ length: 2000 }, (_, i) => [`0812${String(10_000_000 + i)}`])]);
    await expect(parse(file, 20_000)).rejects.toMatchObject({ reason: 'ROSTER_UNREADABLE', message: expect.stringContaining('more than allowed') });
  });

  it('when the sheet is cut off inside a row, then ROSTER_UNREADABLE', async () => {
    const file = zip([
      CT,
      { name: 'xl/workbook.xml', data: wbXml([['Roster', 'rId1']]) },
      { name: 'xl/_rels/workbook.xml.rels', data: rels(['worksheets/sheet1.xml']) },
      { name: 'xl/worksheets/sheet1.xml', data: Buffer.from('<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Phone</t></is></c></row><row r="2"><c r="A2"><v>8123') },
    ]);
    await expect(parse(file)).rejects.toMatchObject({ reason: 'ROSTER_UNREADABLE' });
  });

  it('when one shared string is referenced again and again, then each reference counts its full length against the text budget, as it is read: over it ROSTER_TOO_LARGE', async () => {
    const sheet = (refs: number) => rawRow(1, ['Phone', 'V']) + Array.from({ length: refs }, (_, i) => rawRow(i + 2, [`n:8123456${7000 + i}`, 's:0'])).join('');
    // 3,000 bytes of text, 3 references: 9,000 of 10,000 allowed; the header's 6 characters count too.
    const under = await parse(rawRoster(sheet(3), { shared: ['z'.repeat(3000)] }), 1 << 30, { maxExpandedBytes: 10_000 });
    expect(under.errors.map((e) => e.reason)).toEqual(['VALUE_TOO_LONG', 'VALUE_TOO_LONG', 'VALUE_TOO_LONG']);
    await expect(parse(rawRoster(sheet(4), { shared: ['z'.repeat(3000)] }), 1 << 30, { maxExpandedBytes: 10_000 })).rejects.toMatchObject({ reason: 'ROSTER_TOO_LARGE' });
    // multi-byte text counts its UTF-8 bytes: 1,000 × 3 bytes
    await expect(parse(rawRoster(sheet(4), { shared: ['名'.repeat(1000)] }), 1 << 30, { maxExpandedBytes: 10_000 })).rejects.toMatchObject({ reason: 'ROSTER_TOO_LARGE' });
  });

  it('when long headers repeat in the variables of many rows of empty cells, then the variables built count against the text budget too: ROSTER_TOO_LARGE', async () => {
    const headers = ['Phone', ...Array.from({ length: 10 }, (_, i) => `${'h'.repeat(90)}${i}`)];
    const xml = rawRow(1, headers) + Array.from({ length: 100 }, (_, i) => rawRow(i + 2, [`n:8123456${7000 + i}`])).join('');
    // ~10 × 96 bytes of JSON per row from ~11 characters read: 100 rows are ~97 KB
    expect((await parse(rawRoster(xml), 1 << 30, { maxExpandedBytes: 200_000 })).entries).toHaveLength(100);
    await expect(parse(rawRoster(xml), 1 << 30, { maxExpandedBytes: 50_000 })).rejects.toMatchObject({ reason: 'ROSTER_TOO_LARGE' });
  });

  it('when a shared string is rich text of many runs, or an inline string, over 500 characters, then its row is VALUE_TOO_LONG and the quote is its first 500', async () => {
    const runs = Array.from({ length: 400 }, () => '<r><rPr><b/></rPr><t>ab</t></r>').join(''); // 800 characters
    const xml = rawRow(1, ['Phone', 'V']) + rawRow(2, ['081234567890', 's:0']) + rawRow(3, ['9'.repeat(700), 'x']) + rawRow(4, ['081234567891', 's:0']);
    const r = await parse(rawRoster(xml, { sharedXml: [runs] }));
    expect(r.errors).toEqual([
      { row: 2, raw: '081234567890', reason: 'VALUE_TOO_LONG' },
      { row: 3, raw: '9'.repeat(500), reason: 'VALUE_TOO_LONG' },
      { row: 4, raw: '081234567891', reason: 'VALUE_TOO_LONG' },
    ]);
  });

  it('when rows carry no r attribute and span read chunks, then each is numbered once, in order', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `<row><c t="inlineStr"><is><t>0812${10_000_000 + i}</t></is></c></row>`).join('');
    const file = zip([
      CT,
      { name: 'xl/workbook.xml', data: wbXml([['Roster', 'rId1']]) },
      { name: 'xl/_rels/workbook.xml.rels', data: rels(['worksheets/sheet1.xml']) },
      { name: 'xl/worksheets/sheet1.xml', data: sheetXml('<row><c t="inlineStr"><is><t>Phone</t></is></c></row>' + rows) }, // stored: read in 256 KiB slices
    ]);
    const r = await parse(file);
    expect(r.entries.map((e) => e.row)).toEqual(Array.from({ length: 20_000 }, (_, i) => i + 2));
  });

  it('when cells sit far apart (a lone cell at column XFD), then the row reads by column and the others count as empty', async () => {
    const xml = rawRow(1, ['Phone', 'Name']) + '<row r="2"><c r="A2"><v>81234567890</v></c><c r="XFD2" t="inlineStr"><is><t>far</t></is></c></row>' + '<row r="3"><c r="XFD3" t="inlineStr"><is><t>only far</t></is></c></row><row r="4"><c r="XFD4"/></row>';
    const r = await parse(rawRoster(xml));
    expect(r.entries).toEqual([{ row: 2, phone: '+6281234567890', name: null, vars: { Name: '' } }]);
    // row 3 has text (in a column without a header): not blank, so EMPTY; row 4 is blank
    expect(r.errors).toEqual([{ row: 3, raw: '', reason: 'EMPTY' }]);
  });

  it('when a header is __proto__ or constructor, then it is a plain variable and no prototype changes', async () => {
    const r = await parse(await roster([['Phone', '__proto__', 'constructor'], ['081234567890', 'p', 'c']]));
    expect(r.columns).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyNames(r.entries[0].vars)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).p).toBeUndefined();
  });
});

describe('phone set', () => {
  it('when numbers are added past several resizes, then each is new exactly once', () => {
    const set = new PhoneSet();
    let added = 0;
    let again = 0;
    for (let i = 0; i < 300_000; i++) if (set.add(6281200000000 + i * 7)) added++;
    for (let i = 0; i < 300_000; i += 1000) if (set.add(6281200000000 + i * 7)) again++;
    expect([added, again, set.add(6281200000001)]).toEqual([300_000, 0, true]);
  });
});
