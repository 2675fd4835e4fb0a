// pnpm bench:console — the web console's budgets (issue 14), measured, not asserted:
//   (a) the initial JavaScript + CSS that gateway/console/dist/index.html loads, gzipped (budget 350 KB);
//   (b) the Scheduler page with 10,000 tasks in the tenant, served and answered through the gateway,
//       in Debian's Chromium (playwright-core, CHROMIUM_PATH or /usr/bin/chromium, --no-sandbox):
//       navigation → the task table shows rows → a click (the status filter) opens its list, median of
//       BENCH_RUNS (5) runs, each in a fresh browser context (cold HTTP cache) (budget 1.5 s).
// The platform is `scripts/start.mjs` as a real child process (gateway and services as processes) on a
// database (autocall_bench_console) and, when rabbitmqctl is at hand, a RabbitMQ vhost of its own; the
// empty database gets start.mjs's demo tenant, whose owner logs in. The 10,000 tasks are seeded
// straight into the task schema (the create path is services/task/test's): finished, scheduled a month
// ahead, paused and cancelled, so nothing dials. Prints one JSON line per measurement.
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { Client } = createRequire(join(root, 'libs/testing/package.json'))('pg');
const { chromium } = createRequire(join(root, 'gateway/console/package.json'))('playwright-core');

const TASKS = Number(process.env.BENCH_TASKS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BASE_DB = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/autocall';
const BASE_AMQP = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const NAME = 'autocall_bench_console';
const dist = join(root, 'gateway/console/dist');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => Number(loadavg()[0].toFixed(2));

// ---------------------------------------------------------------- (a) what index.html loads

/** Every script, module preload and stylesheet index.html names, with its raw and gzipped size. */
function initialAssets() {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*\shref)="([^"]+)"[^>]*>/g)]
    .filter(([tag]) => tag.startsWith('<script') || /rel="(stylesheet|modulepreload)"/.test(tag))
    .map(([, ref]) => ref);
  return refs.map((ref) => {
    const bytes = readFileSync(join(dist, ref.replace(/^\/console\//, '').replace(/^\//, '')));
    return { file: ref, bytes: bytes.length, gzip: gzipSync(bytes).length };
  });
}

// ---------------------------------------------------------------- the platform

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function query(url, text, params = []) {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

/** A database of its own, empty (so start.mjs makes its demo tenant). */
async function benchDatabase() {
  const url = new URL(BASE_DB);
  url.pathname = '/postgres'; // the maintenance database: BASE_DB's own may not exist yet
  await query(url.toString(), `DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`);
  await query(url.toString(), `CREATE DATABASE ${NAME}`);
  url.pathname = `/${NAME}`;
  return url.toString();
}

function benchVhost() {
  const url = new URL(BASE_AMQP);
  try {
    execFileSync('rabbitmqctl', ['-q', 'delete_vhost', NAME], { stdio: 'ignore' });
  } catch {
    /* absent */
  }
  try {
    execFileSync('rabbitmqctl', ['-q', 'add_vhost', NAME], { stdio: 'ignore' });
    execFileSync('rabbitmqctl', ['-q', 'set_permissions', '-p', NAME, decodeURIComponent(url.username || 'guest'), '.*', '.*', '.*'], { stdio: 'ignore' });
    url.pathname = `/${NAME}`;
  } catch {
    console.warn('rabbitmqctl not available: using the shared broker vhost');
  }
  return url.toString();
}

/** `node scripts/start.mjs` with its own ports and data directory; resolves once its banner is out. */
async function startPlatform(env) {
  const child = spawn(process.execPath, [join(root, 'scripts/start.mjs')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`start.mjs not ready in 120 s:\n${out}`)), 120_000);
    const check = () => /autocall is ready in [\d.]+ s[\s\S]*Admin token[^\n]*\n/.test(out) && (clearTimeout(timer), resolve());
    child.stdout.on('data', check);
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`start.mjs exited (${code}):\n${out}`))));
  });
  child.removeAllListeners('exit');
  return {
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

/** 10,000 tasks of the demo tenant, created over the last 30 days: finished, waiting a month, paused, cancelled. */
async function seed(databaseUrl, tenantId) {
  const dialing = { maxConcurrentCalls: 10, callsPerSecond: 5, ringTimeoutSeconds: 30, maxAttempts: 1, retryDelayMinutes: 30, callerId: null, callingWindow: { start: '08:00', end: '20:00', days: [1, 2, 3, 4, 5, 6, 7] } };
  const sms = { onDisconnect: { enabled: false, templateId: null, when: 'anyAnswered' }, onUnanswered: { enabled: false, templateId: null } };
  await query(
    databaseUrl,
    `INSERT INTO task.tasks (id, tenant_id, name, status, recording_id, recording_duration_ms, roster_id, total, start_mode, start_at, timezone, sms, dialing,
                             answered, no_answer, started_at, paused_at, completed_at, cancelled_at, created_at, updated_at)
     SELECT gen_random_uuid(), $1, 'Promotion ' || i,
            s.status, $2, 20000, $3, 100, s.mode, s.start_at, 'Asia/Jakarta', $4, $5,
            CASE WHEN s.status = 'completed' THEN 80 ELSE i % 50 END, CASE WHEN s.status = 'completed' THEN 20 ELSE 0 END,
            CASE WHEN s.status = 'scheduled' THEN NULL ELSE s.created END,
            CASE WHEN s.status = 'paused' THEN s.created + interval '1 hour' END,
            CASE WHEN s.status = 'completed' THEN s.created + interval '2 hours' END,
            CASE WHEN s.status = 'cancelled' THEN s.created + interval '1 hour' END,
            s.created, s.created
       FROM generate_series(1, $6::int) AS i,
            LATERAL (SELECT CASE WHEN i % 20 < 14 THEN 'completed' WHEN i % 20 < 18 THEN 'scheduled' WHEN i % 20 = 18 THEN 'paused' ELSE 'cancelled' END AS status,
                            now() - (i * interval '30 days' / $6::int) AS created) c,
            LATERAL (SELECT c.status, c.created,
                            CASE WHEN c.status = 'scheduled' THEN 'scheduled' ELSE 'immediate' END AS mode,
                            CASE WHEN c.status = 'scheduled' THEN now() + interval '30 days' ELSE c.created END AS start_at) s`,
    [tenantId, randomUUID(), randomUUID(), JSON.stringify(sms), JSON.stringify(dialing), TASKS],
  );
}

// ---------------------------------------------------------------- (b) the Scheduler page

function chromiumPath() {
  return [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'].find((p) => p && existsSync(p));
}

/** One run: a fresh context with the owner's session; navigation → rows shown → the filter's list open. */
async function schedulerRun(browser, base, cookie) {
  const context = await browser.newContext({ timezoneId: 'Asia/Jakarta', locale: 'en-US' });
  try {
    await context.addCookies([{ name: cookie.name, value: cookie.value, url: base }]);
    const page = await context.newPage();
    const t0 = performance.now();
    await page.goto(`${base}/console/scheduler`, { waitUntil: 'commit' });
    const table = page.getByRole('grid');
    await table.getByRole('row').nth(1).getByRole('rowheader').first().waitFor({ state: 'visible', timeout: 30_000 });
    const rowsShown = performance.now() - t0;
    await page.getByRole('button', { name: /Status/ }).first().click();
    await page.getByRole('listbox').waitFor({ state: 'visible', timeout: 30_000 });
    const interactive = performance.now() - t0;
    const rows = (await table.getByRole('row').count()) - 1;
    return { rowsShown, interactive, rows };
  } finally {
    await context.close();
  }
}

async function main() {
  if (!existsSync(join(dist, 'index.html'))) throw new Error('gateway/console/dist is missing: run `pnpm build` (pnpm bench:console does)');
  const assets = initialAssets();
  const gzip = assets.reduce((n, a) => n + a.gzip, 0);
  console.log(JSON.stringify({ bench: 'console.initial-assets', files: assets, bytes: assets.reduce((n, a) => n + a.bytes, 0), gzipBytes: gzip, gzipKB: Number((gzip / 1024).toFixed(1)), budgetKB: 350 }));

  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("no Chromium: install Debian's `chromium` or set CHROMIUM_PATH");
  const dataDir = mkdtempSync(join(tmpdir(), 'autocall-bench-console-'));
  const databaseUrl = await benchDatabase();
  const env = { ...process.env, DATABASE_URL: databaseUrl, AMQP_URL: benchVhost(), AUTOCALL_DATA_DIR: dataDir, LOG_LEVEL: 'warn', HOST: '127.0.0.1' };
  for (const k of ['INTERNAL_TOKEN', 'ADMIN_TOKEN', 'AUTOCALL_DEMO']) delete env[k];
  for (const name of ['GATEWAY', 'TASK', 'ROSTER', 'RECORDING', 'SMS', 'DIALER']) {
    env[`${name}_PORT`] = String(await freePort());
    delete env[`${name}_URL`];
  }
  const base = `http://127.0.0.1:${env.GATEWAY_PORT}`;
  const platform = await startPlatform(env);
  let browser;
  try {
    const demo = JSON.parse(readFileSync(join(dataDir, 'demo-tenant.json'), 'utf8'));
    const t0 = performance.now();
    await seed(databaseUrl, demo.tenantId);
    const seedMs = performance.now() - t0;
    const login = await fetch(`${base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: demo.email, password: demo.password }) });
    if (login.status !== 200) throw new Error(`login: ${login.status} ${await login.text()}`);
    const [name, value] = login.headers.get('set-cookie').split(';')[0].split('=');
    const listed = await (await fetch(`${base}/v1/tasks?pageSize=1`, { headers: { authorization: `Bearer ${demo.apiKey}` } })).json();
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    await schedulerRun(browser, base, { name, value }); // warm-up: the services' first queries and the JIT, not measured
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await schedulerRun(browser, base, { name, value }));
    console.log(
      JSON.stringify({
        bench: 'console.scheduler',
        tasks: listed.total,
        seedMs: Math.round(seedMs),
        runs: runs.map((r) => ({ rowsShownMs: Math.round(r.rowsShown), interactiveMs: Math.round(r.interactive), rows: r.rows })),
        medianRowsShownMs: Math.round(median(runs.map((r) => r.rowsShown))),
        medianInteractiveMs: Math.round(median(runs.map((r) => r.interactive))),
        budgetMs: 1500,
        load: load(),
      }),
    );
  } finally {
    await browser?.close();
    await platform.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
