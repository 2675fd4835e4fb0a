import { asTenant, eventually, newTenantId, sql, startTestService, type TestService } from '@autocall/testing';
import { RosterEntriesPage, RosterGet, RosterRelease, RosterReserve } from '@autocall/contracts';
import { buildApp, ROSTER_SCHEMA, rosterMigrations } from '../src/app';
import { rosterConfigSchema, type RosterConfig } from '../src/config';
import { rosterRepository } from '../src/data/roster.repository';
import { readUpload } from '../src/data/upload-reader';
import { bigRoster, form, readXlsx, roster, workbook, zip, type Cell } from './helpers';

type Svc = TestService<RosterConfig>;
let svc: Svc;
let small: Svc;

const start = (env: Record<string, string> = {}) =>
  startTestService({ name: 'roster', schema: ROSTER_SCHEMA, migrations: rosterMigrations, configSchema: rosterConfigSchema, buildApp, env: { ROSTER_IMPORT_POLL_MS: '60000', ...env } });

beforeAll(async () => {
  svc = await start();
  small = await start({ ROSTER_MAX_ROWS: '5', ROSTER_MAX_BYTES: '20000', ROSTER_MAX_UNCOMPRESSED_BYTES: '60000' });
});
afterAll(async () => {
  await svc?.close();
  await small?.close();
});

const upload = (s: Svc, tenant: string, file: Buffer | undefined, opts: { name?: string; description?: string; wait?: boolean; fileName?: string; fileFirst?: boolean } = {}) => {
  const parts: { name: string; value: string | Buffer; filename?: string }[] = [];
  if (opts.name !== undefined) parts.push({ name: 'name', value: opts.name });
  if (opts.description !== undefined) parts.push({ name: 'description', value: opts.description });
  if (file) {
    const f = { name: 'file', value: file, filename: opts.fileName ?? 'roster.xlsx' };
    if (opts.fileFirst) parts.unshift(f);
    else parts.push(f);
  }
  const body = form(parts);
  return s.app.inject({ method: 'POST', url: `/v1/rosters${opts.wait === false ? '' : '?wait=true'}`, headers: { ...asTenant(tenant), ...body.headers }, payload: body.payload });
};
const get = (s: Svc, tenant: string, url: string) => s.app.inject({ method: 'GET', url, headers: asTenant(tenant) });

async function allPages(s: Svc, tenant: string, url: string, limit = 2) {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const res = await get(s, tenant, `${url}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.statusCode).toBe(200);
    items.push(...res.json().items);
    cursor = res.json().nextCursor;
  } while (cursor);
  return items;
}

describe('template', () => {
  it('when the template is downloaded, then it has a Roster sheet with Phone Number (text) and Name, and Instructions', async () => {
    const res = await get(svc, newTenantId(), '/v1/rosters/template');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml.sheet');
    const wb = await readXlsx(res.rawPayload);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Roster', 'Instructions']);
    const ws = wb.getWorksheet('Roster')!;
    expect([ws.getCell('A1').value, ws.getCell('B1').value]).toEqual(['Phone Number', 'Name']);
    expect(ws.getCell('A2').numFmt).toBe('@');
    expect(ws.getCell('A500').numFmt).toBe('@');
    // no sample row: a user who appends their numbers must not call an example number
    expect([ws.getCell('A2').value, ws.getCell('B2').value]).toEqual([null, null]);
  });
});

describe('import and validation', () => {
  const tenant = newTenantId();
  let id: string;
  let body: any;

  beforeAll(async () => {
    const rows: Cell[][] = [
      ['Phone Number', 'Name', 'Order Id', '__proto__', 'constructor'],
      ['87630021323', 'A', 'O-1', 'p', 'c'], // 2
      ['087630021324', 'B', 'O-2', null, null], // 3
      ['6287630021325', 'C', null, null, null], // 4
      ['+6287630021326', 'D', null, null, null], // 5
      ['0876-3002 1327', 'E', null, null, null], // 6
      ['(0876) 3002.1328', 'F', null, null, null], // 7
      [87630021329, 'G', null, null, null], // 8 numeric cell
      [null, null, null, null, null], // 9 blank: skipped
      [null, 'H no phone', null, null, null], // 10 EMPTY
      ['abc', 'I', null, null, null], // 11 NOT_A_NUMBER
      ['0812', 'J', null, null, null], // 12 TOO_SHORT
      ['081234567890123456', 'K', null, null, null], // 13 TOO_LONG
      ['+6591234567', 'L', null, null, null], // 14 FOREIGN_NUMBER (Singapore)
      ['0000000000', 'M', null, null, null], // 15 INVALID_NUMBER
      ['087630021323', 'N', null, null, null], // 16 DUPLICATE of row 2
      [6287630021330, 'O', null, null, null], // 17 numeric with country code
      [{ formula: 'CONCAT("0","87630021331")', result: '087630021331' }, { richText: [{ text: 'Ri' }, { text: 'ch' }] }, null, null, null], // 18 formula: cached result
      ['=1+1', 'P', null, null, null], // 19 NOT_A_NUMBER, exported escaped
    ];
    const res = await upload(svc, tenant, await roster(rows), { name: 'January', description: 'promo' });
    expect(res.statusCode).toBe(201);
    body = res.json();
    id = body.id;
    expect(res.headers.location).toBe(`/v1/rosters/${id}`);
  });

  it('when a roster with every case is imported, then it is ready and the counts add up (blank rows counted nowhere)', () => {
    expect(body).toMatchObject({
      name: 'January',
      description: 'promo',
      fileName: 'roster.xlsx',
      status: 'ready',
      failureReason: null,
      counts: { totalRows: 17, valid: 9, invalid: 7, duplicate: 1 },
      progress: { processedRows: 17 },
      columns: ['Name', 'Order Id', '__proto__', 'constructor'],
    });
  });

  it('when entries are listed page by page, then every form is normalised to E.164 with the worksheet row number', async () => {
    const entries = await allPages(svc, tenant, `/v1/rosters/${id}/entries`);
    expect(entries.map((e) => [e.rowNumber, e.phone])).toEqual([
      [2, '+6287630021323'],
      [3, '+6287630021324'],
      [4, '+6287630021325'],
      [5, '+6287630021326'],
      [6, '+6287630021327'],
      [7, '+6287630021328'],
      [8, '+6287630021329'],
      [17, '+6287630021330'],
      [18, '+6287630021331'],
    ]);
    expect(entries[0]).toEqual({ rowNumber: 2, phone: '+6287630021323', rawPhone: '87630021323', name: 'A', variables: { Name: 'A', 'Order Id': 'O-1', ['__proto__']: 'p', constructor: 'c' } });
    expect(entries[8].name).toBe('Rich');
    expect(({} as any).p).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('p');
  });

  it('when errors are listed, then each bad row has its reason, duplicates included', async () => {
    const errors = await allPages(svc, tenant, `/v1/rosters/${id}/errors`, 3);
    expect(errors).toEqual([
      { rowNumber: 10, rawPhone: '', reason: 'EMPTY' },
      { rowNumber: 11, rawPhone: 'abc', reason: 'NOT_A_NUMBER' },
      { rowNumber: 12, rawPhone: '0812', reason: 'TOO_SHORT' },
      { rowNumber: 13, rawPhone: '081234567890123456', reason: 'TOO_LONG' },
      { rowNumber: 14, rawPhone: '+6591234567', reason: 'FOREIGN_NUMBER' },
      { rowNumber: 15, rawPhone: '0000000000', reason: 'INVALID_NUMBER' },
      { rowNumber: 16, rawPhone: '087630021323', reason: 'DUPLICATE' },
      { rowNumber: 19, rawPhone: '=1+1', reason: 'NOT_A_NUMBER' },
    ]);
  });

  it('when errors are downloaded as xlsx, then formula-like cells are escaped', async () => {
    const res = await get(svc, tenant, `/v1/rosters/${id}/errors?format=xlsx`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml.sheet');
    const ws = (await readXlsx(res.rawPayload)).worksheets[0];
    const rows: unknown[][] = [];
    ws.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
    expect(rows[0]).toEqual(['Row Number', 'Phone Number', 'Reason']);
    expect(rows).toContainEqual([14, "'+6591234567", 'FOREIGN_NUMBER']);
    expect(rows).toContainEqual([19, "'=1+1", 'NOT_A_NUMBER']);
    for (const r of rows) expect(typeof r[1] === 'string' ? /^[=+\-@]/.test(r[1]) : false).toBe(false);
  });

  it('when a cursor is malformed or from another list, then 400 INVALID_CURSOR', async () => {
    for (const cursor of ['nope', Buffer.from('{"l":"x","k":[1]}').toString('base64url')]) {
      const res = await get(svc, tenant, `/v1/rosters/${id}/entries?cursor=${cursor}`);
      expect([res.statusCode, res.json().code]).toEqual([400, 'INVALID_CURSOR']);
    }
    const errorsCursor = (await get(svc, tenant, `/v1/rosters/${id}/errors?limit=1`)).json().nextCursor;
    expect((await get(svc, tenant, `/v1/rosters/${id}/entries?cursor=${errorsCursor}`)).json().code).toBe('INVALID_CURSOR');
  });

  it('when another tenant asks, then 404 everywhere', async () => {
    const other = newTenantId();
    for (const [method, url, payload] of [
      ['GET', `/v1/rosters/${id}`, undefined],
      ['GET', `/v1/rosters/${id}/entries`, undefined],
      ['GET', `/v1/rosters/${id}/errors`, undefined],
      ['PATCH', `/v1/rosters/${id}`, { name: 'x' }],
      ['DELETE', `/v1/rosters/${id}`, undefined],
    ] as const) {
      const res = await svc.app.inject({ method, url, headers: asTenant(other), payload });
      expect([method, url, res.statusCode, res.json().code]).toEqual([method, url, 404, 'ROSTER_NOT_FOUND']);
    }
    expect(await svc.deps.bus.request(RosterGet, { tenantId: other, rosterId: id })).toEqual({ found: false });
  });

  it('when the roster is ready, then roster.get and roster.entries.page answer for the dialer and the task service', async () => {
    expect(await svc.deps.bus.request(RosterGet, { tenantId: tenant, rosterId: id })).toMatchObject({
      found: true, status: 'ready', name: 'January', columns: ['Name', 'Order Id', '__proto__', 'constructor'], counts: { totalRows: 17, valid: 9, invalid: 7, duplicate: 1 },
    });
    const first = await svc.deps.bus.request(RosterEntriesPage, { tenantId: tenant, rosterId: id, afterRowNumber: 0, limit: 5 });
    expect(first.entries.map((e) => e.rowNumber)).toEqual([2, 3, 4, 5, 6]);
    expect(first.nextAfterRowNumber).toBe(6);
    const rest = await svc.deps.bus.request(RosterEntriesPage, { tenantId: tenant, rosterId: id, afterRowNumber: 6, limit: 5 });
    expect(rest.entries.map((e) => e.rowNumber)).toEqual([7, 8, 17, 18]);
    expect(rest.nextAfterRowNumber).toBeNull();
  });

  it('when ready, then roster.ready is in the outbox, and the public roster.status with the roster as GET shows it', async () => {
    const rows = await sql(`SELECT name, payload FROM roster.outbox WHERE payload->>'rosterId' = $1`, [id]);
    expect(rows).toEqual([{ name: 'roster.ready', payload: { tenantId: tenant, rosterId: id, valid: 9, totalRows: 17 } }]);
    const view = (await svc.app.inject({ method: 'GET', url: `/v1/rosters/${id}`, headers: asTenant(tenant) })).json();
    const published = await sql(`SELECT name, payload FROM roster.outbox WHERE payload->'roster'->>'id' = $1`, [id]);
    expect(published).toEqual([{ name: 'roster.status', payload: { tenantId: tenant, roster: view } }]);
  });
});

describe('sheets and headers', () => {
  const tenant = newTenantId();
  it('when a workbook has several sheets and one is named Roster, then that one is read', async () => {
    const file = await workbook([
      { name: 'Notes', rows: [['Nothing here']] },
      { name: 'roster', rows: [['No. HP', 'Nama'], ['081234567890', 'Siti']] },
    ]);
    const res = await upload(svc, tenant, file, { name: 'Sheets', fileFirst: true });
    expect(res.json()).toMatchObject({ status: 'ready', counts: { valid: 1 }, columns: ['Nama'] });
  });

  it('when no sheet is named Roster, then the first sheet is read', async () => {
    const file = await workbook([
      { name: 'Data', rows: [['Telepon'], ['081234567891']] },
      { name: 'Other', rows: [['Phone'], ['081234567892'], ['081234567893']] },
    ]);
    const res = await upload(svc, tenant, file, { name: 'First' });
    expect(res.json()).toMatchObject({ status: 'ready', counts: { totalRows: 1, valid: 1 } });
  });

  it.each([
    ['no phone column', [['Name', 'City'], ['Budi', 'Jakarta']], 'ROSTER_NO_PHONE_COLUMN'],
    ['an empty sheet', [], 'ROSTER_EMPTY'],
    ['only a header', [['Phone Number', 'Name']], 'ROSTER_EMPTY'],
    ['only blank rows after the header', [['Phone Number'], [null], [null]], 'ROSTER_EMPTY'],
  ])('when the sheet has %s, then the roster fails with %s (third)', async (_what, rows, reason) => {
    const res = await upload(svc, tenant, await roster(rows as Cell[][]), { name: 'Bad' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ status: 'failed', failureReason: reason, counts: { totalRows: 0 } });
    const events = await sql(`SELECT name, payload->>'failureReason' AS reason FROM roster.outbox WHERE payload->>'rosterId' = $1`, [res.json().id]);
    expect(events).toEqual([{ name: 'roster.failed', reason }]);
    const published = await sql(`SELECT payload FROM roster.outbox WHERE name = 'roster.status' AND payload->'roster'->>'id' = $1`, [res.json().id]);
    expect(published.map((p) => p.payload.roster)).toEqual([res.json()]);
  });

  it('when there are more rows than ROSTER_MAX_ROWS, then the roster fails with ROSTER_TOO_MANY_ROWS', async () => {
    const rows: Cell[][] = [['Phone']];
    for (let i = 0; i < 6; i++) rows.push([`08123456780${i}`]);
    const res = await upload(small, tenant, await roster(rows), { name: 'Many' });
    expect(res.json()).toMatchObject({ status: 'failed', failureReason: 'ROSTER_TOO_MANY_ROWS' });
  });
});

describe('bad uploads', () => {
  const tenant = newTenantId();
  const count = async () => (await get(svc, tenant, '/v1/rosters')).json().total as number;

  it.each([
    ['plain text renamed .xlsx', Buffer.from('Phone Number\n081234567890\n')],
    ['a CSV', Buffer.from('Phone Number,Name\r\n081234567890,Budi\r\n')],
    ['an .xls (OLE compound file)', Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(600), Buffer.from('Workbook', 'utf16le')])],
    ['a zip without workbook parts', zip([{ name: 'hello.txt', data: Buffer.from('hi') }])],
    ['an empty file', Buffer.alloc(0)],
  ])('when the file is %s, then 415 ROSTER_NOT_XLSX and nothing is stored', async (_what, file) => {
    const before = await count();
    const res = await upload(svc, tenant, file, { name: 'X' });
    expect([res.statusCode, res.json().code]).toEqual([415, 'ROSTER_NOT_XLSX']);
    expect(await count()).toBe(before);
  });

  it('when the zip directory announces a huge ratio (zip bomb), then 422 ROSTER_TOO_LARGE before parsing', async () => {
    const bomb = zip([
      { name: '[Content_Types].xml', data: Buffer.from('<Types/>') },
      { name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') },
      { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(30 * 1024 * 1024, 0x20), deflate: true },
    ]);
    const res = await upload(svc, tenant, bomb, { name: 'Bomb' });
    expect([res.statusCode, res.json().code]).toEqual([422, 'ROSTER_TOO_LARGE']);
  });

  it('when the parts decompress to more than ROSTER_MAX_UNCOMPRESSED_BYTES, then 422 ROSTER_TOO_LARGE', async () => {
    const file = zip([
      { name: '[Content_Types].xml', data: Buffer.from('<Types/>') },
      { name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') },
      { name: 'xl/worksheets/sheet1.xml', data: Buffer.from('x'.repeat(70_000)), deflate: true },
    ]);
    const res = await upload(small, tenant, file, { name: 'Big' });
    expect([res.statusCode, res.json().code]).toEqual([422, 'ROSTER_TOO_LARGE']);
  });

  it('when a part inflates past what the zip directory announced (a bomb the directory hides), then the import stops there: failed ROSTER_UNREADABLE', async () => {
    const sheet = Buffer.from(`<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Phone</t></is></c></row>${' '.repeat(5_000_000)}</sheetData></worksheet>`);
    const file = zip([
      { name: '[Content_Types].xml', data: Buffer.from('<Types/>') },
      { name: 'xl/workbook.xml', data: Buffer.from('<workbook><sheets><sheet name="Roster" sheetId="1" r:id="rId1"/></sheets></workbook>') },
      { name: 'xl/_rels/workbook.xml.rels', data: Buffer.from('<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>') },
      { name: 'xl/worksheets/sheet1.xml', data: sheet, deflate: true, announce: 1000 },
    ]);
    const res = await upload(svc, tenant, file, { name: 'Hidden bomb' });
    expect(res.json()).toMatchObject({ status: 'failed', failureReason: 'ROSTER_UNREADABLE' });
  });

  it('when the file is over ROSTER_MAX_BYTES, then 413', async () => {
    const res = await upload(small, tenant, Buffer.alloc(30_000, 1), { name: 'Huge' });
    expect(res.statusCode).toBe(413);
  });

  it('when the workbook is password-protected, then it is accepted and fails ROSTER_UNREADABLE', async () => {
    const encrypted = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(600), Buffer.from('EncryptedPackage', 'utf16le'), Buffer.alloc(600)]);
    const res = await upload(svc, tenant, encrypted, { name: 'Locked' });
    expect(res.json()).toMatchObject({ status: 'failed', failureReason: 'ROSTER_UNREADABLE' });
  });

  it('when the workbook is corrupt, then it fails ROSTER_UNREADABLE', async () => {
    const corrupt = zip([
      { name: '[Content_Types].xml', data: Buffer.from('<Types/>') },
      { name: 'xl/workbook.xml', data: Buffer.from('<workbook><sheets><sheet name="Roster" sheetId="1" r:id="rId1"/></sheets></workbook>') },
      { name: 'xl/_rels/workbook.xml.rels', data: Buffer.from('<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>') },
      { name: 'xl/worksheets/sheet1.xml', data: Buffer.from('garbage'), deflate: true },
    ]);
    // Corrupt the deflated sheet's bytes so inflating fails.
    const i = corrupt.indexOf(Buffer.from('xl/worksheets/sheet1.xml')) + 'xl/worksheets/sheet1.xml'.length;
    corrupt.fill(0xff, i, i + 4);
    const res = await upload(svc, tenant, corrupt, { name: 'Corrupt' });
    expect(res.json()).toMatchObject({ status: 'failed', failureReason: 'ROSTER_UNREADABLE' });
  });

  it.each([
    [{ description: 'x' }, 'name'],
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(101) }, 'name'],
    [{ name: 'ok', description: 'x'.repeat(501) }, 'description'],
  ])('when the fields are %p, then 400 naming %s', async (fields, field) => {
    const res = await upload(svc, tenant, await roster([['Phone'], ['081234567890']]), fields);
    expect([res.statusCode, res.json().code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('when there is no file part, then 400 ROSTER_FILE_MISSING', async () => {
    const res = await upload(svc, tenant, undefined, { name: 'x' });
    expect([res.statusCode, res.json().code]).toEqual([400, 'ROSTER_FILE_MISSING']);
  });

  it('when the body has two files or too many fields, then 400 with its code (not 413) and no roster', async () => {
    const xlsx = await roster([['Phone'], ['081234567890']]);
    const tenantOfThis = newTenantId();
    const post = (parts: Parameters<typeof form>[0]) => {
      const body = form(parts);
      return svc.app.inject({ method: 'POST', url: '/v1/rosters?wait=true', headers: { ...asTenant(tenantOfThis), ...body.headers }, payload: body.payload });
    };
    const two = await post([{ name: 'name', value: 'Two' }, { name: 'file', value: xlsx, filename: 'a.xlsx' }, { name: 'file', value: xlsx, filename: 'b.xlsx' }]);
    expect([two.statusCode, two.json().code]).toEqual([400, 'ROSTER_TOO_MANY_FILES']);
    const many = await post([...Array.from({ length: 5 }, () => ({ name: 'name', value: 'x' })), { name: 'file', value: xlsx, filename: 'a.xlsx' }]);
    expect([many.statusCode, many.json().code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(await sql(`SELECT count(*)::int AS n FROM roster.rosters WHERE tenant_id = $1`, [tenantOfThis])).toEqual([{ n: 0 }]);
  });
});

describe('lifecycle', () => {
  const tenant = newTenantId();

  it('without wait, then 202 validating, then ready; listing filters by name and status, newest first', async () => {
    const res = await upload(svc, tenant, await roster([['Phone'], ['081234567890']]), { name: 'Alpha one', wait: false });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'validating', progress: { processedRows: 0 } });
    await eventually(async () => (await get(svc, tenant, `/v1/rosters/${res.json().id}`)).json().status === 'ready');
    await upload(svc, tenant, await roster([['Name']]), { name: 'alpha two' });
    const all = (await get(svc, tenant, '/v1/rosters')).json();
    expect(all).toMatchObject({ page: 1, pageSize: 20, total: 2 });
    expect(all.items.map((i: { name: string }) => i.name)).toEqual(['alpha two', 'Alpha one']);
    expect((await get(svc, tenant, '/v1/rosters?name=ALPHA&status=failed')).json().items.map((i: { name: string }) => i.name)).toEqual(['alpha two']);
    expect((await get(svc, tenant, '/v1/rosters?pageSize=0')).statusCode).toBe(400);
    expect((await get(svc, tenant, '/v1/rosters/nope')).json().code).toBe('INVALID_ID');
  });

  it('when reserved by a task, then delete answers 409 ROSTER_IN_USE until released; then 204 and roster.deleted', async () => {
    const id = (await upload(svc, tenant, await roster([['Phone'], ['081234567890']]), { name: 'Used' })).json().id;
    const patched = await svc.app.inject({ method: 'PATCH', url: `/v1/rosters/${id}`, headers: asTenant(tenant), payload: { name: 'Renamed', description: null } });
    expect(patched.json()).toMatchObject({ name: 'Renamed', description: null });
    const taskId = newTenantId();
    await expect(svc.deps.bus.request(RosterReserve, { tenantId: newTenantId(), rosterId: id, taskId })).rejects.toMatchObject({ code: 'ROSTER_NOT_FOUND' });
    await svc.deps.bus.request(RosterReserve, { tenantId: tenant, rosterId: id, taskId });
    const del = await svc.app.inject({ method: 'DELETE', url: `/v1/rosters/${id}`, headers: asTenant(tenant) });
    expect([del.statusCode, del.json().code]).toEqual([409, 'ROSTER_IN_USE']);
    await svc.deps.bus.request(RosterRelease, { tenantId: tenant, taskId });
    expect((await svc.app.inject({ method: 'DELETE', url: `/v1/rosters/${id}`, headers: asTenant(tenant) })).statusCode).toBe(204);
    expect((await get(svc, tenant, `/v1/rosters/${id}`)).statusCode).toBe(404);
    expect(await sql(`SELECT count(*)::int AS n FROM roster.roster_entries WHERE roster_id = $1`, [id])).toEqual([{ n: 0 }]);
    expect((await sql(`SELECT name FROM roster.outbox WHERE payload->>'rosterId' = $1 ORDER BY seq`, [id])).map((r) => r.name)).toEqual(['roster.ready', 'roster.deleted']);
  });
});

describe('shared strings and the stored upload', () => {
  it('when the workbook keeps its strings in a shared-strings table (as Excel saves), then every number is imported with its row', async () => {
    const rows = 30_000;
    // Mixed forms, as the benchmark's: national, +62, 62…; every 500th too short.
    const phone = (i: number) => (i % 500 === 7 ? '0812' : i % 3 === 0 ? `0812${10_000_000 + i}` : i % 3 === 1 ? `+62812${10_000_000 + i}` : `62812${10_000_000 + i}`);
    const file = await bigRoster(rows, phone, { sharedStrings: true });
    expect(file.includes('xl/sharedStrings.xml')).toBe(true);
    const tenant = newTenantId();
    const res = await upload(svc, tenant, file, { name: 'Shared strings' });
    expect(res.statusCode).toBe(201);
    const invalid = rows / 500;
    expect(res.json()).toMatchObject({ status: 'ready', counts: { totalRows: rows, valid: rows - invalid, invalid, duplicate: 0 }, columns: ['Name', 'Order Id'] });
    const id = res.json().id as string;
    const entries = await sql(`SELECT row_number, phone, raw_phone, name, variables FROM roster.roster_entries r WHERE roster_id = $1 AND attempt = (SELECT attempt FROM roster.rosters WHERE id = $1) ORDER BY row_number`, [id]);
    const expected = Array.from({ length: rows }, (_, i) => i)
      .filter((i) => i % 500 !== 7)
      .map((i) => ({ row_number: i + 2, phone: `+62812${10_000_000 + i}`, raw_phone: phone(i), name: `Person ${i}`, variables: { Name: `Person ${i}`, 'Order Id': `ORD-${i}` } }));
    expect(entries).toEqual(expected);
    const errors = await sql(`SELECT row_number, raw_phone, reason FROM roster.roster_errors WHERE roster_id = $1 ORDER BY row_number`, [id]);
    expect(errors).toEqual(Array.from({ length: invalid }, (_, k) => ({ row_number: k * 500 + 7 + 2, raw_phone: '0812', reason: 'TOO_SHORT' })));
  }, 60_000);

  it('when the stored upload spans several parts, then it is read back byte for byte (the import of another replica, a restart)', async () => {
    const bytes = Buffer.alloc(9 * 1024 * 1024 + 12344);
    for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32LE((Math.imul(i, 2654435761) ^ (i >>> 7)) >>> 0, i);
    const id = newTenantId();
    await svc.deps.db.transaction(async (m) => {
      await rosterRepository.insert(m, { id, tenant_id: newTenantId(), name: 'parts', description: null, file_name: 'x.xlsx', size_bytes: bytes.length }, bytes);
      // No import of these bytes (they are no workbook): the job goes before anyone can claim it.
      await m.query(`DELETE FROM roster_jobs WHERE roster_id = $1`, [id]);
    });
    try {
      expect((await sql(`SELECT count(*)::int AS n FROM roster.roster_upload_parts WHERE roster_id = $1`, [id]))[0].n).toBe(3);
      const back = await readUpload(svc.deps.db, id);
      expect(back?.length).toBe(bytes.length);
      expect(back?.equals(bytes)).toBe(true);
      expect(await readUpload(svc.deps.db, newTenantId())).toBeUndefined();
    } finally {
      await sql(`DELETE FROM roster.rosters WHERE id = $1`, [id]);
    }
  });
});

describe('crash and restart', () => {
  it('when the worker dies mid-file, then another replica takes the expired lease and the roster ends ready with every row exactly once', async () => {
    // The other replicas of this file only import on their own uploads (long poll), so the job
    // is this one's until it "crashes"; then replica b picks up the expired lease.
    const rows = 120_000;
    const file = await bigRoster(rows, (i) => (i % 1000 === 999 ? '0812' : `0812${String(10_000_000 + i).padStart(8, '0')}`));
    const a = await start({ ROSTER_IMPORT_LEASE_MS: '1000', ROSTER_IMPORT_POLL_MS: '100000', ROSTER_IMPORT_COPY_ROWS: '5000' });
    const tenant = newTenantId();
    const res = await upload(a, tenant, file, { name: 'Crash', wait: false });
    expect(res.statusCode).toBe(202);
    const id = res.json().id as string;
    // progress moves while it runs
    const seen = await eventually(async () => {
      const r = (await get(a, tenant, `/v1/rosters/${id}`)).json();
      return r.status === 'validating' && r.progress.processedRows > 20_000 && r.progress.processedRows < rows ? r : undefined;
    }, 30_000, 20);
    expect(seen.progress.processedRows).toBeGreaterThan(0);
    await a.app.rosterImports.crash();
    const leftovers = await sql(`SELECT count(*)::int AS n FROM roster.roster_entries WHERE roster_id = $1`, [id]);
    expect(leftovers[0].n).toBeGreaterThan(0);
    await a.close();
    const b = await start({ ROSTER_IMPORT_LEASE_MS: '1000', ROSTER_IMPORT_POLL_MS: '100' });
    try {
      const done = await eventually(async () => {
        const r = (await get(b, tenant, `/v1/rosters/${id}`)).json();
        return r.status !== 'validating' ? r : undefined;
      }, 60_000, 100);
      const invalid = rows / 1000;
      expect(done).toMatchObject({ status: 'ready', counts: { totalRows: rows, valid: rows - invalid, invalid, duplicate: 0 } });
      const [roster] = await sql(`SELECT attempt FROM roster.rosters WHERE id = $1`, [id]);
      expect(roster.attempt).toBeGreaterThanOrEqual(2);
      const [stats] = await sql(
        `SELECT count(*)::int AS n, count(DISTINCT row_number)::int AS distinct_rows, min(row_number) AS lo, max(row_number) AS hi, count(DISTINCT attempt)::int AS attempts
           FROM roster.roster_entries WHERE roster_id = $1`,
        [id],
      );
      expect(stats).toEqual({ n: rows - invalid, distinct_rows: rows - invalid, lo: 2, hi: rows, attempts: 1 });
      const [errs] = await sql(`SELECT count(*)::int AS n FROM roster.roster_errors WHERE roster_id = $1`, [id]);
      expect(errs.n).toBe(invalid);
      const events = await sql(`SELECT name FROM roster.outbox WHERE payload->>'rosterId' = $1`, [id]);
      expect(events).toEqual([{ name: 'roster.ready' }]);
    } finally {
      await b.close();
    }
  }, 120_000);
});
