import { inspectXlsx, zipDirectory, ZipError } from '@autocall/xlsx';
import { CT, rels, sheetXml, wbXml, zip } from './fixtures';

const caps = { maxUncompressedBytes: 1 << 30, maxRatio: 100 };
const parts = (sheet = sheetXml('<row r="1"><c r="A1"><v>1</v></c></row>'), deflate = false) => [
  CT,
  { name: 'xl/workbook.xml', data: wbXml([['Sheet1', 'rId1']]) },
  { name: 'xl/_rels/workbook.xml.rels', data: rels(['worksheets/sheet1.xml']) },
  { name: 'xl/worksheets/sheet1.xml', data: sheet, deflate },
];
/** Offset of the local header of part `name` (the fixture writes local headers first: its name's first occurrence is there). */
const localOf = (file: Buffer, name: string) => file.indexOf(Buffer.from(name)) - 30;

describe('inspectXlsx', () => {
  it('when the upload is a zip with workbook parts, then it is an xlsx, with what its directory says it expands to', () => {
    const file = zip(parts());
    const total = parts().reduce((n, p) => n + p.data.length, 0);
    expect(inspectXlsx(file, caps)).toEqual({ kind: 'xlsx', uncompressedBytes: total });
  });

  it.each([
    ['text', Buffer.from('Phone Number\n081234567890\n')],
    ['an empty file', Buffer.alloc(0)],
    ['a zip without workbook parts', zip([{ name: 'hello.txt', data: Buffer.from('hi') }])],
    ['a zip cut before its directory', zip(parts()).subarray(0, 200)],
    ['an OLE file that is not encrypted', Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(512)])],
  ])('when the upload is %s, then it is not an xlsx', (_what, file) => {
    expect(inspectXlsx(file, caps)).toEqual({ kind: 'not-xlsx' });
  });

  it('when it is an OLE file holding an EncryptedPackage, then it is a password-protected xlsx', () => {
    const file = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(64), Buffer.from('EncryptedPackage', 'utf16le')]);
    expect(inspectXlsx(file, caps)).toEqual({ kind: 'encrypted' });
  });

  it('when the directory announces more than the cap all together, or a large part compresses past the ratio, then too large, naming why', () => {
    const total = parts().reduce((n, p) => n + p.data.length, 0);
    expect(inspectXlsx(zip(parts()), { ...caps, maxUncompressedBytes: total - 1 })).toEqual({ kind: 'too-large', detail: `The workbook decompresses to more than ${total - 1} bytes.` });
    const bomb = zip(parts(Buffer.alloc(2 * 1024 * 1024, 0x20), true));
    expect(inspectXlsx(bomb, caps)).toEqual({ kind: 'too-large', detail: 'Part xl/worksheets/sheet1.xml has a compression ratio over 100.' });
    expect(inspectXlsx(bomb, { ...caps, maxRatio: 10_000 })).toMatchObject({ kind: 'xlsx' });
  });

  it('when a local header announces other sizes than the directory, or another name, then too large / not an xlsx', () => {
    const file = zip(parts());
    const at = localOf(file, 'xl/workbook.xml');
    const sizes = Buffer.from(file);
    sizes.writeUInt32LE(sizes.readUInt32LE(at + 22) + 1, at + 22);
    expect(inspectXlsx(sizes, caps)).toEqual({ kind: 'too-large', detail: 'Part xl/workbook.xml announces different sizes in its local header.' });
    const named = Buffer.from(file);
    named.write('X', at + 30);
    expect(inspectXlsx(named, caps)).toEqual({ kind: 'not-xlsx' });
  });

  it('when the directory carries ZIP64 markers, then too large: ZIP64 is not accepted', () => {
    const file = Buffer.from(zip(parts()));
    const eocd = file.length - 22;
    file.writeUInt16LE(0xffff, eocd + 10);
    expect(inspectXlsx(file, caps)).toEqual({ kind: 'too-large', detail: 'ZIP64 archives are not accepted.' });
  });
});

describe('zipDirectory (the one walk of the directory)', () => {
  it('when it walks a zip, then it answers every part with where its data starts, and a check may stop it', () => {
    const file = zip(parts());
    const entries = zipDirectory(file);
    expect([...entries.keys()]).toEqual(['[Content_Types].xml', 'xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/worksheets/sheet1.xml']);
    const wb = entries.get('xl/workbook.xml');
    expect(wb && file.subarray(wb.dataStart, wb.dataStart + wb.compressed).toString()).toBe(wbXml([['Sheet1', 'rId1']]).toString());
    const seen: string[] = [];
    expect(() =>
      zipDirectory(file, (e) => {
        seen.push(e.name);
        if (e.name === 'xl/workbook.xml') throw new ZipError('too-large', 'stop');
      }),
    ).toThrow('stop');
    expect(seen).toEqual(['[Content_Types].xml', 'xl/workbook.xml']);
  });
});
