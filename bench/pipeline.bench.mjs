// Pipeline benchmark (issue 6): calls/s of the closed loop and, in the same run, the raw floor of
// this machine (bare amqplib publish → consume → batched PostgreSQL insert over the same kind of
// durable queues), and their ratio.
//
//   pnpm bench:pipeline                     # raw floor + dialer alone (without, then with the dialing policy) + full pipeline
//   node bench/pipeline.bench.mjs --numbers 100000 --only raw,dialer
//   node bench/pipeline.bench.mjs --only dialer,policy --runs 3   # medians of 3 runs each, alternating
//
// Parts:
//   raw     the floor: N persistent messages published with confirms to a topic exchange, consumed
//           (prefetch 1000) and inserted in batches into PostgreSQL, acked after the insert.
//   dialer  the dialer process alone (from dist): the bench publishes task.created/started and
//           answers roster.entries.page itself; calls/s from task.started to dialer.task.drained.
//   policy  the dialer alone again, with the dialing policy's heaviest state on (issue 15): a
//           do-not-call list of 1,000,000 numbers for the tenant (none of them in the roster, so
//           both runs place the same calls) and a contact cap of 1 call per number per day, so
//           every claim probes the list and counts each number on its daily row. Goal: calls/s
//           within 15 % of `dialer`.
//   full    task, roster, recording, sms and dialer as separate processes (from dist), both SMS
//           kinds on: recording + roster uploaded, templates approved, SMS account active, task
//           created immediate; calls/s from the task's startedAt to status `completed`.
// Everything runs in a database and a RabbitMQ vhost of its own (rabbitmqctl), fresh per run.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cpuMicros, freshDatabase, freshVhost, loadAverage, log, root, sleep, startService as startLib, stopAll, waitReady } from './lib.mjs';

const require = createRequire(join(root, 'services/dialer/package.json'));
const amqp = require('amqplib');
const { Client } = require('pg');

const args = Object.fromEntries(
  process.argv.slice(2).flatMap((a, i, all) => (a.startsWith('--') ? [[a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : 'true']] : [])),
);
const N = Number(args.numbers ?? 100_000);
const only = new Set((args.only ?? 'raw,dialer,policy,full').split(','));
const RUNS = Math.max(1, Number(args.runs ?? 1));
const DNC_SIZE = Number(args.dnc ?? 1_000_000);
/** What the policy run turns on: `dnc` (the list), `cap` (the call cap), or both (default; `--policy dnc` to tell their costs apart). */
const POLICY = new Set((args.policy ?? 'dnc,cap').split(','));
const TOKEN = 'bench-internal-token-0123456789';
const EXCHANGE = 'autocall.events';

// ---------- processes ----------
/** A service from dist with the bench's environment (stdout dropped, stderr shown). */
const startService = (name, env) => startLib(name, { env: { PATH: process.env.PATH, INTERNAL_TOKEN: TOKEN, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env } });

// ---------- shared helpers ----------
const phoneOf = (i) => `+62812${String(i).padStart(7, '0')}`;
function envelope(name, payload) {
  return { id: randomUUID(), name, version: 1, occurredAt: new Date().toISOString(), payload };
}
async function cpuSeconds(pids) {
  // user+system CPU of the given processes (Linux /proc), to show where the time went
  return pids.reduce((s, pid) => s + (cpuMicros(pid) ?? 0), 0) / 1e6;
}

// ---------- raw floor ----------
async function rawFloor(amqpUrl, dbUrl) {
  const db = new Client({ connectionString: dbUrl });
  await db.connect();
  await db.query(`CREATE TABLE IF NOT EXISTS bench_raw (id uuid PRIMARY KEY, payload jsonb NOT NULL)`);
  await db.query(`TRUNCATE bench_raw`);
  const conn = await amqp.connect(amqpUrl);
  const pub = await conn.createConfirmChannel();
  const sub = await conn.createChannel();
  await pub.assertExchange(EXCHANGE, 'topic', { durable: true });
  const queue = 'bench.raw-floor';
  await sub.assertQueue(queue, { durable: true });
  await sub.purgeQueue(queue);
  await sub.bindQueue(queue, EXCHANGE, 'bench.raw');
  await sub.prefetch(1000);
  const sample = { tenantId: randomUUID(), taskId: randomUUID(), attemptId: randomUUID(), phone: phoneOf(1), rowNumber: 2, attempt: 1, outcome: 'answered', hangupBy: 'callee', sipCode: 200, failureReason: null, startedAt: new Date().toISOString(), answeredAt: new Date().toISOString(), endedAt: new Date().toISOString(), durationMs: 10000, name: 'Callee', variables: { Name: 'Callee' }, final: true };
  let inserted = 0;
  let pending = [];
  let flushing = false;
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  async function flush() {
    if (flushing || pending.length === 0) return;
    flushing = true;
    while (pending.length > 0) {
      const batch = pending.splice(0, 1000);
      const rows = batch.map((m) => JSON.parse(m.content.toString()));
      await db.query(`INSERT INTO bench_raw (id, payload) SELECT * FROM unnest($1::uuid[], $2::jsonb[]) ON CONFLICT DO NOTHING`, [rows.map((r) => r.id), rows.map((r) => JSON.stringify(r.payload))]);
      sub.ack(batch[batch.length - 1], true);
      inserted += batch.length;
      if (inserted >= N) resolveDone();
    }
    flushing = false;
  }
  await sub.consume(queue, (m) => {
    if (!m) return;
    pending.push(m);
    if (pending.length >= 500) void flush();
    else setImmediate(() => void flush());
  });
  const t0 = performance.now();
  const WINDOW = 5000;
  for (let i = 0; i < N; i += WINDOW) {
    const n = Math.min(WINDOW, N - i);
    await Promise.all(
      Array.from({ length: n }, () => {
        const env = envelope('bench.raw', { ...sample, attemptId: randomUUID() });
        return new Promise((res, rej) => pub.publish(EXCHANGE, 'bench.raw', Buffer.from(JSON.stringify(env)), { persistent: true, messageId: env.id, contentType: 'application/json' }, (err) => (err ? rej(err) : res())));
      }),
    );
  }
  await done;
  const secs = (performance.now() - t0) / 1000;
  await sub.deleteQueue(queue);
  await conn.close();
  await db.end();
  return { perSecond: N / secs, secs };
}

// ---------- dialer alone ----------
/** The policy run's state, written once the dialer has migrated: the DNC list and the contact cap. */
async function policyState(dbUrl, tenantId) {
  const db = new Client({ connectionString: dbUrl });
  await db.connect();
  const t = performance.now();
  if (POLICY.has('dnc')) await db.query(
    `INSERT INTO dialer.dnc_entries (tenant_id, phone, raw_phone, source, created_by)
     SELECT $1, '+62813' || lpad(i::text, 7, '0'), '0813' || lpad(i::text, 7, '0'), 'import', 'bench' FROM generate_series(0, $2::int - 1) AS i`,
    [tenantId, DNC_SIZE],
  );
  await db.query(`VACUUM ANALYZE dialer.dnc_entries`);
  // the million rows' WAL is flushed now, not by a checkpoint in the middle of the measured run
  await db.query(`CHECKPOINT`);
  if (POLICY.has('cap')) await db.query(`INSERT INTO dialer.contact_policies (tenant_id, max_calls, max_sms) VALUES ($1, 1, 1)`, [tenantId]);
  log(`  policy: ${POLICY.has('dnc') ? DNC_SIZE : 0} DNC entries${POLICY.has('cap') ? ' and a call cap of 1 a day' : ''} written in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  await db.end();
}

async function dialerAlone(amqpUrl, dbUrl, { policy = false } = {}) {
  const conn = await amqp.connect(amqpUrl);
  const ch = await conn.createChannel();
  await ch.assertExchange(EXCHANGE, 'topic', { durable: true });
  // roster.entries.page, answered by the bench (the roster service's part)
  const rpcQueue = 'rpc.roster.entries.page.v1';
  await ch.assertQueue(rpcQueue, { durable: false });
  await ch.prefetch(16);
  await ch.consume(rpcQueue, (m) => {
    if (!m) return;
    const q = JSON.parse(m.content.toString());
    const last = N + 1;
    const from = q.afterRowNumber + 1;
    const to = Math.min(last, q.afterRowNumber + q.limit);
    const entries = [];
    for (let row = Math.max(2, from); row <= to; row++) entries.push({ rowNumber: row, phone: phoneOf(row - 2), name: `Callee ${row}`, variables: { Name: `Callee ${row}` } });
    const result = { entries, nextAfterRowNumber: to < last ? to : null };
    ch.sendToQueue(m.properties.replyTo, Buffer.from(JSON.stringify({ ok: true, result })), { correlationId: m.properties.correlationId });
    ch.ack(m);
  });
  const events = await conn.createChannel();
  const { queue } = await events.assertQueue('', { exclusive: true, autoDelete: true });
  await events.bindQueue(queue, EXCHANGE, 'call.completed');
  await events.bindQueue(queue, EXCHANGE, 'dialer.task.drained');
  const tenantId = randomUUID();
  const taskId = randomUUID();
  let calls = 0;
  let t0 = 0;
  let lastCallAt = 0;
  let drainedAt = 0;
  let drained;
  await events.consume(queue, (m) => {
    const env = JSON.parse(m.content.toString());
    if (env.payload.taskId !== taskId) return;
    if (env.name === 'call.completed') {
      if (calls === 0) log(`  dialer alone: first call.completed after ${((performance.now() - t0) / 1000).toFixed(2)} s`);
      calls++;
      lastCallAt = performance.now();
    } else {
      drained = env.payload;
      drainedAt = performance.now();
    }
  }, { noAck: true });

  const dialer = startService('dialer', { DATABASE_URL: dbUrl, AMQP_URL: amqpUrl, DIALER_PORT: '3905', SIM_TIME_SCALE: '0', DIALER_ID: 'bench-dialer' });
  await waitReady(3905);
  if (policy) await policyState(dbUrl, tenantId);
  const snapshot = {
    tenantId, taskId, name: 'Pipeline bench', status: 'running', recordingId: randomUUID(), recordingDurationMs: 20000, rosterId: randomUUID(), total: N,
    sms: { onDisconnect: { enabled: true, templateId: randomUUID(), when: 'anyAnswered' }, onUnanswered: { enabled: true, templateId: randomUUID() } },
    dialing: { maxConcurrentCalls: 10000, callsPerSecond: 10000, ringTimeoutSeconds: 30, maxAttempts: 1, retryDelayMinutes: 0, callerId: null, callingWindow: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] } },
    timezone: 'Asia/Jakarta', startAt: null,
  };
  const pub = await conn.createConfirmChannel();
  const publish = (name, payload) => new Promise((res, rej) => {
    const env = envelope(name, payload);
    pub.publish(EXCHANGE, name, Buffer.from(JSON.stringify(env)), { persistent: true, messageId: env.id, type: name, contentType: 'application/json' }, (e) => (e ? rej(e) : res()));
  });
  await publish('task.created', { ...snapshot, status: 'scheduled' });
  const cpu0 = await cpuSeconds([dialer.pid]);
  t0 = performance.now();
  await publish('task.started', snapshot);
  const deadline = Date.now() + Math.max(120_000, N * 5);
  let lastReport = 0;
  while (!drained && Date.now() < deadline) {
    await sleep(100);
    if (Date.now() - lastReport > 5000) {
      lastReport = Date.now();
      log(`  dialer alone: ${calls} call.completed so far`);
    }
  }
  if (!drained) throw new Error(`dialer alone: not drained in time (${calls} calls seen)`);
  while (calls < N && Date.now() < deadline) await sleep(50);
  const cpu = (await cpuSeconds([dialer.pid])) - cpu0;
  const secs = (drainedAt - t0) / 1000;
  if (policy) {
    // the cap was in force: one daily count per number called
    const db = new Client({ connectionString: dbUrl });
    await db.connect();
    const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM dialer.contact_counts WHERE tenant_id = $1`, [tenantId])).rows;
    await db.end();
    log(`  policy: ${n} numbers counted under the cap`);
  }
  await conn.close();
  await stopAll();
  return { perSecond: N / secs, secs, calls, finalCount: drained.finalCount, eventsSecs: (lastCallAt - t0) / 1000, dialerCpuSecs: cpu, load: loadAverage() };
}

// ---------- full pipeline ----------
const PORTS = { task: 3901, roster: 3902, recording: 3903, sms: 3904, dialer: 3905 };
async function api(service, tenantId, method, url, body, headers = {}) {
  const init = { method, headers: { 'x-internal-token': TOKEN, 'x-autocall-tenant-id': tenantId, ...headers } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  const res = await fetch(`http://127.0.0.1:${PORTS[service]}${url}`, init);
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = text; }
  if (res.status >= 400) throw new Error(`${method} ${url} → ${res.status} ${text.slice(0, 300)}`);
  return json;
}
async function rosterXlsx(n) {
  const ExcelJS = require('exceljs');
  const { PassThrough } = await import('node:stream');
  const out = new PassThrough();
  const chunks = [];
  out.on('data', (c) => chunks.push(c));
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false });
  const ws = wb.addWorksheet('Roster');
  ws.addRow(['Phone Number', 'Name']).commit();
  for (let i = 0; i < n; i++) ws.addRow([`0812${String(i).padStart(7, '0')}`, `Callee ${i}`]).commit();
  ws.commit();
  await wb.commit();
  return Buffer.concat(chunks);
}
async function fullPipeline(amqpUrl, dbUrl) {
  const missing = ['task', 'roster', 'recording', 'sms', 'dialer'].filter((s) => !existsSync(join(root, `services/${s}/dist/main.js`)));
  if (missing.length) return { skipped: `services not built: ${missing.join(', ')}` };
  const common = { DATABASE_URL: dbUrl, AMQP_URL: amqpUrl };
  const procs = {
    recording: startService('recording', { ...common, RECORDING_PORT: String(PORTS.recording) }),
    roster: startService('roster', { ...common, ROSTER_PORT: String(PORTS.roster) }),
    sms: startService('sms', { ...common, SMS_PORT: String(PORTS.sms), SMS_SIM_SEND_MS: '0', SMS_SEND_CONCURRENCY: process.env.SMS_SEND_CONCURRENCY ?? '256' }),
    task: startService('task', { ...common, TASK_PORT: String(PORTS.task) }),
    dialer: startService('dialer', { ...common, DIALER_PORT: String(PORTS.dialer), SIM_TIME_SCALE: '0', RECORDING_URL: `http://127.0.0.1:${PORTS.recording}`, DIALER_ID: 'bench-dialer' }),
  };
  for (const [name, port] of Object.entries(PORTS)) await waitReady(port);
  const tenantId = randomUUID();

  const mp3 = readFileSync(join(root, 'services/recording/test/fixtures/mono-8k.mp3'));
  const recForm = new FormData();
  recForm.append('file', new Blob([mp3], { type: 'audio/mpeg' }), 'bench.mp3');
  const recording = await api('recording', tenantId, 'POST', '/v1/recordings', recForm);

  log(`  full: building a ${N}-row roster`);
  const xlsx = await rosterXlsx(N);
  const rosterForm = new FormData();
  rosterForm.append('name', 'Pipeline bench');
  rosterForm.append('file', new Blob([xlsx], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }), 'roster.xlsx');
  const tr = performance.now();
  const roster = await api('roster', tenantId, 'POST', '/v1/rosters?wait=true', rosterForm);
  if (roster.status !== 'ready') throw new Error(`roster ${roster.status}: ${roster.failureReason}`);
  log(`  full: roster ready (${roster.counts?.valid} valid) in ${((performance.now() - tr) / 1000).toFixed(1)} s`);

  await api('sms', tenantId, 'PUT', '/v1/sms-account', { provider: 'simulated', senderId: 'AUTOCALL', status: 'active' });
  const disconnect = await api('sms', tenantId, 'POST', '/v1/sms-templates', { name: 'Thanks', content: 'Hi {{name}}, thanks for listening.' });
  const unanswered = await api('sms', tenantId, 'POST', '/v1/sms-templates', { name: 'Missed', content: 'Hi {{name}}, we tried to call you.' });

  const pids = Object.values(procs).map((p) => p.pid);
  const cpu0 = await cpuSeconds(pids);
  const cpuEach0 = Object.fromEntries(await Promise.all(Object.entries(procs).map(async ([n, p]) => [n, await cpuSeconds([p.pid])])));
  // when the dialer reported the task drained (every number final on its side): what follows is downstream lag
  const conn = await amqp.connect(amqpUrl);
  const watch = await conn.createChannel();
  await watch.assertExchange(EXCHANGE, 'topic', { durable: true });
  const { queue: watchQueue } = await watch.assertQueue('', { exclusive: true, autoDelete: true });
  await watch.bindQueue(watchQueue, EXCHANGE, 'dialer.task.drained');
  let drainedAt = 0;
  await watch.consume(watchQueue, () => (drainedAt ||= performance.now()), { noAck: true });
  const load0 = loadAverage();
  const t0 = performance.now();
  const task = await api('task', tenantId, 'POST', '/v1/tasks', {
    name: 'Pipeline bench', recordingId: recording.id, rosterId: roster.id, start: { mode: 'immediate' },
    sms: { onDisconnect: { enabled: true, templateId: disconnect.id, when: 'anyAnswered' }, onUnanswered: { enabled: true, templateId: unanswered.id } },
    dialing: { maxConcurrentCalls: 10000, callsPerSecond: 10000, ringTimeoutSeconds: 30, maxAttempts: 1, retryDelayMinutes: 0, callerId: null, callingWindow: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] } },
  });
  const deadline = Date.now() + Math.max(300_000, N * 10);
  let t = task;
  let lastReport = 0;
  while (t.status !== 'completed' && Date.now() < deadline) {
    await sleep(200);
    t = await api('task', tenantId, 'GET', `/v1/tasks/${task.id}`);
    if (Date.now() - lastReport > 5000) {
      lastReport = Date.now();
      log(`  full: ${t.status}, ${t.progress.total - t.progress.pending}/${t.progress.total} final, smsSent ${t.progress.smsSent}`);
    }
  }
  const secs = (performance.now() - t0) / 1000;
  const cpu = (await cpuSeconds(pids)) - cpu0;
  const cpuEach = Object.fromEntries(await Promise.all(Object.entries(procs).map(async ([n, p]) => [n, Number(((await cpuSeconds([p.pid])) - cpuEach0[n]).toFixed(1))])));
  const load1 = loadAverage();
  await conn.close().catch(() => undefined);
  if (t.status !== 'completed') throw new Error(`task not completed in time: ${JSON.stringify(t.progress)}`);
  // SMS keep flowing after completion (they are not part of it); wait for them to count them
  const smsDeadline = Date.now() + 120_000;
  const expectedSms = t.progress.answered + t.progress.noAnswer + t.progress.busy + t.progress.unavailable;
  while (t.progress.smsSent + t.progress.smsFailed < expectedSms && Date.now() < smsDeadline) {
    await sleep(500);
    t = await api('task', tenantId, 'GET', `/v1/tasks/${task.id}`);
  }
  const smsSecs = (performance.now() - t0) / 1000;
  await stopAll();
  return { perSecond: N / secs, secs, progress: t.progress, smsSecs, cpuSecs: cpu, cpuEach, drainedSecs: drainedAt ? (drainedAt - t0) / 1000 : null, load: `${load0} → ${load1}` };
}

// ---------- run ----------
log(`pipeline bench: ${N} numbers; parts: ${[...only].join(', ')}; ${cpus().length} CPUs, load average ${loadAverage()}`);
const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, encoding: 'utf8' });
if (build.status !== 0) log(`build reported errors (continuing with what was built): ${build.stderr.slice(0, 500)}`);
const amqpUrl = freshVhost('autocall_bench_pipeline');
const results = {};
try {
  if (only.has('raw')) {
    const db = await freshDatabase('autocall_bench_raw');
    results.raw = await rawFloor(amqpUrl, db);
    log(`raw floor: ${results.raw.perSecond.toFixed(0)} msg/s (${results.raw.secs.toFixed(1)} s; load average ${loadAverage()})`);
  }
  // dialer and policy alternate run by run (so a change of load on the machine hits both), then each reports its median
  const runsOf = { dialer: [], policy: [] };
  for (let run = 1; run <= RUNS; run++) {
    for (const part of ['dialer', 'policy'].filter((p) => only.has(p))) {
      const db = await freshDatabase(`autocall_bench_${part}`);
      const r = await dialerAlone(amqpUrl, db, { policy: part === 'policy' });
      runsOf[part].push(r);
      log(`${part} run ${run}/${RUNS}: ${r.perSecond.toFixed(0)} calls/s (${r.secs.toFixed(1)} s to drained; dialer CPU ${r.dialerCpuSecs.toFixed(1)} s; load average ${r.load})`);
    }
  }
  const median = (rs) => [...rs].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(rs.length / 2)];
  if (runsOf.policy.length > 0) {
    results.policy = median(runsOf.policy);
    results.policy.runs = runsOf.policy.map((r) => Math.round(r.perSecond));
  }
  if (only.has('dialer')) {
    results.dialer = median(runsOf.dialer);
    results.dialer.runs = runsOf.dialer.map((r) => Math.round(r.perSecond));
    log(`dialer alone (median of ${RUNS}): ${results.dialer.perSecond.toFixed(0)} calls/s (${results.dialer.secs.toFixed(1)} s to drained; dialer CPU ${results.dialer.dialerCpuSecs.toFixed(1)} s; load average ${loadAverage()})`);
  }
  if (only.has('full')) {
    const db = await freshDatabase('autocall_bench_full');
    results.full = await fullPipeline(freshVhost('autocall_bench_full'), db);
    if (results.full.skipped) log(`full pipeline skipped: ${results.full.skipped}`);
    else {
      const f = results.full;
      log(`full pipeline: ${f.perSecond.toFixed(0)} calls/s (${f.secs.toFixed(1)} s start → completed; dialer drained after ${f.drainedSecs?.toFixed(1) ?? '?'} s; all SMS after ${f.smsSecs.toFixed(1)} s; load average ${f.load})`, f.progress);
      log(`  full: CPU ${f.cpuSecs.toFixed(1)} s in all`, f.cpuEach);
    }
  }
} catch (err) {
  log(`failed: ${err.stack ?? err}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
if (results.dialer && results.policy) log(`policy vs dialer alone: ${((results.policy.perSecond / results.dialer.perSecond - 1) * 100).toFixed(1)} % (goal: within 15 %); runs ${results.dialer.runs.join(', ')} vs ${results.policy.runs.join(', ')} calls/s`);
console.log(`\nresults (load average at the end: ${loadAverage()})`);
console.table(
  Object.fromEntries(
    Object.entries(results)
      .filter(([, r]) => !r.skipped)
      .map(([k, r]) => [k, { 'per second': Math.round(r.perSecond), seconds: Number(r.secs.toFixed(1)), 'ratio to raw': results.raw ? Number((r.perSecond / results.raw.perSecond).toFixed(2)) : null }]),
  ),
);
