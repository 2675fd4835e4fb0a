// Roster import benchmark (`pnpm bench:roster`): generates 100k- and 1,048,575-row .xlsx files,
// starts the built roster service and the gateway as their own processes, uploads each through the
// gateway with a tenant's API key, and reports the time to `ready`, the roster service's peak RSS
// (VmHWM), and GET /v1/rosters latency through the gateway while the import runs.
// BENCH_DIRECT=1 talks to the service directly with the internal token headers (what the gateway adds).
// Also reports the service's CPU seconds for the import and the load average (shared machines).
// Env: BENCH_ROWS="100000,1048575", DATABASE_URL, AMQP_URL, BENCH_PORT (3902), BENCH_SHARED_STRINGS=1
// (generate the files with a shared-strings table, as Excel saves them, instead of inline strings),
// BENCH_LIST_EVERY_MS (20: pause between the GET /v1/rosters polls), BENCH_REPEAT=n (import each file n times in the same service process: later imports show what a
// process that has already run one keeps; their peak RSS is sampled every 50 ms, VmHWM being the first's).
// The raw floor, in the same run: this machine inflating every part of the same file (zlib, one
// thread) plus a bare binary-free `COPY … FROM STDIN` of as many (row, phone, name) lines into a
// fresh table with a primary key; `floorRatio` = floor seconds / time to ready (1 = as fast as
// the floor; compare builds by this ratio, not by seconds, on a shared machine).
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir, loadavg } from 'node:os';
import { inflateRawSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'services/roster/package.json'));
const ExcelJS = require('exceljs');
const pg = require('pg');
const { from: copyFrom } = require('pg-copy-streams');

const PORT = Number(process.env.BENCH_PORT ?? 3902);
const GATEWAY_PORT = PORT + 1;
const TOKEN = 'bench-internal-token-0123456789';
const ADMIN = 'bench-admin-token-0123456789';
const TENANT = randomUUID();
const DIRECT = process.env.BENCH_DIRECT === '1';
const SERVICE = `http://127.0.0.1:${PORT}`;
const BASE = DIRECT ? SERVICE : `http://127.0.0.1:${GATEWAY_PORT}`;
let headers = { 'x-internal-token': TOKEN, 'x-autocall-tenant-id': TENANT };
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/autocall_bench';
const sizes = (process.env.BENCH_ROWS ?? '100000,1048575').split(',').map(Number);
const repeat = Math.max(1, Number(process.env.BENCH_REPEAT ?? 1));
/** Pause between two GET /v1/rosters while an import runs (a busy UI polling): BENCH_LIST_EVERY_MS. */
const LIST_EVERY_MS = Number(process.env.BENCH_LIST_EVERY_MS ?? 20);

async function generate(rows) {
  const shared = process.env.BENCH_SHARED_STRINGS === '1';
  const file = join(tmpdir(), `autocall-roster-bench-${rows}${shared ? '-sst' : ''}.xlsx`);
  if (existsSync(file)) return file;
  const t = Date.now();
  const out = createWriteStream(file);
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: shared, useStyles: false });
  const ws = wb.addWorksheet('Roster');
  ws.addRow(['Phone Number', 'Name', 'Order Id']).commit();
  for (let i = 0; i < rows; i++) {
    // Mixed forms, ~1% invalid, ~1% duplicates.
    const n = String(10_000_000 + (i % 100 === 7 ? i - 1 : i)).padStart(8, '0');
    const phone = i % 100 === 3 ? '0812' : i % 4 === 0 ? `0812${n}` : i % 4 === 1 ? `+62812${n}` : i % 4 === 2 ? Number(`812${n}`) : `62812${n}`;
    ws.addRow([phone, `Person ${i}`, `ORD-${i}`]).commit();
  }
  ws.commit();
  await wb.commit();
  console.error(`generated ${rows} rows (${(statSync(file).size / 1048576).toFixed(1)} MiB) in ${Date.now() - t} ms`);
  return file;
}

/** CPU seconds the process used so far (user + system, all its threads). */
function cpuOf(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

function rssOf(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

async function waitReady(base) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/ready`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${base} did not become ready`);
}

/** The gateway as its own process in front of the roster service, and a tenant's API key. */
async function startGateway() {
  const gateway = spawn(process.execPath, [join(root, 'gateway/dist/main.js')], {
    env: { ...process.env, GATEWAY_PORT: String(GATEWAY_PORT), ROSTER_URL: SERVICE, INTERNAL_TOKEN: TOKEN, ADMIN_TOKEN: ADMIN, RATE_LIMIT_PER_SECOND: '1000', LOG_LEVEL: 'warn', DATABASE_URL },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitReady(BASE);
  const res = await fetch(`${BASE}/v1/admin/tenants`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'roster bench' }) });
  const tenant = await res.json();
  if (res.status !== 201) throw new Error(`tenant not created: ${res.status} ${JSON.stringify(tenant)}`);
  headers = { authorization: `Bearer ${tenant.apiKey}` };
  return gateway;
}

const pct = (arr, p) => {
  const s = [...arr].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

/** Every zip entry of `bytes` inflated (by its central directory): the floor's decompression. */
function inflateAll(bytes) {
  let eocd = bytes.length - 22;
  while (eocd >= 0 && bytes.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  const entries = bytes.readUInt16LE(eocd + 10);
  let p = bytes.readUInt32LE(eocd + 16);
  let total = 0;
  for (let i = 0; i < entries; i++) {
    const method = bytes.readUInt16LE(p + 10);
    const size = bytes.readUInt32LE(p + 20);
    const [nameLen, extraLen, commentLen] = [bytes.readUInt16LE(p + 28), bytes.readUInt16LE(p + 30), bytes.readUInt16LE(p + 32)];
    const local = bytes.readUInt32LE(p + 42);
    const start = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    const data = bytes.subarray(start, start + size);
    total += method === 8 ? inflateRawSync(data).length : data.length;
    p += 46 + nameLen + extraLen + commentLen;
  }
  return total;
}

/** The raw floor for `rows` rows of `file`: inflate it all, then COPY that many lines into PostgreSQL. */
async function floor(file, rows) {
  const t0 = performance.now();
  const inflated = inflateAll(readFileSync(file));
  const inflateS = (performance.now() - t0) / 1000;
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query('DROP TABLE IF EXISTS bench_roster_floor');
    await client.query('CREATE TABLE bench_roster_floor (row_number int PRIMARY KEY, phone text NOT NULL, name text)');
    const t1 = performance.now();
    const stream = client.query(copyFrom('COPY bench_roster_floor (row_number, phone, name) FROM STDIN'));
    const chunk = 10_000;
    for (let i = 0; i < rows; i += chunk) {
      let text = '';
      for (let j = i; j < Math.min(rows, i + chunk); j++) text += `${j + 2}\t+62812${10_000_000 + j}\tPerson ${j}\n`;
      if (!stream.write(text)) await once(stream, 'drain');
    }
    stream.end();
    await once(stream, 'finish');
    const copyS = (performance.now() - t1) / 1000;
    await client.query('DROP TABLE bench_roster_floor');
    return { inflatedMiB: +(inflated / 1048576).toFixed(1), floorS: +(inflateS + copyS).toFixed(2), floorInflateS: +inflateS.toFixed(2), floorCopyS: +copyS.toFixed(2) };
  } finally {
    await client.end();
  }
}

async function run(rows) {
  const file = await generate(rows);
  const child = spawn(process.execPath, [join(root, 'services/roster/dist/main.js')], {
    // as `pnpm start` runs it: freed large buffers go back to the OS
    env: { MALLOC_MMAP_THRESHOLD_: '131072', ...process.env, ROSTER_PORT: String(PORT), INTERNAL_TOKEN: TOKEN, LOG_LEVEL: 'warn', DATABASE_URL },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let gateway;
  try {
    await waitReady(SERVICE);
    const raw = await floor(file, rows); // the service is up (it made the database) and idle
    if (!DIRECT) gateway = await startGateway();
    const out = [];
    for (let n = 0; n < repeat; n++) {
      const baseline = rssOf(child.pid).rss;
      const cpu0 = cpuOf(child.pid);
      const load0 = loadavg()[0];
      const bytes = readFileSync(file);
      const form = new FormData();
      form.append('name', `bench ${rows} #${n + 1}`);
      form.append('file', new Blob([bytes]), `bench-${rows}.xlsx`);
      const t0 = performance.now();
      const res = await fetch(`${BASE}/v1/rosters`, { method: 'POST', headers, body: form });
      const accepted = performance.now() - t0;
      const created = await res.json();
      if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${JSON.stringify(created)}`);
      let peakRss = 0;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssOf(child.pid).rss)), 50);
      const latencies = [];
      let done = false;
      const lister = (async () => {
        while (!done) {
          const s = performance.now();
          const r = await fetch(`${BASE}/v1/rosters?pageSize=20`, { headers });
          await r.arrayBuffer();
          latencies.push(performance.now() - s);
          await new Promise((r) => setTimeout(r, LIST_EVERY_MS));
        }
      })();
      let roster;
      for (;;) {
        roster = await (await fetch(`${BASE}/v1/rosters/${created.id}`, { headers })).json();
        if (roster.status !== 'validating') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const elapsed = performance.now() - t0;
      done = true;
      await lister;
      clearInterval(sampler);
      const { hwm } = rssOf(child.pid);
      const cpuS = cpuOf(child.pid) - cpu0;
      out.push({
        rows,
        via: DIRECT ? 'direct' : 'gateway',
        ...(repeat > 1 ? { import: n + 1 } : {}),
        fileMiB: +(bytes.length / 1048576).toFixed(1),
        status: roster.status,
        counts: roster.counts,
        uploadAcceptedMs: Math.round(accepted),
        timeToReadyS: +(elapsed / 1000).toFixed(2),
        baselineRssMB: Math.round(baseline),
        peakRssMB: Math.round(n === 0 ? Math.max(peakRss, hwm) : peakRss),
        listRequests: latencies.length,
        listP50Ms: +pct(latencies, 50).toFixed(1),
        listP99Ms: +pct(latencies, 99).toFixed(1),
        listMaxMs: +Math.max(...latencies).toFixed(1),
        // The machine may be shared: the service's own CPU time and the 1-minute load average
        // (before the upload, after ready) say how contended the wall time was.
        ...raw,
        floorRatio: +(raw.floorS / (elapsed / 1000)).toFixed(3),
        serviceCpuS: +cpuS.toFixed(2),
        load1: `${load0.toFixed(1)}→${loadavg()[0].toFixed(1)}`,
      });
    }
    return out;
  } finally {
    if (gateway) {
      gateway.kill('SIGTERM');
      await once(gateway, 'exit');
    }
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

if (!existsSync(join(root, 'services/roster/dist/main.js')) || process.env.BENCH_BUILD !== '0') execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
const results = [];
for (const rows of sizes) {
  for (const r of await run(rows)) {
    results.push(r);
    console.log(JSON.stringify(r));
  }
}
console.table(results.map(({ counts, ...r }) => ({ ...r, valid: counts?.valid })));
