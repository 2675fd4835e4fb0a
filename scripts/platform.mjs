// Single-process mode: the gateway and the six services in ONE process over one in-process bus
// (PgBus: queues in the database's `bus` schema). The same descriptors (src/service.ts) that each
// service's main.ts runs alone are run here side by side: the composition root picks the bus and
// the database, the services do not know. A crash loses nothing committed (outbox → durable
// PgBus queues → inbox). Run by scripts/start.mjs, or alone: `node scripts/platform.mjs` with the
// same environment as the separate processes (DATABASE_URL, INTERNAL_TOKEN, ADMIN_TOKEN, …).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const dist = (path) => require(join(root, path));

/** In start order: the dialer needs the recording service's URL, the gateway everyone's. */
const SERVICES = [
  ['task', 'services/task/dist/service.js', 'taskService'],
  ['roster', 'services/roster/dist/service.js', 'rosterService'],
  ['recording', 'services/recording/dist/service.js', 'recordingService'],
  ['sms', 'services/sms/dist/service.js', 'smsService'],
  ['dialer', 'services/dialer/dist/service.js', 'dialerService'],
  ['events', 'services/events/dist/service.js', 'eventsService'],
];
const GATEWAY = ['gateway', 'gateway/dist/service.js', 'gatewayService'];

/** A port nobody listens on now (services in one process do not need the fixed 3001–3006). */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts every service and the gateway in this process. `env` is read like each process reads
 * process.env; a service port not set in it (`TASK_PORT`…) is a free one on 127.0.0.1.
 * Returns the gateway's port and `stop()`: apps closed (gateway first), then the bus, then each
 * service's outbox relay and pool, then the bus's pool.
 */
export async function startPlatform({ env = process.env } = {}) {
  for (const [, path] of [...SERVICES, GATEWAY]) {
    if (!existsSync(join(root, path))) throw new Error(`${path} is missing: run "pnpm build" first (pnpm start does it).`);
  }
  const { loadConfig } = dist('libs/config/dist/index.js');
  const { createLogger } = dist('libs/logger/dist/index.js');
  const { createDeps, closeDeps, openInProcessBus, sharedBus } = dist('libs/service/dist/index.js');

  env = { ...env };
  // The services listen on loopback only; their ports are free ones unless given.
  for (const [name] of SERVICES) {
    const key = `${name.toUpperCase()}_PORT`;
    if (!env[key]) env[key] = String(await freePort());
    env[`${name.toUpperCase()}_URL`] = `http://127.0.0.1:${env[key]}`;
  }

  // Every configuration first: a bad variable fails before anything opens.
  const units = [...SERVICES, GATEWAY].map(([name, path, exported]) => {
    const descriptor = dist(path)[exported];
    return { name, descriptor, config: loadConfig(descriptor.configSchema, env) };
  });
  const platformLogger = createLogger('platform', units[0].config.LOG_LEVEL);
  const inProcess = await openInProcessBus({ url: units[0].config.DATABASE_URL, logger: platformLogger });
  const bus = sharedBus(inProcess.bus);

  const opened = []; // deps of each service, as they open
  const running = []; // { name, app }, in start order
  const stop = async () => {
    // no new requests: the gateway first, then the services (their onClose hooks stop workers)
    for (const r of [...running].reverse()) await r.app.close().catch((err) => platformLogger.error({ err, service: r.name }, 'close failed'));
    // no more deliveries: an unacknowledged message stays queued and comes again at the next start
    await inProcess.bus.close();
    for (const deps of opened) await closeDeps(deps).catch((err) => platformLogger.error({ err }, 'close failed'));
    await inProcess.close().catch(() => undefined);
  };

  try {
    // Databases and migrations of every service at once (each migrates under its own lock).
    const settled = await Promise.allSettled(
      units.map(async (u) => {
        const logger = createLogger(u.descriptor.name, u.config.LOG_LEVEL);
        const deps = await createDeps({ name: u.descriptor.name, schema: u.descriptor.schema, migrations: u.descriptor.migrations, config: u.config, logger, bus });
        opened.push(deps);
        return { ...u, deps };
      }),
    );
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const withDeps = settled.map((r) => r.value);
    for (const u of withDeps) {
      const app = await u.descriptor.buildApp(u.deps);
      running.push({ name: u.name, app });
      await app.listen({ port: u.descriptor.port(u.config), host: u.name === 'gateway' ? u.config.HOST : '127.0.0.1' });
    }
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  const gatewayPort = units.at(-1).descriptor.port(units.at(-1).config);
  platformLogger.info({ pid: process.pid, services: units.map((u) => u.name) }, 'gateway and services running in one process over the in-process bus');
  return { gatewayPort, stop };
}

// `node scripts/platform.mjs`: run until SIGINT/SIGTERM.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let platform;
  let stopping = false;
  const shutdown = async (signal) => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`autocall: ${signal}: stopping`);
    setTimeout(() => process.exit(1), 15_000).unref();
    await platform?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  try {
    platform = await startPlatform();
  } catch (err) {
    console.error(`autocall: failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
