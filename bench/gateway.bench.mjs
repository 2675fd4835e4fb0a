// pnpm bench:gateway — the gateway's overhead: autocannon on GET /v1/sms-templates/{id} through the
// gateway vs straight to the sms service (with the internal headers the gateway would add), same run.
// Both run as real processes from dist (built first unless --no-build); PostgreSQL and RabbitMQ at
// DATABASE_URL / AMQP_URL (defaults: the local ones, database autocall_bench).
// Options (env): BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (default 32), BENCH_ROUNDS (default 2),
// BENCH_PROFILE_DIR or BENCH_CPU_PROF (write V8 CPU profiles of both processes there), BENCH_GATEWAY_MAIN (another
// build's gateway main.js, to compare two builds under the same conditions).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { isAbsolute, join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import autocannon from 'autocannon';
import { cpuMicros as cpuMicrosOf, freePort, root, startNode, stopAll, waitReady } from './lib.mjs';

const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const INTERNAL_TOKEN = randomBytes(24).toString('hex');
const ADMIN_TOKEN = randomBytes(24).toString('hex');
const base = {
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/autocall_bench',
  AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  INTERNAL_TOKEN,
  LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
};

const start = (name, script, env) => startNode(name, [isAbsolute(script) ? script : join(root, script)], { env: { ...process.env, ...base, ...env }, output: 'inherit', fatal: true });

async function json(url, init) {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...(init?.headers ?? {}) } });
  const body = await res.json();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

const run = (url, headers) => autocannon({ url, headers, connections, duration, pipelining: 1 });
const summary = (r) => ({ reqPerSec: r.requests.average, p99Ms: r.latency.p99, p50Ms: r.latency.p50, non2xx: r.non2xx, errors: r.errors + r.timeouts });

/** CPU time (user + system, µs) a child has used, from /proc (Linux); undefined elsewhere. */
const cpuMicros = (child) => cpuMicrosOf(child.pid);
/** Runs a phase and adds each process's CPU µs per request: less sensitive to a noisy machine than req/s. */
async function measured(phase, procs) {
  const before = procs.map(([, c]) => cpuMicros(c));
  const r = await phase();
  const s = summary(r);
  procs.forEach(([name, c], i) => {
    const after = cpuMicros(c);
    if (after !== undefined && before[i] !== undefined && r.requests.total > 0) s[`${name}CpuUsPerReq`] = Math.round((after - before[i]) / r.requests.total);
  });
  return s;
}

async function main() {
  if (!process.argv.includes('--no-build')) execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  const smsPort = await freePort();
  const gwPort = await freePort();
  const smsUrl = `http://127.0.0.1:${smsPort}`;
  const gwUrl = `http://127.0.0.1:${gwPort}`;
  const smsChild = start('sms', 'services/sms/dist/main.js', { SMS_PORT: String(smsPort) });
  await waitReady(smsUrl);
  // The limit is set out of reach: the bench measures the proxy path, the limiter's bookkeeping included.
  const gwChild = start('gateway', process.env.BENCH_GATEWAY_MAIN ?? 'gateway/dist/main.js', { GATEWAY_PORT: String(gwPort), SMS_URL: smsUrl, ADMIN_TOKEN, RATE_LIMIT_PER_SECOND: '1000000000' });
  await waitReady(gwUrl);

  const ownerEmail = `bench-${randomBytes(4).toString('hex')}@example.com`;
  const ownerPassword = randomBytes(12).toString('hex');
  const tenant = await json(`${gwUrl}/v1/admin/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ name: 'bench', owner: { email: ownerEmail, name: 'Bench', password: ownerPassword } }),
  });
  const loginBody = JSON.stringify({ email: ownerEmail, password: ownerPassword });
  const loginRes = await fetch(`${gwUrl}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: loginBody });
  if (loginRes.status !== 200) throw new Error(`login: ${loginRes.status}`);
  const cookie = (loginRes.headers.get('set-cookie') ?? '').split(';')[0];
  const template = await json(`${gwUrl}/v1/sms-templates`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tenant.apiKey}` },
    body: JSON.stringify({ name: 'Bench', content: 'Hi {{name}}, your order {{Order Id}} ships today.' }),
  });
  const path = `/v1/sms-templates/${template.id}`;
  const direct = () => run(`${smsUrl}${path}`, { 'x-internal-token': INTERNAL_TOKEN, 'x-autocall-tenant-id': tenant.id });
  const viaGateway = () => run(`${gwUrl}${path}`, { authorization: `Bearer ${tenant.apiKey}` });
  const viaCookie = () => run(`${gwUrl}${path}`, { cookie });

  console.log(`\nwarm-up (3 s each) …`);
  await autocannon({ url: `${smsUrl}${path}`, headers: { 'x-internal-token': INTERNAL_TOKEN, 'x-autocall-tenant-id': tenant.id }, connections, duration: 3 });
  await autocannon({ url: `${gwUrl}${path}`, headers: { authorization: `Bearer ${tenant.apiKey}` }, connections, duration: 3 });
  await autocannon({ url: `${gwUrl}${path}`, headers: { cookie }, connections, duration: 3 });

  const results = { direct: [], gateway: [], cookie: [] };
  for (let i = 0; i < rounds; i++) {
    console.log(`round ${i + 1}/${rounds}: direct ${duration} s, then gateway ${duration} s with the API key, then with the session cookie (${connections} connections)`);
    results.direct.push(await measured(direct, [['sms', smsChild]]));
    results.gateway.push(await measured(viaGateway, [['sms', smsChild], ['gateway', gwChild]]));
    results.cookie.push(await measured(viaCookie, [['sms', smsChild], ['gateway', gwChild]]));
  }
  // Login is bounded by the password hash on purpose: one core's worth of logins (2 connections keep it busy).
  const logins = await measured(
    () => autocannon({ url: `${gwUrl}/v1/auth/login`, method: 'POST', headers: { 'content-type': 'application/json' }, body: loginBody, connections: 2, duration }),
    [['gateway', gwChild]],
  );
  const avg = (xs, k) => xs.reduce((s, x) => s + x[k], 0) / xs.length;
  const d = { reqPerSec: avg(results.direct, 'reqPerSec'), p99Ms: avg(results.direct, 'p99Ms') };
  const g = { reqPerSec: avg(results.gateway, 'reqPerSec'), p99Ms: avg(results.gateway, 'p99Ms') };
  const k = { reqPerSec: avg(results.cookie, 'reqPerSec'), p99Ms: avg(results.cookie, 'p99Ms') };
  const ratio = g.reqPerSec / d.reqPerSec;
  const bad = [...results.direct, ...results.gateway, ...results.cookie].reduce((s, r) => s + r.non2xx + r.errors, 0);

  console.log(`\nGET /v1/sms-templates/{id} — ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)}, ${connections} connections, ${rounds} × ${duration} s each`);
  console.log(`| path | req/s | p99 latency |`);
  console.log(`| --- | ---: | ---: |`);
  console.log(`| direct to sms | ${d.reqPerSec.toFixed(0)} | ${d.p99Ms.toFixed(1)} ms |`);
  console.log(`| through the gateway, API key | ${g.reqPerSec.toFixed(0)} | ${g.p99Ms.toFixed(1)} ms |`);
  console.log(`| through the gateway, session cookie | ${k.reqPerSec.toFixed(0)} | ${k.p99Ms.toFixed(1)} ms |`);
  console.log(`gateway / direct = ${(ratio * 100).toFixed(1)} % (goal ≥ 80 %); cookie / key = ${((k.reqPerSec / g.reqPerSec) * 100).toFixed(1)} % (goal ≥ 90 %)${bad ? `; ${bad} non-2xx or errored requests!` : ''}`);
  const loginCpuMs = logins.gatewayCpuUsPerReq === undefined ? undefined : logins.gatewayCpuUsPerReq / 1000;
  console.log(
    `POST /v1/auth/login: ${logins.reqPerSec.toFixed(1)} logins/s (2 connections), p99 ${logins.p99Ms.toFixed(0)} ms${loginCpuMs ? `, ${loginCpuMs.toFixed(0)} ms gateway CPU each ≈ ${(1000 / loginCpuMs).toFixed(1)} logins/s per core` : ''}; hash scrypt N=2^${process.env.PASSWORD_SCRYPT_LOG_N ?? 17}, r=8, p=1${logins.non2xx ? `; ${logins.non2xx} non-2xx!` : ''}`,
  );
  if (results.gateway[0].gatewayCpuUsPerReq !== undefined) {
    console.log(`CPU per request: sms ${avg(results.direct, 'smsCpuUsPerReq').toFixed(0)} µs direct, ${avg(results.gateway, 'smsCpuUsPerReq').toFixed(0)} µs via gateway; gateway ${avg(results.gateway, 'gatewayCpuUsPerReq').toFixed(0)} µs`);
  }
  console.log(JSON.stringify({ direct: results.direct, gateway: results.gateway, cookie: results.cookie, logins, ratio }));
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
