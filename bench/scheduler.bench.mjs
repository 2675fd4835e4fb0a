// Scheduler lateness: 1,000 tasks due within a few seconds, two task-service replicas (processes
// from dist/) racing over them. Reports p50/p99 lateness (started_at − start_at, both taken from
// PostgreSQL's clock) and checks that each task started exactly once (one task.started in the
// outbox). Goal: p99 ≤ 1 s. Usage: node bench/scheduler.bench.mjs [--tasks 1000] [--spread 3000]
//
// Tasks are seeded straight into the task schema (the create path, with its RPC reference checks,
// is covered by services/task/test): this measures the scheduler alone. It runs in a database and
// (when rabbitmqctl is at hand) a RabbitMQ vhost of its own, so it disturbs nobody's tests.
import { spawn, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'libs/testing/package.json'));
const { Client } = require('pg');

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const TASKS = arg('tasks', 1000);
const LEAD_MS = arg('lead', 3000); // first task due this long after seeding (replicas are already up)
const SPREAD_MS = arg('spread', 3000); // due times spread over this window
const BASE_DB = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/autocall';
const BASE_AMQP = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const dbUrl = new URL(BASE_DB);
dbUrl.pathname = '/autocall_bench_scheduler';
const DATABASE_URL = dbUrl.toString();

function benchVhost() {
  const url = new URL(BASE_AMQP);
  const vhost = 'autocall_bench_scheduler';
  try {
    execFileSync('rabbitmqctl', ['-q', 'delete_vhost', vhost], { stdio: 'ignore' });
  } catch {
    /* absent */
  }
  try {
    execFileSync('rabbitmqctl', ['-q', 'add_vhost', vhost], { stdio: 'ignore' });
    execFileSync('rabbitmqctl', ['-q', 'set_permissions', '-p', vhost, decodeURIComponent(url.username || 'guest'), '.*', '.*', '.*'], { stdio: 'ignore' });
    url.pathname = `/${vhost}`;
  } catch {
    console.warn('rabbitmqctl not available: using the shared broker vhost');
  }
  return url.toString();
}

async function query(url, text, params = []) {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function waitReady(port, proc) {
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`replica on ${port} exited with ${proc.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/ready`);
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error(`replica on ${port} not ready within 30 s`);
}

async function main() {
  console.log('building dist/ …');
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit', cwd: root });
  const admin = new URL(BASE_DB);
  admin.pathname = '/postgres';
  await query(admin.toString(), 'DROP DATABASE IF EXISTS autocall_bench_scheduler WITH (FORCE)');
  const AMQP_URL = benchVhost();

  const started = new Map();
  const replicas = [13101, 13102].map((port, i) => {
    const proc = spawn(process.execPath, [join(root, 'services/task/dist/main.js')], {
      cwd: root,
      env: { ...process.env, DATABASE_URL, AMQP_URL, TASK_PORT: String(port), INTERNAL_TOKEN: 'bench-internal-token-0123456789', LOG_LEVEL: 'info', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const name = `replica-${i + 1}`;
    started.set(name, 0);
    let buf = '';
    proc.stdout.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const j = JSON.parse(line);
          if (j.msg === 'scheduled tasks started') started.set(name, started.get(name) + j.started);
          if (j.level >= 50) console.error(name, line);
        } catch {
          /* not JSON */
        }
      }
    });
    proc.stderr.on('data', (d) => process.stderr.write(`${name}: ${d}`));
    return { port, proc, name };
  });
  try {
    // the first replica migrates; start the second once the schema exists
    await Promise.all(replicas.map((r) => waitReady(r.port, r.proc)));
    const tenant = randomUUID();
    const sms = JSON.stringify({ onDisconnect: { enabled: false, templateId: null, when: 'anyAnswered' }, onUnanswered: { enabled: false, templateId: null } });
    const dialing = JSON.stringify({ maxConcurrentCalls: 10, callsPerSecond: 5, ringTimeoutSeconds: 30, maxAttempts: 1, retryDelayMinutes: 30, callerId: null, callingWindow: { start: '08:00', end: '20:00', days: [1, 2, 3, 4, 5, 6, 7] } });
    await query(
      DATABASE_URL,
      `INSERT INTO task.tasks (id, tenant_id, name, status, recording_id, recording_duration_ms, roster_id, total, start_mode, start_at, timezone, sms, dialing)
       SELECT gen_random_uuid(), $1, 'Bench ' || g, 'scheduled', gen_random_uuid(), 1000, gen_random_uuid(), 1, 'scheduled',
              now() + ($2 + random() * $3) * interval '1 millisecond', 'Asia/Jakarta', $4::jsonb, $5::jsonb
         FROM generate_series(1, $6) g`,
      [tenant, LEAD_MS, SPREAD_MS, sms, dialing, TASKS],
    );
    console.log(`seeded ${TASKS} tasks due in ${LEAD_MS}–${LEAD_MS + SPREAD_MS} ms; two replicas racing`);
    const end = Date.now() + LEAD_MS + SPREAD_MS + 30_000;
    for (;;) {
      const [{ n }] = await query(DATABASE_URL, `SELECT count(*)::int AS n FROM task.tasks WHERE status = 'scheduled'`);
      if (n === 0) break;
      if (Date.now() > end) throw new Error(`${n} tasks never started`);
      await sleep(200);
    }
    await sleep(500); // let the last log lines arrive
    const rows = await query(DATABASE_URL, `SELECT extract(epoch FROM started_at - start_at) * 1000 AS ms FROM task.tasks`);
    const late = rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
    const [{ events, distinct }] = await query(DATABASE_URL, `SELECT count(*)::int AS events, count(DISTINCT payload->>'taskId')::int AS distinct FROM task.outbox WHERE name = 'task.started'`);
    const result = {
      tasks: TASKS,
      replicas: Object.fromEntries(started),
      startedEvents: events,
      distinctTasksStarted: distinct,
      latenessMs: { p50: +pct(late, 50).toFixed(1), p95: +pct(late, 95).toFixed(1), p99: +pct(late, 99).toFixed(1), max: +late[late.length - 1].toFixed(1), min: +late[0].toFixed(1) },
      goal: 'p99 ≤ 1000 ms, each task started once',
    };
    const ok = events === TASKS && distinct === TASKS && result.latenessMs.p99 <= 1000;
    console.log(JSON.stringify(result, null, 2));
    console.log(ok ? 'PASS' : 'FAIL');
    process.exitCode = ok ? 0 : 1;
  } finally {
    for (const r of replicas) r.proc.kill('SIGTERM');
    await Promise.all(replicas.map((r) => (r.proc.exitCode !== null ? undefined : new Promise((res) => r.proc.once('exit', res)))));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
