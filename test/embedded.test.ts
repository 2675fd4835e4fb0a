/**
 * Issue 8: the platform on a machine with neither PostgreSQL nor RabbitMQ. `scripts/start.mjs`
 * runs as a real child process with no DATABASE_URL/AMQP_URL and its probes pointed at ports where
 * nothing listens, so it starts the embedded PostgreSQL (data in a temp directory) and runs the
 * gateway and every service in one process over the in-process bus. A small task runs to completion
 * through the gateway; the platform is stopped with SIGTERM, started again (`--embedded` this time)
 * on the same data directory, and the task, its calls and its SMS are still there.
 * Issue 14: the first start on the empty database makes a demo tenant with an owner whose login
 * the banner prints (and every later start again); without its file, a database that has tenants
 * gets no demo tenant; nor does an empty one with AUTOCALL_DEMO=false.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { Client } from 'pg';
import { freePort, testDatabaseUrl } from '@autocall/testing';

const root = join(__dirname, '..');

interface Running {
  child: ChildProcess;
  output: () => string;
}

let dataDir = '';
let env: NodeJS.ProcessEnv = {};
let base = '';
let current: Running | undefined;

/** Starts `node scripts/start.mjs …args` and waits for its "ready" banner. */
async function start(args: string[], withEnv: NodeJS.ProcessEnv = env): Promise<Running> {
  const child = spawn(process.execPath, [join(root, 'scripts/start.mjs'), ...args], { cwd: root, env: withEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const running = { child, output: () => out };
  current = running;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready within 45 s:\n${out}`)), 45_000);
    const check = () => {
      if (/autocall is ready in [\d.]+ s[\s\S]*Admin token[^\n]*\n/.test(out)) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`start.mjs exited (${signal ?? code}) before it was ready:\n${out}`));
    });
  });
  return running;
}

/** SIGTERM, and the exit code once everything (the embedded PostgreSQL included) stopped. */
async function stop(r: Running): Promise<number | null> {
  if (r.child.exitCode !== null || r.child.signalCode !== null) return r.child.exitCode;
  const exited = new Promise<number | null>((resolve) => r.child.once('exit', (code) => resolve(code)));
  r.child.kill('SIGTERM');
  const code = await exited;
  current = undefined;
  return code;
}

async function api(method: string, path: string, auth: string, body?: unknown): Promise<{ status: number; body: any }> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${auth}` } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(`${base}${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

beforeAll(async () => {
  // `pnpm test` builds first; a bare `npx jest test/embedded.test.ts` may not have
  if (!existsSync(join(root, 'gateway/dist/service.js'))) execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'ignore' });
  dataDir = mkdtempSync(join(tmpdir(), 'autocall-embedded-'));
  const [pgProbe, amqpProbe, gateway] = [await freePort(), await freePort(), await freePort()];
  env = { ...process.env };
  for (const k of ['DATABASE_URL', 'AMQP_URL', 'INTERNAL_TOKEN', 'ADMIN_TOKEN', 'TASK_PORT', 'ROSTER_PORT', 'RECORDING_PORT', 'SMS_PORT', 'DIALER_PORT', 'HOST']) delete env[k];
  Object.assign(env, {
    AUTOCALL_DATA_DIR: dataDir,
    AUTOCALL_PG_PROBE_PORT: String(pgProbe), // nothing listens on either: as on a bare machine
    AUTOCALL_AMQP_PROBE_PORT: String(amqpProbe),
    GATEWAY_PORT: String(gateway),
    HOST: '127.0.0.1',
    SIM_TIME_SCALE: '0',
    SMS_SENDER_INTERVAL_MS: '100',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
  });
  base = `http://127.0.0.1:${gateway}`;
}, 60_000);

afterAll(async () => {
  if (current) {
    current.child.kill('SIGTERM');
    await new Promise((r) => (current?.child.exitCode !== null ? r(null) : current.child.once('exit', r)));
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 30_000);

const NUMBERS = ['87630021320', '87630021321', '87630021322', '87630021323', '87630021324', '87630021325'];

it('when nothing answers on the database and broker ports, then start.mjs runs everything on an embedded PostgreSQL in one process, a task completes, and after a restart the task is still there', async () => {
  // 1. First start: the choices are said, the demo tenant is made.
  const first = await start([]);
  const said = first.output();
  expect(said).toMatch(/autocall: database: embedded PostgreSQL 15, data in .*postgres \(DATABASE_URL is unset and no PostgreSQL answers on 127\.0\.0\.1:\d+\)/);
  expect(said).toMatch(/autocall: bus: in-process .*gateway and services in one process \(AMQP_URL is unset and no RabbitMQ answers on 127\.0\.0\.1:\d+\)/);
  expect(said).toContain(`Swagger UI: http://localhost:${env.GATEWAY_PORT}/docs`);
  expect(said).toContain(`Console:    http://localhost:${env.GATEWAY_PORT}/console`);
  const login = /Demo login \(created now, kept in ([^)]+)\): (\S+) \/ (\S+)/.exec(said);
  const demoKey = /Demo tenant API key: (\S+)/.exec(said)?.[1];
  expect([login?.[1], login?.[2], demoKey]).toEqual([join(dataDir, 'demo-tenant.json'), 'demo@autocall.local', expect.any(String)]);
  const demoFile = join(dataDir, 'demo-tenant.json');
  expect(statSync(demoFile).mode & 0o777).toBe(0o600);
  const kept = JSON.parse(readFileSync(demoFile, 'utf8'));
  expect(kept).toEqual({ tenantId: expect.any(String), apiKey: demoKey, email: 'demo@autocall.local', password: login![3] });
  expect((await api('GET', '/v1/tasks', demoKey!)).status).toBe(200);
  // the printed email and password log in, as the tenant's owner
  const session = await fetch(`${base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: login![2], password: login![3] }) });
  expect(session.status).toBe(200);
  expect(await session.json()).toMatchObject({ user: { email: 'demo@autocall.local', role: 'owner' }, tenant: { id: kept.tenantId } });

  // 2. A tenant made by the admin, a recording, a roster, templates, an SMS account, a task.
  const adminToken = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  const tenant = await api('POST', '/v1/admin/tenants', adminToken, { name: 'Embedded' });
  expect(tenant.status).toBe(201);
  const key = tenant.body.apiKey as string;

  const rec = new FormData();
  rec.append('name', 'Greeting');
  rec.append('file', new Blob([readFileSync(join(root, 'services/recording/test/fixtures/mono-8k.mp3'))], { type: 'audio/mpeg' }), 'mono-8k.mp3');
  const recording = await api('POST', '/v1/recordings', key, rec);
  expect([recording.status, recording.body.status]).toEqual([201, 'ready']);

  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Roster');
  ws.addRow(['Phone Number', 'Name']);
  ws.getColumn(1).numFmt = '@';
  NUMBERS.forEach((n, i) => ws.addRow([n, `Callee ${i}`]));
  const ros = new FormData();
  ros.append('name', 'Five and one');
  ros.append('file', new Blob([Buffer.from(await wb.xlsx.writeBuffer())], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }), 'roster.xlsx');
  const roster = await api('POST', '/v1/rosters?wait=true', key, ros);
  expect(roster.status).toBe(201);
  expect(roster.body).toMatchObject({ status: 'ready', counts: { valid: NUMBERS.length } });

  const template = async (name: string, content: string) => {
    const res = await api('POST', '/v1/sms-templates', key, { name, content });
    expect([res.status, res.body.status]).toEqual([201, 'approved']);
    return res.body.id as string;
  };
  const thanks = await template('Thanks', 'Thanks {{name}}');
  const missed = await template('Missed', 'Sorry we missed you {{name}}');
  const account = await api('PUT', '/v1/sms-account', key, { provider: 'simulated', senderId: 'AUTOCALL', status: 'active' });
  expect([account.status, account.body.status]).toEqual([200, 'active']);

  const created = await api('POST', '/v1/tasks', key, {
    name: 'Embedded mode',
    recordingId: recording.body.id,
    rosterId: roster.body.id,
    start: { mode: 'immediate' },
    sms: { onDisconnect: { enabled: true, templateId: thanks }, onUnanswered: { enabled: true, templateId: missed } },
    dialing: { maxConcurrentCalls: 10, callsPerSecond: 100, ringTimeoutSeconds: 5, maxAttempts: 1, callingWindow: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] } },
  });
  expect([created.status, created.body.status]).toEqual([201, 'running']);
  const taskId = created.body.id as string;

  // 3. It completes: 0–4 answered, 5 no answer; a call record per number; one SMS each, of the right kind.
  const done = await until('the task to complete', async () => {
    const res = await api('GET', `/v1/tasks/${taskId}`, key);
    return res.body.status === 'completed' ? res.body : undefined;
  });
  expect(done.progress).toMatchObject({ total: 6, pending: 0, answered: 5, noAnswer: 1, percent: 100 });
  const calls = await api('GET', `/v1/tasks/${taskId}/calls?limit=100`, key);
  expect(calls.body.items).toHaveLength(6);
  const sms = await until('every SMS to be sent', async () => {
    const res = await api('GET', `/v1/sms-messages?taskId=${taskId}&limit=100`, key);
    return res.body.items.length === 6 && res.body.items.every((m: any) => m.status === 'sent') ? res.body.items : undefined;
  });
  expect(sms.map((m: any) => m.kind).sort()).toEqual(['disconnect', 'disconnect', 'disconnect', 'disconnect', 'disconnect', 'unanswered']);

  // 4. SIGTERM stops everything cleanly, the embedded PostgreSQL last.
  expect(await stop(first)).toBe(0);
  expect(first.output()).toContain('autocall: embedded PostgreSQL stopped');

  // 5. Started again (forced this time) on the same data directory: the data is kept.
  const second = await start(['--embedded']);
  expect(second.output()).toContain('(--embedded given)');
  expect(second.output()).not.toContain('first start');
  expect(second.output()).toContain(`Demo login (kept in ${demoFile}): demo@autocall.local / ${login![3]}`);
  expect(second.output()).toContain(`Demo tenant API key: ${demoKey}`);
  const again = await api('GET', `/v1/tasks/${taskId}`, key);
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ id: taskId, status: 'completed', progress: { total: 6, answered: 5, noAnswer: 1 } });
  expect((await api('GET', `/v1/tasks/${taskId}/calls?limit=100`, key)).body.items).toHaveLength(6);
  expect((await api('GET', `/v1/sms-messages?taskId=${taskId}&limit=100`, key)).body.items).toHaveLength(6);
  expect(await stop(second)).toBe(0);

  // 6. The demo file gone, the database not empty: no demo tenant is made, and the banner says so.
  rmSync(demoFile);
  const third = await start(['--embedded']);
  expect(third.output()).toContain('Demo tenant: none made (the database already has tenants');
  expect(third.output()).not.toContain('Demo login');
  expect(existsSync(demoFile)).toBe(false);
  expect((await api('GET', '/v1/admin/tenants', adminToken)).body.total).toBe(2);
  expect(await stop(third)).toBe(0);
}, 150_000);

/** Runs SQL on the test PostgreSQL's maintenance database (to make and drop a database of this test's own). */
async function onServer(text: string): Promise<void> {
  const url = new URL(testDatabaseUrl());
  url.pathname = '/postgres';
  const c = new Client({ connectionString: url.toString() });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

it('when AUTOCALL_DEMO=false, then the first start on an empty database (a PostgreSQL given by DATABASE_URL) makes no demo tenant and says so', async () => {
  const name = `autocall_demo_off_${process.pid}`;
  await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await onServer(`CREATE DATABASE ${name}`);
  const own = mkdtempSync(join(tmpdir(), 'autocall-demo-off-'));
  try {
    const url = new URL(testDatabaseUrl());
    url.pathname = `/${name}`;
    const off = await start([], { ...env, DATABASE_URL: url.toString(), AUTOCALL_DATA_DIR: own, AUTOCALL_DEMO: 'false' });
    expect(off.output()).toContain('(DATABASE_URL is set)');
    expect(off.output()).toContain('Demo tenant: none (AUTOCALL_DEMO=false)');
    expect(off.output()).not.toContain('Demo login');
    const adminToken = readFileSync(join(own, 'admin-token'), 'utf8').trim();
    expect((await api('GET', '/v1/admin/tenants', adminToken)).body.total).toBe(0);
    expect(existsSync(join(own, 'demo-tenant.json'))).toBe(false);
    expect(await stop(off)).toBe(0);
  } finally {
    rmSync(own, { recursive: true, force: true });
    await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}, 60_000);
