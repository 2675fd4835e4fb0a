// pnpm bench:sms-callbacks — delivery receipts per second through the gateway into the sms service
// (POST {callbackUrl}/delivery for BENCH_MESSAGES distinct messages, default 100,000: each stored
// and applied, an sms.status outbox row each), against a bare fastify route doing the same INSERT
// (the receipt, joined to its message, into a table of the same shape) in the same run. Goal: ≥ 0.5.
// The gateway and the sms service run as real processes from dist (built first unless --no-build);
// PostgreSQL and RabbitMQ at DATABASE_URL / AMQP_URL (defaults: the local ones, database autocall_bench).
// Options (env): BENCH_MESSAGES (default 100000), BENCH_CONNECTIONS (default 32).
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';
import autocannon from 'autocannon';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { Client, Pool } = createRequire(join(root, 'libs/db/package.json'))('pg');
const fastify = createRequire(join(root, 'services/sms/package.json'))('fastify');
const messages = Number(process.env.BENCH_MESSAGES ?? 100_000);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const INTERNAL_TOKEN = randomBytes(24).toString('hex');
const ADMIN_TOKEN = randomBytes(24).toString('hex');
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/autocall_bench';
const base = { DATABASE_URL, AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672', INTERNAL_TOKEN, LOG_LEVEL: 'warn', HOST: '127.0.0.1' };

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const children = [];
let stopping = false;
function start(name, script, env) {
  const child = spawn(process.execPath, [join(root, script)], { env: { ...process.env, ...base, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${code ?? signal}) before the bench ended`);
      process.exit(1);
    }
  });
  children.push(child);
}
async function stopAll() {
  stopping = true;
  await Promise.all(children.map((c) => new Promise((resolve) => (c.exitCode !== null ? resolve() : (c.once('exit', resolve), c.kill('SIGTERM'))))));
}
async function waitReady(url, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      if ((await fetch(`${url}/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms`);
}
async function json(url, init) {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...(init?.headers ?? {}) } });
  const body = await res.json();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** autocannon posting one receipt per message id, each id once. */
function receipts(url, ids) {
  let next = 0;
  return autocannon({
    url,
    connections,
    amount: ids.length,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: JSON.stringify({ messageId: ids[next++ % ids.length], status: 'delivered' }) }) }],
  });
}
const summary = (r) => ({ reqPerSec: r.requests.total / (r.duration || 1), total: r.requests.total, p99Ms: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts });

async function main() {
  if (!process.argv.includes('--no-build')) execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  const smsPort = await freePort();
  const gwPort = await freePort();
  const smsUrl = `http://127.0.0.1:${smsPort}`;
  const gwUrl = `http://127.0.0.1:${gwPort}`;
  start('sms', 'services/sms/dist/main.js', { SMS_PORT: String(smsPort), SMS_SIM_DLR_MS: '86400000', PUBLIC_BASE_URL: gwUrl });
  await waitReady(smsUrl);
  start('gateway', 'gateway/dist/main.js', { GATEWAY_PORT: String(gwPort), SMS_URL: smsUrl, ADMIN_TOKEN, SMS_CALLBACK_RATE_PER_TOKEN: '1000000000', SMS_CALLBACK_RATE_PER_ADDRESS: '1000000000' });
  await waitReady(gwUrl);

  const tenant = await json(`${gwUrl}/v1/admin/tenants`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify({ name: 'bench' }) });
  const account = await json(`${gwUrl}/v1/sms-account`, { method: 'PUT', headers: { authorization: `Bearer ${tenant.apiKey}` }, body: JSON.stringify({ provider: 'simulated', senderId: '+6281100001111', status: 'active' }) });

  // the messages the receipts are for: sent, as the sender leaves them
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  const taskId = randomUUID();
  const ids = Array.from({ length: messages }, () => randomUUID());
  console.log(`inserting ${messages} sent messages …`);
  for (let i = 0; i < ids.length; i += 10_000) {
    await db.query(
      `INSERT INTO sms.messages (id, tenant_id, task_id, phone, kind, status, text, segments, sent_at)
       SELECT id, $2, $3, '+62812' || lpad(($4::int + row_number() OVER ())::text, 7, '0'), 'disconnect', 'sent', 'Thanks', 1, now() FROM unnest($1::uuid[]) AS id`,
      [ids.slice(i, i + 10_000), tenant.id, taskId, i],
    );
  }
  // the baseline's table: the same shape as delivery_receipts
  await db.query(`CREATE TABLE IF NOT EXISTS sms.bench_receipts (LIKE sms.delivery_receipts INCLUDING ALL)`);
  await db.query(`TRUNCATE sms.bench_receipts`);
  const pool = new Pool({ connectionString: DATABASE_URL, max: 10 });
  const bare = fastify({ logger: false });
  bare.post('/delivery', async (req, reply) => {
    const { messageId, status } = req.body;
    await pool.query(
      `INSERT INTO sms.bench_receipts (tenant_id, message_id, part, status) SELECT m.tenant_id, m.id, 0, $2 FROM sms.messages m WHERE m.id = $1 AND m.tenant_id = $3 ON CONFLICT DO NOTHING`,
      [messageId, status, tenant.id],
    );
    return reply.code(204).send();
  });
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const bareUrl = `http://127.0.0.1:${bare.server.address().port}/delivery`;
  const callback = `${account.callbackUrl}/delivery`;

  console.log(`warm-up …`);
  await receipts(bareUrl, ids.slice(0, 2000));
  console.log(`bare fastify route: ${messages} receipts …`);
  const b = summary(await receipts(bareUrl, ids));
  console.log(`through the gateway into the sms service: ${messages} receipts …`);
  const g = summary(await receipts(callback, ids));
  const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM sms.messages WHERE task_id = $1 AND status = 'delivered'`, [taskId])).rows;
  const ratio = g.reqPerSec / b.reqPerSec;
  console.log(`\nPOST {callbackUrl}/delivery — ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)}, ${connections} connections, ${messages} messages`);
  console.log(`| path | receipts/s | p99 latency | non-2xx |`);
  console.log(`| --- | ---: | ---: | ---: |`);
  console.log(`| bare fastify route, same INSERT | ${b.reqPerSec.toFixed(0)} | ${b.p99Ms.toFixed(1)} ms | ${b.non2xx + b.errors} |`);
  console.log(`| gateway → sms service (stored, applied, sms.status) | ${g.reqPerSec.toFixed(0)} | ${g.p99Ms.toFixed(1)} ms | ${g.non2xx + g.errors} |`);
  console.log(`gateway / bare = ${(ratio * 100).toFixed(1)} % (goal ≥ 50 %); messages delivered: ${n} of ${messages}`);
  console.log(JSON.stringify({ bare: b, gateway: g, ratio, delivered: n }));
  await db.query(`DELETE FROM sms.messages WHERE task_id = $1`, [taskId]);
  await db.query(`DROP TABLE sms.bench_receipts`);
  await db.end();
  await pool.end();
  await bare.close();
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
