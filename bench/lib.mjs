// What the benches share: a database and a RabbitMQ vhost of their own, free ports, the platform's
// processes (from dist) started, awaited and stopped, and the CPU figures of those processes.
// BENCH_CPU_PROF=dir (or BENCH_PROFILE_DIR) starts every process with `--cpu-prof --cpu-prof-dir=dir`.
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { Client } = createRequire(join(root, 'libs/db/package.json'))('pg');

export const PG_BASE = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const AMQP_BASE = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const log = (...a) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
/** 1, 5 and 15 minute load averages: other work on the machine skews every figure. */
export const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

// ---------- isolation ----------
/** A vhost of its own (rabbitmqctl), deleted and made again; its AMQP URL. */
export function freshVhost(name, base = AMQP_BASE) {
  const url = new URL(base);
  try {
    try {
      execFileSync('rabbitmqctl', ['-q', 'delete_vhost', name], { stdio: 'ignore' });
    } catch {
      // absent
    }
    execFileSync('rabbitmqctl', ['-q', 'add_vhost', name], { stdio: 'ignore' });
    execFileSync('rabbitmqctl', ['-q', 'set_permissions', '-p', name, decodeURIComponent(url.username || 'guest'), '.*', '.*', '.*'], { stdio: 'ignore' });
    url.pathname = `/${name}`;
  } catch {
    log('rabbitmqctl not available: using the default vhost (other runs on this broker may interfere)');
  }
  return url.toString();
}

/** A database of its own, dropped and made again; its URL. */
export async function freshDatabase(name, base = PG_BASE) {
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

export const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

// ---------- processes ----------
const children = [];
let stopping = false;
const profileDir = process.env.BENCH_CPU_PROF ?? process.env.BENCH_PROFILE_DIR;
const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];

/**
 * Starts `node ...args` (CPU-profiled under BENCH_CPU_PROF). `env` is the whole environment the
 * process gets. `output`: 'inherit' (its stdout and stderr are the bench's) or 'stderr' (stdout
 * dropped, stderr shown prefixed with the name, deprecation noise left out). `fatal`: the bench
 * ends should the process exit before stopAll().
 */
export function startNode(name, args, { env, output = 'stderr', fatal = false } = {}) {
  const p = spawn(process.execPath, [...profile, ...args], { cwd: root, env, stdio: output === 'inherit' ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'ignore', 'pipe'] });
  if (output !== 'inherit') {
    p.stderr.on('data', (d) => {
      const s = String(d);
      if (!s.includes('FSTDEP') && !s.includes('trace-warnings')) process.stderr.write(`[${name}] ${s}`);
    });
  }
  if (fatal) {
    p.on('exit', (code, signal) => {
      if (!stopping && children.includes(p)) {
        console.error(`${name} exited (${code ?? signal}) before the bench ended`);
        process.exit(1);
      }
    });
  }
  children.push(p);
  return p;
}

/** A platform process from dist: `gateway` or a service's name. */
export function startService(name, opts) {
  return startNode(name, [join(root, name === 'gateway' ? 'gateway/dist/main.js' : `services/${name}/dist/main.js`)], opts);
}

/** Waits until `url` answers 2xx. */
export async function waitUp(url, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`not up within ${timeoutMs} ms: ${url}`);
}

/** Waits until the process at this base URL (or port on 127.0.0.1) is ready (`/ready`). */
export const waitReady = (base, timeoutMs) => waitUp(`${typeof base === 'number' ? `http://127.0.0.1:${base}` : base}/ready`, timeoutMs);

/** Stops every process started (SIGTERM, SIGKILL after 15 s), one after the other. */
export async function stopAll() {
  stopping = true;
  for (const p of children.splice(0)) {
    if (p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000)]);
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
  }
  stopping = false;
}
process.on('SIGINT', () => {
  for (const p of children) p.kill('SIGKILL');
  process.exit(130);
});

// ---------- figures ----------
/** CPU time (user + system, µs) process `pid` has used, from /proc (Linux); undefined elsewhere or once it is gone. */
export function cpuMicros(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / 100) * 1e6; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}
