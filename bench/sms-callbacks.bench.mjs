// pnpm bench:sms-callbacks — delivery receipts per second through the gateway into the sms service
// (POST {callbackUrl}/delivery for BENCH_MESSAGES distinct messages, default 100,000: each stored
// and applied, an sms.status outbox row each), against a bare fastify route doing the same INSERT
// (the receipt, joined to its message, into a table of the same shape) in the same run. Goal: ≥ 0.5.
// Also, for where the time goes: the same receipts (other messages) straight to the sms service with
// the headers the gateway adds, the CPU each process spent per receipt, and the database's commits
// per receipt.
// The gateway and the sms service run as real processes from dist (built first unless --no-build),
// in a database and a RabbitMQ vhost of their own (fresh per run; DATABASE_URL / AMQP_URL to use others).
// Options (env): BENCH_MESSAGES (default 100000), BENCH_CONNECTIONS (default 32), BENCH_ROUNDS
// (default 1: bare, direct, gateway; the ratio reported is the median of the rounds'), BENCH_CPU_PROF
// (a directory: V8 CPU profiles of the gateway and the sms service are written there).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { cpus } from 'node:os';
import autocannon from 'autocannon';
import { cpuMicros, freePort, freshDatabase, freshVhost, loadAverage, root, startService, stopAll, waitReady } from './lib.mjs';

const { Client, Pool } = createRequire(join(root, 'libs/db/package.json'))('pg');
const fastify = createRequire(join(root, 'services/sms/package.json'))('fastify');
const messages = Number(process.env.BENCH_MESSAGES ?? 100_000);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const INTERNAL_TOKEN = randomBytes(24).toString('hex');
const ADMIN_TOKEN = randomBytes(24).toString('hex');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function json(url, init) {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...(init?.headers ?? {}) } });
  const body = await res.json();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** autocannon posting one receipt per message id, each id once. */
function receipts(url, ids, headers = {}) {
  let next = 0;
  return autocannon({
    url,
    connections,
    amount: ids.length,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, setupRequest: (req) => ({ ...req, body: JSON.stringify({ messageId: ids[next++ % ids.length], status: 'delivered' }) }) }],
  });
}

async function main() {
  if (!process.argv.includes('--no-build')) execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  const DATABASE_URL = process.env.DATABASE_URL ?? (await freshDatabase('autocall_bench_sms_callbacks'));
  const AMQP_URL = process.env.AMQP_URL ?? freshVhost('autocall_bench_sms_callbacks');
  const env = { ...process.env, DATABASE_URL, AMQP_URL, INTERNAL_TOKEN, LOG_LEVEL: 'warn', HOST: '127.0.0.1' };
  const smsPort = await freePort();
  const gwPort = await freePort();
  const smsUrl = `http://127.0.0.1:${smsPort}`;
  const gwUrl = `http://127.0.0.1:${gwPort}`;
  const smsProc = startService('sms', { env: { ...env, SMS_PORT: String(smsPort), SMS_SIM_DLR_MS: '86400000', PUBLIC_BASE_URL: gwUrl }, output: 'inherit', fatal: true });
  await waitReady(smsUrl);
  // the limits are set out of reach: the bench measures the path, the limiters' bookkeeping included
  const gwProc = startService('gateway', { env: { ...env, GATEWAY_PORT: String(gwPort), SMS_URL: smsUrl, ADMIN_TOKEN, SMS_CALLBACK_RATE_PER_TOKEN: '1000000000', SMS_CALLBACK_RATE_PER_ADDRESS: '1000000000' }, output: 'inherit', fatal: true });
  await waitReady(gwUrl);

  const tenant = await json(`${gwUrl}/v1/admin/tenants`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify({ name: 'bench' }) });
  const account = await json(`${gwUrl}/v1/sms-account`, { method: 'PUT', headers: { authorization: `Bearer ${tenant.apiKey}` }, body: JSON.stringify({ provider: 'simulated', senderId: '+6281100001111', status: 'active' }) });

  // the messages the receipts are for: sent, as the sender leaves them; per round one set through
  // the gateway (the bare route's receipts are for the same ones, into its own table) and one direct
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  const taskId = randomUUID();
  const sets = Array.from({ length: rounds }, () => ({ gateway: Array.from({ length: messages }, () => randomUUID()), direct: Array.from({ length: messages }, () => randomUUID()) }));
  const all = sets.flatMap((s) => [...s.gateway, ...s.direct]);
  console.log(`inserting ${all.length} sent messages …`);
  for (let i = 0; i < all.length; i += 10_000) {
    await db.query(
      `INSERT INTO sms.messages (id, tenant_id, task_id, phone, kind, status, text, segments, sent_at)
       SELECT id, $2, $3, '+62812' || lpad(($4::int + row_number() OVER ())::text, 7, '0'), 'disconnect', 'sent', 'Thanks', 1, now() FROM unnest($1::uuid[]) AS id`,
      [all.slice(i, i + 10_000), tenant.id, taskId, i],
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
  const direct = `${smsUrl}${new URL(callback).pathname}`;
  const internal = { 'x-internal-token': INTERNAL_TOKEN, 'x-request-id': 'bench', 'x-forwarded-for': '127.0.0.1' };

  const commits = async () => Number((await db.query(`SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`)).rows[0].xact_commit);
  const procs = { bench: process.pid, sms: smsProc.pid, gateway: gwProc.pid };
  /** A phase's receipts/s and p99, and per receipt: each process's CPU µs and the database's commits (pg_stat_database counts with a little delay: read after the next phase's start is fine). */
  async function measured(phase) {
    const cpu0 = Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, cpuMicros(pid)]));
    const c0 = await commits();
    const r = await phase();
    await new Promise((resolve) => setTimeout(resolve, 600)); // the stats collector's flush interval is 500 ms
    const c1 = await commits();
    const n = r.requests.total || 1;
    const cpu = Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, Math.round((cpuMicros(pid) - cpu0[k]) / n)]));
    return { reqPerSec: r.requests.total / (r.duration || 1), total: r.requests.total, p99Ms: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts, cpuUsPerReceipt: cpu, commitsPerReceipt: (c1 - c0) / n };
  }

  console.log(`warm-up …`);
  await receipts(bareUrl, sets[0].gateway.slice(0, 2000));
  const results = [];
  for (let i = 0; i < rounds; i++) {
    const { gateway: gIds, direct: dIds } = sets[i];
    console.log(`round ${i + 1}/${rounds}: bare fastify route, then straight to the sms service, then through the gateway: ${messages} receipts each (load ${loadAverage()}) …`);
    const b = await measured(() => receipts(bareUrl, gIds));
    const d = await measured(() => receipts(direct, dIds, internal));
    const g = await measured(() => receipts(callback, gIds));
    results.push({ bare: b, direct: d, gateway: g, ratio: g.reqPerSec / b.reqPerSec });
  }
  const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM sms.messages WHERE task_id = $1 AND status = 'delivered'`, [taskId])).rows;
  const mid = (path, k) => median(results.map((r) => r[path][k]));
  const cpu = (path) => Object.entries(results[0][path].cpuUsPerReceipt).map(([k]) => `${k} ${median(results.map((r) => r[path].cpuUsPerReceipt[k]))}`).join(', ');
  const ratio = median(results.map((r) => r.ratio));
  console.log(`\nPOST {callbackUrl}/delivery — ${cpus().length} CPUs, load average ${loadAverage()}, ${connections} connections, ${messages} messages, ${rounds} round(s) (medians)`);
  console.log(`| path | receipts/s | p99 latency | non-2xx | CPU µs per receipt | commits per receipt |`);
  console.log(`| --- | ---: | ---: | ---: | --- | ---: |`);
  for (const [path, label] of [
    ['bare', 'bare fastify route, same INSERT'],
    ['direct', 'straight to the sms service (stored, applied, sms.status)'],
    ['gateway', 'gateway → sms service (stored, applied, sms.status)'],
  ]) {
    const bad = results.reduce((s, r) => s + r[path].non2xx + r[path].errors, 0);
    console.log(`| ${label} | ${mid(path, 'reqPerSec').toFixed(0)} | ${mid(path, 'p99Ms').toFixed(1)} ms | ${bad} | ${cpu(path)} | ${mid(path, 'commitsPerReceipt').toFixed(3)} |`);
  }
  console.log(`gateway / bare = ${(ratio * 100).toFixed(1)} % (goal ≥ 50 %)${rounds > 1 ? ` (rounds: ${results.map((r) => (r.ratio * 100).toFixed(1)).join(', ')} %)` : ''}; messages delivered: ${n} of ${messages * rounds * 2}`);
  console.log(JSON.stringify({ results, ratio, delivered: n }));
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
