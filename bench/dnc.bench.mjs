// Do-not-call import benchmark (`pnpm bench:dnc`, issue 15): one `.xlsx` of 1,048,575 numbers (Excel's
// limit less the header) imported in one `POST /v1/dnc/import` through the gateway, the dialer and
// the gateway as their own processes from dist. Reports the time to the answer, its counts, the
// dialer's peak RSS (VmHWM) and CPU seconds, and, in the same run, the raw floor: inflating every
// part of the same file plus a bare `COPY … FROM STDIN` of as many (tenant, phone) rows into a
// fresh table with that primary key; floorRatio = floor seconds / import seconds.
// Env: BENCH_DNC_ROWS (1048575), BENCH_PORT (3912; the gateway on +1), DATABASE_URL, AMQP_URL.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { inflateRawSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'services/roster/package.json'));
const ExcelJS = require('exceljs');
const pg = require('pg');
const { from: copyFrom } = require('pg-copy-streams');

const ROWS = Number(process.env.BENCH_DNC_ROWS ?? 1_048_575);
const PORT = Number(process.env.BENCH_PORT ?? 3912);
const GATEWAY = `http://127.0.0.1:${PORT + 1}`;
const TOKEN = 'bench-internal-token-0123456789';
const ADMIN = 'bench-admin-token-0123456789';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/autocall_bench';
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const phoneOf = (i) => `0813${String(10_000_000 + i)}`;

async function generate(rows) {
  const file = join(tmpdir(), `autocall-dnc-bench-${rows}.xlsx`);
  if (existsSync(file)) return file;
  const out = createWriteStream(file);
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: false });
  const ws = wb.addWorksheet('DNC');
  ws.addRow(['Phone Number', 'Reason']).commit();
  for (let i = 0; i < rows; i++) ws.addRow([phoneOf(i), 'asked not to be called']).commit();
  await wb.commit();
  return file;
}

function procStat(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { peakMiB: Math.round(hwm), cpuS: (Number(f[11]) + Number(f[12])) / 100 };
}

function inflateAll(bytes) {
  let eocd = bytes.length - 22;
  while (eocd >= 0 && bytes.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  const entries = bytes.readUInt16LE(eocd + 10);
  let p = bytes.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    const method = bytes.readUInt16LE(p + 10);
    const size = bytes.readUInt32LE(p + 20);
    const [nameLen, extraLen, commentLen] = [bytes.readUInt16LE(p + 28), bytes.readUInt16LE(p + 30), bytes.readUInt16LE(p + 32)];
    const local = bytes.readUInt32LE(p + 42);
    const start = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    if (method === 8) inflateRawSync(bytes.subarray(start, start + size));
    p += 46 + nameLen + extraLen + commentLen;
  }
}

async function floor(file, rows) {
  const t0 = performance.now();
  inflateAll(readFileSync(file));
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query('DROP TABLE IF EXISTS bench_dnc_floor');
    await client.query('CREATE TABLE bench_dnc_floor (tenant_id uuid NOT NULL, phone text NOT NULL, PRIMARY KEY (tenant_id, phone))');
    const tenant = randomUUID();
    const stream = client.query(copyFrom('COPY bench_dnc_floor (tenant_id, phone) FROM STDIN'));
    for (let i = 0; i < rows; i += 10_000) {
      let text = '';
      for (let j = i; j < Math.min(rows, i + 10_000); j++) text += `${tenant}\t+62813${10_000_000 + j}\n`;
      if (!stream.write(text)) await once(stream, 'drain');
    }
    stream.end();
    await once(stream, 'finish');
    await client.query('DROP TABLE bench_dnc_floor');
    return (performance.now() - t0) / 1000;
  } finally {
    await client.end();
  }
}

async function waitReady(url) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/ready`)).ok) return;
    } catch { /* not up */ }
    await sleep(200);
  }
  throw new Error(`not ready: ${url}`);
}

async function main() {
  const t = performance.now();
  const file = await generate(ROWS);
  console.log(`file: ${file} (${(readFileSync(file).length / 1048576).toFixed(1)} MiB, ${ROWS} rows; ready in ${((performance.now() - t) / 1000).toFixed(1)} s)`);
  const env = { PATH: process.env.PATH, INTERNAL_TOKEN: TOKEN, LOG_LEVEL: 'warn', HOST: '127.0.0.1', DATABASE_URL, AMQP_URL };
  const dialer = spawn(process.execPath, [join(root, 'services/dialer/dist/main.js')], { env: { ...env, DIALER_PORT: String(PORT), CARRIER: 'simulated' }, stdio: ['ignore', 'inherit', 'inherit'] });
  const gateway = spawn(process.execPath, [join(root, 'gateway/dist/main.js')], { env: { ...env, GATEWAY_PORT: String(PORT + 1), DIALER_URL: `http://127.0.0.1:${PORT}`, ADMIN_TOKEN: ADMIN, RATE_LIMIT_PER_SECOND: '1000' }, stdio: ['ignore', 'inherit', 'inherit'] });
  try {
    await waitReady(`http://127.0.0.1:${PORT}`);
    await waitReady(GATEWAY);
    const created = await fetch(`${GATEWAY}/v1/admin/tenants`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'dnc bench' }) });
    const tenant = await created.json();
    if (created.status !== 201) throw new Error(`tenant: ${created.status} ${JSON.stringify(tenant)}`);
    const floorS = await floor(file, ROWS);
    const before = procStat(dialer.pid);
    const form = new FormData();
    form.append('file', new Blob([readFileSync(file)], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }), 'dnc.xlsx');
    const t0 = performance.now();
    const res = await fetch(`${GATEWAY}/v1/dnc/import`, { method: 'POST', headers: { authorization: `Bearer ${tenant.apiKey}` }, body: form });
    const body = await res.json();
    const seconds = (performance.now() - t0) / 1000;
    const after = procStat(dialer.pid);
    console.log(JSON.stringify({ status: res.status, ...body, seconds: +seconds.toFixed(2), floorS: +floorS.toFixed(2), floorRatio: +(floorS / seconds).toFixed(3), dialerPeakMiB: after.peakMiB, dialerCpuS: +(after.cpuS - before.cpuS).toFixed(2), load: loadAverage() }));
  } finally {
    for (const p of [gateway, dialer]) {
      p.kill('SIGTERM');
      await Promise.race([once(p, 'exit'), sleep(10_000)]);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
