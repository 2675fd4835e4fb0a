import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { asTenant, newTenantId, sql, startTestService, TEST_INTERNAL_TOKEN, testEnv, type TestService } from '@autocall/testing';
import { buildApp, ROSTER_SCHEMA, rosterMigrations } from '../src/app';
import { rosterConfigSchema, type RosterConfig } from '../src/config';
import { form, rawRoster, rawRow, readXlsx, roster, type Cell } from './helpers';

/**
 * API.md "size caps": what a small upload can make the platform store or hold is bounded, whatever
 * shared strings or repeated cells it uses. The amplification workbook runs against the roster
 * service as its own process (`node services/roster/dist/main.js`, as deployed) so that its RSS,
 * import thread included, is measured; the other caps against the service in-process.
 */

const root = join(__dirname, '..', '..', '..');
const MB = 1024 * 1024;
type Svc = TestService<RosterConfig>;
let svc: Svc;

beforeAll(async () => {
  svc = await startTestService({ name: 'roster', schema: ROSTER_SCHEMA, migrations: rosterMigrations, configSchema: rosterConfigSchema, buildApp, env: { ROSTER_IMPORT_POLL_MS: '60000' } });
});
afterAll(async () => {
  await svc?.close();
});

const upload = (tenant: string, file: Buffer, name = 'caps') => {
  const body = form([
    { name: 'name', value: name },
    { name: 'file', value: file, filename: 'roster.xlsx' },
  ]);
  return svc.app.inject({ method: 'POST', url: '/v1/rosters?wait=true', headers: { ...asTenant(tenant), ...body.headers }, payload: body.payload });
};
const get = (tenant: string, url: string) => svc.app.inject({ method: 'GET', url, headers: asTenant(tenant) });

/** Bytes of every table (indexes and TOAST included) of the roster schema. */
async function schemaBytes(): Promise<number> {
  const [row] = await sql(`SELECT coalesce(sum(pg_total_relation_size(format('%I.%I', schemaname, tablename)::regclass)), 0)::bigint AS n FROM pg_tables WHERE schemaname = 'roster'`);
  return Number(row.n);
}

/** 1 MiB of text that deflate cannot shrink much: the zip passes the ratio cap, as an attacker's would. */
const bigString = () => randomBytes(786_432).toString('base64');

/** Header `Phone Number, A, B, C`; rows 2… with a phone number and three references to shared string `ref`. */
function amplification(rows: number, extra: { from: number; cells: (r: number) => (string | null)[] } | undefined = undefined): Buffer {
  const xml = [rawRow(1, ['Phone Number', 'A', 'B', 'C'])];
  for (let r = 2; r <= rows + 1; r++) xml.push(rawRow(r, [`n:812${10_000_000 + r}`, 's:0', 's:0', 's:0']));
  if (extra) for (let r = extra.from; r < extra.from + 40; r++) xml.push(rawRow(r, extra.cells(r)));
  return rawRoster(xml.join(''), { shared: [bigString(), 'small'] });
}

describe('the amplification workbook, against the roster service as its own process', () => {
  let child: ChildProcess | undefined;
  let port = 0;
  let output = '';

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
    port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    child = spawn(process.execPath, [join(root, 'services/roster/dist/main.js')], {
      cwd: root,
      // as `pnpm start`, docker-compose and the k8s manifest run it
      env: { PATH: process.env.PATH, MALLOC_MMAP_THRESHOLD_: '131072', ...testEnv({ ROSTER_PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ROSTER_IMPORT_POLL_MS: '60000' }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/ready`)).status === 200) break;
      } catch {
        // not listening yet
      }
      if (i > 200 || child.exitCode !== null) throw new Error(`the roster service did not become ready: ${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  });

  /** The service's resident memory now and its peak (VmRSS, VmHWM), MB. */
  const memory = () => {
    const s = readFileSync(`/proc/${child?.pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  };

  it('when 6,000 cells reference one 1 MiB shared string (~6 GiB of cell text from a ~1 MiB upload), then the roster ends failed ROSTER_TOO_LARGE, the roster schema stays under 10 MB more and the service under 400 MB RSS', async () => {
    const file = amplification(2000);
    expect(file.length).toBeLessThan(1.2 * MB);
    const tenant = newTenantId();
    const headers = { 'x-internal-token': TEST_INTERNAL_TOKEN, 'x-autocall-tenant-id': tenant };
    const before = await schemaBytes();
    const body = new FormData();
    body.append('name', 'amplification');
    body.append('file', new Blob([file]), 'roster.xlsx');
    const res = await fetch(`http://127.0.0.1:${port}/v1/rosters`, { method: 'POST', headers, body });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    let growth = 0;
    let roster: { status: string; failureReason: string | null; counts: unknown } | undefined;
    // Watched while it runs: the growth must never pass the bound, not just be gone at the end
    // (before the caps, this import wrote 3 MiB per row until the disk was full).
    for (;;) {
      growth = Math.max(growth, (await schemaBytes()) - before);
      if (growth > 10 * MB || memory().rss > 400) break;
      roster = (await (await fetch(`http://127.0.0.1:${port}/v1/rosters/${id}`, { headers })).json()) as typeof roster;
      if (roster?.status !== 'validating') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const peak = memory().hwm;
    process.stdout.write(`amplification workbook: ${(file.length / MB).toFixed(2)} MiB upload, roster schema growth peak ${(growth / MB).toFixed(2)} MB, service peak RSS ${peak.toFixed(0)} MB\n`);
    expect(growth).toBeLessThan(10 * MB);
    expect(peak).toBeLessThan(400);
    expect(roster).toMatchObject({ status: 'failed', failureReason: 'ROSTER_TOO_LARGE', counts: { totalRows: 0, valid: 0, invalid: 0, duplicate: 0 } });
    expect((await schemaBytes()) - before).toBeLessThan(10 * MB);
    expect(await sql(`SELECT (SELECT count(*) FROM roster.roster_entries WHERE roster_id = $1)::int AS entries, (SELECT count(*) FROM roster.roster_errors WHERE roster_id = $1)::int AS errors, (SELECT count(*) FROM roster.roster_upload_parts WHERE roster_id = $1)::int AS parts`, [id])).toEqual([{ entries: 0, errors: 0, parts: 0 }]);
  }, 120_000);
});

describe('size caps', () => {
  const tenant = newTenantId();
  const ids: string[] = [];
  afterAll(async () => {
    // Nothing big left behind for the other tests of this database (before the caps: ~190 MB).
    for (const id of ids) await svc.app.inject({ method: 'DELETE', url: `/v1/rosters/${id}`, headers: asTenant(tenant) });
  });

  it('when 60 rows hold three references each to a 1 MiB shared string, then those rows are VALUE_TOO_LONG, the others are kept, and no entry stores more than 4 KiB', async () => {
    const before = await schemaBytes();
    const file = amplification(60, { from: 62, cells: (r) => [`n:812${20_000_000 + r}`, `Person ${r}`, 's:1', null] });
    const res = await upload(tenant, file, 'sixty');
    ids.push(res.json().id);
    expect(res.json()).toMatchObject({ status: 'ready', counts: { totalRows: 100, valid: 40, invalid: 60, duplicate: 0 }, columns: ['A', 'B', 'C'] });
    const id = res.json().id as string;
    const errors = await sql(`SELECT row_number, raw_phone, reason FROM roster.roster_errors e WHERE roster_id = $1 ORDER BY row_number`, [id]);
    expect(errors).toEqual(Array.from({ length: 60 }, (_, k) => ({ row_number: k + 2, raw_phone: `812${10_000_000 + k + 2}`, reason: 'VALUE_TOO_LONG' })));
    // Per entry: the variables' text (keys and values) within 4 KiB, the quoted cells within 500 characters.
    const [sizes] = await sql(
      `SELECT count(*)::int AS n,
              max((SELECT sum(octet_length(key) + octet_length(value)) FROM jsonb_each_text(variables)))::int AS vars,
              max(pg_column_size(variables))::int AS stored,
              max(char_length(raw_phone))::int AS raw, max(char_length(name))::int AS name
         FROM roster.roster_entries WHERE roster_id = $1`,
      [id],
    );
    expect(sizes.n).toBe(40);
    expect(sizes.vars).toBeLessThanOrEqual(4096);
    expect(sizes.stored).toBeLessThanOrEqual(4096);
    expect(Math.max(sizes.raw, sizes.name)).toBeLessThanOrEqual(500);
    expect((await schemaBytes()) - before).toBeLessThan(10 * MB);
  }, 120_000);

  it('when the header has more than ROSTER_MAX_COLUMNS (50) columns, then failed ROSTER_TOO_MANY_COLUMNS; 50 are fine', async () => {
    const headers = (n: number) => ['Phone', ...Array.from({ length: n - 1 }, (_, i) => `Col ${i + 2}`)];
    const ok = await upload(tenant, await roster([headers(50), ['081234567890', ...Array.from({ length: 49 }, () => 'v')]]));
    ids.push(ok.json().id);
    expect(ok.json()).toMatchObject({ status: 'ready', counts: { valid: 1 } });
    expect(ok.json().columns).toHaveLength(49);
    const many = await upload(tenant, await roster([headers(51), ['081234567890']]));
    ids.push(many.json().id);
    expect(many.json()).toMatchObject({ status: 'failed', failureReason: 'ROSTER_TOO_MANY_COLUMNS', columns: [] });
  });

  it('when a header cell is over 100 characters, then failed ROSTER_HEADER_INVALID; 100 are fine', async () => {
    const ok = await upload(tenant, await roster([['Phone', 'h'.repeat(100)], ['081234567890', 'x']]));
    ids.push(ok.json().id);
    expect(ok.json()).toMatchObject({ status: 'ready', columns: ['h'.repeat(100)] });
    const long = await upload(tenant, await roster([['Phone', 'h'.repeat(101)], ['081234567890', 'x']]));
    ids.push(long.json().id);
    expect(long.json()).toMatchObject({ status: 'failed', failureReason: 'ROSTER_HEADER_INVALID' });
  });

  it('when a cell is over 500 characters or the variables over 4 KiB of JSON, then VALUE_TOO_LONG / ROW_TOO_LARGE, and every error quotes at most 500 characters (in the xlsx download too)', async () => {
    const longPhone = `0812${'3'.repeat(596)}`; // 600 characters
    const wide = ['Phone', ...Array.from({ length: 20 }, (_, i) => `V${i + 1}`)];
    const rows: Cell[][] = [
      wide,
      [longPhone, ...Array.from({ length: 20 }, () => null)], // 2: VALUE_TOO_LONG, quoted cut to 500
      ['081234567001', 'n'.repeat(501), ...Array.from({ length: 19 }, () => null)], // 3: VALUE_TOO_LONG (another cell)
      ['081234567002', ...Array.from({ length: 20 }, () => 'x'.repeat(400))], // 4: ROW_TOO_LARGE (20 × 400 characters)
      ['081234567002', 'small', ...Array.from({ length: 19 }, () => null)], // 5: the first kept with that number: valid, not DUPLICATE
      ['081234567003', 'y'.repeat(500), ...Array.from({ length: 19 }, () => null)], // 6: 500 characters are fine
      [`=${'1'.repeat(599)}`, null, ...Array.from({ length: 19 }, () => null)], // 7: VALUE_TOO_LONG, formula-like
    ];
    const res = await upload(tenant, await roster(rows));
    const id = res.json().id as string;
    ids.push(id);
    expect(res.json()).toMatchObject({ status: 'ready', counts: { totalRows: 6, valid: 2, invalid: 4, duplicate: 0 } });
    const errors = (await get(tenant, `/v1/rosters/${id}/errors`)).json().items;
    expect(errors).toEqual([
      { rowNumber: 2, rawPhone: longPhone.slice(0, 500), reason: 'VALUE_TOO_LONG' },
      { rowNumber: 3, rawPhone: '081234567001', reason: 'VALUE_TOO_LONG' },
      { rowNumber: 4, rawPhone: '081234567002', reason: 'ROW_TOO_LARGE' },
      { rowNumber: 7, rawPhone: `=${'1'.repeat(499)}`, reason: 'VALUE_TOO_LONG' },
    ]);
    const entries = (await get(tenant, `/v1/rosters/${id}/entries`)).json().items;
    expect(entries.map((e: { rowNumber: number }) => e.rowNumber)).toEqual([5, 6]);
    const ws = (await readXlsx((await get(tenant, `/v1/rosters/${id}/errors?format=xlsx`)).rawPayload)).worksheets[0];
    const quoted: string[] = [];
    ws.eachRow((r, n) => n > 1 && quoted.push(String(r.getCell(2).value)));
    expect(quoted).toEqual([longPhone.slice(0, 500), '081234567001', '081234567002', `'=${'1'.repeat(499)}`]);
    // the formula escape adds its apostrophe to a quote of 500
    for (const q of quoted) expect(q.replace(/^'/, '').length).toBeLessThanOrEqual(500);
  });

  it('when a row number repeats (a repeated row), then failed ROSTER_UNREADABLE at once: no row is read twice', async () => {
    const xml = rawRow(1, ['Phone']) + rawRow(2, ['081234567890']) + rawRow(2, ['081234567891']);
    const res = await upload(tenant, rawRoster(xml));
    ids.push(res.json().id);
    expect(res.json()).toMatchObject({ status: 'failed', failureReason: 'ROSTER_UNREADABLE' });
  });
});
