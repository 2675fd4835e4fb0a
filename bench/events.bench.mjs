// pnpm bench:events — the events service (issue 16): webhook deliveries per second against the raw
// floor of this machine in the same run, and the live stream's latency with many clients.
//
//   pnpm bench:events
//   node bench/events.bench.mjs --events 2000 --rounds 3 --clients 1000 --only fast,slow,stream
//
// Parts (each round runs the floor and the platform one after the other, so both see the same machine):
//   fast    a receiver (its own process) that answers 204 at once. Platform: call.completed envelopes
//           published to the broker for 8 tenants with one endpoint each (concurrency 64, 4 per
//           endpoint: 32 requests open at most), counted at the receiver until every delivery
//           arrived. Floor: a bare undici POST loop, 32 open, the same bodies, each signed with
//           HMAC-SHA256 as Standard Webhooks says (what the platform does per attempt).
//   slow    the same with a receiver that answers in 200 ms (concurrency at work).
//   stream  --clients SSE clients of one tenant on one replica (straight to the service, as the
//           gateway would send them); call.completed published at 20/s for 10 s; latency from the
//           publish to each client's receipt of the event (p50 / p99 / max over every client and event).
// Everything runs in a database and a RabbitMQ vhost of its own (rabbitmqctl), fresh per run; the
// service runs from dist (built first by the pnpm script).
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { freePort, freshDatabase, freshVhost, loadAverage, log, root, sleep, startNode as startLib, stopAll, waitUp } from './lib.mjs';

const require = createRequire(join(root, 'services/events/package.json'));
const amqp = require('amqplib');
const { Agent, request } = require('undici');

const args = Object.fromEntries(
  process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : 'true']] : [])),
);
const EVENTS = Number(args.events ?? 2000);
const ROUNDS = Number(args.rounds ?? 3);
const CLIENTS = Number(args.clients ?? 1000);
const only = new Set((args.only ?? 'fast,slow,stream').split(','));
const TENANTS = 8;
const OPEN = 32; // 8 endpoints × WEBHOOK_ENDPOINT_CONCURRENCY 4, under WEBHOOK_CONCURRENCY 64
const TOKEN = 'bench-internal-token-0123456789';
const EXCHANGE = 'autocall.events';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

// ---------- processes ----------
/** `node ...args` with the bench's environment (stdout dropped, stderr shown). */
const startNode = (name, args, env, fatal = false) => startLib(name, args, { env: { PATH: process.env.PATH, INTERNAL_TOKEN: TOKEN, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env }, fatal });

/** The receiver: its own process; counts distinct webhook-ids per run (the path's first segment); GET /count/<run>. */
const RECEIVER = `
const http = require('node:http');
const delay = Number(process.env.DELAY_MS);
const seen = new Map();
http.createServer((req, res) => {
  const run = req.url.split('/')[1];
  if (req.method === 'GET') { res.end(String(seen.get(run)?.size ?? 0)); return; }
  req.on('data', () => {});
  req.on('end', () => {
    let s = seen.get(run); if (!s) seen.set(run, (s = new Set()));
    s.add(req.headers['webhook-id']);
    const answer = () => { res.statusCode = 204; res.end(); };
    if (delay > 0) setTimeout(answer, delay); else answer();
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;
async function startReceiver(delayMs) {
  const port = await freePort();
  const p = startNode(`receiver ${delayMs} ms`, ['-e', RECEIVER], { PORT: String(port), DELAY_MS: String(delayMs) });
  await waitUp(`http://127.0.0.1:${port}/warm`);
  return { port, url: `http://127.0.0.1:${port}`, proc: p };
}
const received = async (receiver, run) => Number(await (await fetch(`${receiver.url}/${run}`)).text());

// ---------- shared ----------
const phoneOf = (i) => `+62812${String(i).padStart(7, '0')}`;
function callCompleted(tenantId, i) {
  const now = new Date().toISOString();
  return { tenantId, taskId: randomUUID(), attemptId: randomUUID(), phone: phoneOf(i), rowNumber: i + 2, attempt: 1, outcome: 'answered', hangupBy: 'callee', sipCode: 200, failureReason: null, startedAt: now, answeredAt: now, endedAt: now, durationMs: 10_000, name: `Callee ${i}`, variables: { Name: `Callee ${i}`, 'Order Id': `ORD-${i}` }, final: true };
}
const envelopeOf = (payload) => ({ id: randomUUID(), name: 'call.completed', version: 1, occurredAt: new Date().toISOString(), payload });

/** Standard Webhooks: base64 HMAC-SHA256 of `id.timestamp.body`, keyed with the secret's bytes after `whsec_`. */
function sign(secret, id, timestamp, body) {
  return `v1,${createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

// ---------- webhooks: floor and platform ----------
async function floor(receiver, run, bodies, secret) {
  const agent = new Agent({ connections: OPEN, pipelining: 0 });
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: OPEN }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const id = `msg_${randomUUID()}`;
        const timestamp = String(Math.floor(Date.now() / 1000));
        const res = await request(`${receiver.url}/${run}/floor`, {
          method: 'POST',
          dispatcher: agent,
          headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': sign(secret, id, timestamp, body), 'user-agent': 'autocall-webhooks/1' },
          body,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        for await (const _ of res.body) { /* drain */ }
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await agent.close();
  return bodies.length / seconds;
}

async function platform(svc, receiver, run, pub) {
  // one endpoint per tenant, subscribed to call.completed, pointing at this run's path
  const tenants = Array.from({ length: TENANTS }, () => randomUUID());
  for (const t of tenants) {
    const res = await fetch(`${svc}/v1/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-internal-token': TOKEN, 'x-autocall-tenant-id': t },
      body: JSON.stringify({ url: `${receiver.url}/${run}/hook`, events: ['call.completed'] }),
    });
    if (res.status !== 201) throw new Error(`webhook create: ${res.status} ${await res.text()}`);
  }
  const perTenant = Math.ceil(EVENTS / TENANTS);
  const total = perTenant * TENANTS;
  const started = process.hrtime.bigint();
  for (let i = 0; i < perTenant; i++) {
    for (const t of tenants) {
      const e = envelopeOf(callCompleted(t, i));
      pub.publish(EXCHANGE, e.name, Buffer.from(JSON.stringify(e)), { persistent: true, messageId: e.id, type: e.name });
    }
    if (i % 100 === 99) await pub.waitForConfirms();
  }
  await pub.waitForConfirms();
  for (;;) {
    const n = await received(receiver, run);
    if (n >= total) break;
    await sleep(20);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return total / seconds;
}

// ---------- the stream ----------
/** An SSE client that records when each event id arrives. */
function sseClient(svc, tenantId, arrivals) {
  return new Promise((resolve, reject) => {
    const url = new URL(`${svc}/v1/events?types=call.completed`);
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers: { accept: 'text/event-stream', 'x-internal-token': TOKEN, 'x-autocall-tenant-id': tenantId } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream: ${res.statusCode}`));
      res.setEncoding('utf8');
      let buffer = '';
      let connected = false;
      res.on('data', (chunk) => {
        const at = performance.now();
        buffer += chunk;
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          if (!connected && frame.includes(': connected')) {
            connected = true;
            resolve(req);
          }
          if (frame.startsWith('id: ')) arrivals.push([frame.slice(4, 40), at]);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function stream(svc, pub) {
  const tenantId = randomUUID();
  const arrivals = [];
  const reqs = [];
  for (let i = 0; i < CLIENTS; i += 100) reqs.push(...(await Promise.all(Array.from({ length: Math.min(100, CLIENTS - i) }, () => sseClient(svc, tenantId, arrivals)))));
  log(`stream: ${reqs.length} clients connected`);
  const sentAt = new Map();
  const PER_SECOND = 20;
  const SECONDS = 10;
  for (let i = 0; i < PER_SECOND * SECONDS; i++) {
    const e = envelopeOf(callCompleted(tenantId, i));
    sentAt.set(e.id, performance.now());
    pub.publish(EXCHANGE, e.name, Buffer.from(JSON.stringify(e)), { persistent: true, messageId: e.id, type: e.name });
    await sleep(1000 / PER_SECOND);
  }
  await pub.waitForConfirms();
  const expected = sentAt.size * reqs.length;
  const end = Date.now() + 30_000;
  while (arrivals.length < expected && Date.now() < end) await sleep(100);
  for (const r of reqs) r.destroy();
  const latencies = arrivals.filter(([id]) => sentAt.has(id)).map(([id, at]) => at - sentAt.get(id)).sort((a, b) => a - b);
  return { clients: reqs.length, events: sentAt.size, got: latencies.length, expected, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies[latencies.length - 1] };
}

// ---------- main ----------
async function main() {
  log(`bench:events — ${cpus().length} cores, load ${loadAverage()}; ${EVENTS} events a round, ${ROUNDS} rounds, ${CLIENTS} stream clients`);
  const dbUrl = await freshDatabase('autocall_bench_events');
  const amqpUrl = freshVhost('autocall_bench_events');
  const port = await freePort();
  startNode('events', [join(root, 'services/events/dist/main.js')], { DATABASE_URL: dbUrl, AMQP_URL: amqpUrl, EVENTS_PORT: String(port), WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_MAX_ENDPOINTS: '1000' }, true);
  const svc = `http://127.0.0.1:${port}`;
  await waitUp(`${svc}/ready`);
  const conn = await amqp.connect(amqpUrl);
  const pub = await conn.createConfirmChannel();
  await pub.assertExchange(EXCHANGE, 'topic', { durable: true });
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const sample = JSON.stringify({ type: 'call.completed', timestamp: new Date().toISOString(), data: { id: randomUUID(), ...callCompleted(randomUUID(), 1) } });
  const bodies = Array.from({ length: Math.ceil(EVENTS / TENANTS) * TENANTS }, () => sample);
  const results = [];
  for (const [part, delayMs] of [['fast', 0], ['slow', 200]]) {
    if (!only.has(part)) continue;
    const receiver = await startReceiver(delayMs);
    const floors = [];
    const platforms = [];
    for (let r = 0; r < ROUNDS; r++) {
      const f = await floor(receiver, `f${r}`, bodies, secret);
      const p = await platform(svc, receiver, `p${r}`, pub);
      floors.push(f);
      platforms.push(p);
      log(`${part} round ${r + 1}: floor ${f.toFixed(0)}/s, platform ${p.toFixed(0)}/s, ratio ${(p / f).toFixed(2)} (load ${loadAverage()})`);
    }
    results.push({ part, receiver: delayMs ? `answers in ${delayMs} ms` : 'answers at once', floor: median(floors), platform: median(platforms), ratio: median(platforms.map((p, i) => p / floors[i])) });
    receiver.proc.kill('SIGKILL');
  }
  let streamResult;
  if (only.has('stream')) streamResult = await stream(svc, pub);
  await conn.close();
  await stopAll();
  console.log('');
  console.log(`| part | receiver | floor deliveries/s | platform deliveries/s | ratio (median of ${ROUNDS}) |`);
  console.log('| --- | --- | ---: | ---: | ---: |');
  for (const r of results) console.log(`| ${r.part} | ${r.receiver} | ${r.floor.toFixed(0)} | ${r.platform.toFixed(0)} | ${r.ratio.toFixed(2)} |`);
  if (streamResult) {
    const s = streamResult;
    console.log('');
    console.log(`stream: ${s.clients} clients × ${s.events} events: ${s.got}/${s.expected} received; publish → client p50 ${s.p50?.toFixed(1)} ms, p99 ${s.p99?.toFixed(1)} ms, max ${s.max?.toFixed(1)} ms`);
  }
  console.log(`load average at the end: ${loadAverage()}`);
}

main().catch(async (err) => {
  console.error(err);
  await stopAll();
  process.exit(1);
});
