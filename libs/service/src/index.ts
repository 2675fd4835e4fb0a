import type { DataSource, MigrationInterface } from 'typeorm';
import { BUS_SCHEMA, busMigrations, OutboxRelay, PgBus, RabbitBus, type Bus } from '@autocall/bus';
import { loadConfig, type Static, type TObject } from '@autocall/config';
import { createDataSource, ensureDatabase, openDatabase, isDatabaseReady } from '@autocall/db';
import { listenAndServe, type App } from '@autocall/http';
import { createLogger, type Logger } from '@autocall/logger';

/** What every service's buildApp receives: passed in, never looked up. */
export interface ServiceDeps<C = Record<string, unknown>> {
  config: C;
  logger: Logger;
  db: DataSource;
  bus: Bus;
  relay: OutboxRelay;
}

export interface DepsOptions<C> {
  name: string;
  schema: string;
  migrations: (new () => MigrationInterface)[];
  config: C & { DATABASE_URL: string; AMQP_URL: string; INBOX_RETENTION_HOURS?: number };
  logger: Logger;
  /** How long to wait for the broker before serving anyway (/ready says 503 until it connects). */
  busWaitMs?: number;
  poolSize?: number;
  /** A bus built by the composition root (e.g. the in-process one); RabbitMQ otherwise. */
  bus?: Bus;
}

/** Opens the database (creating and migrating it), the bus and the outbox relay. */
export async function createDeps<C>(opts: DepsOptions<C>): Promise<ServiceDeps<C>> {
  const db = await openDatabase({ url: opts.config.DATABASE_URL, schema: opts.schema, migrations: opts.migrations, poolSize: opts.poolSize }, opts.logger);
  const bus = opts.bus ?? (await RabbitBus.connect({ url: opts.config.AMQP_URL, service: opts.name, logger: opts.logger }, opts.busWaitMs ?? 10_000));
  const relay = new OutboxRelay(db, bus, opts.logger.child({ component: 'outbox' }), { inboxRetentionHours: opts.config.INBOX_RETENTION_HOURS });
  relay.start();
  return { config: opts.config, logger: opts.logger, db, bus, relay };
}

export async function closeDeps(deps: ServiceDeps<unknown>): Promise<void> {
  await deps.relay.stop();
  await deps.bus.close();
  if (deps.db.isInitialized) await deps.db.destroy();
}

/** The readiness checks every service answers on /ready. */
export function readiness(deps: ServiceDeps<unknown>) {
  return { database: () => isDatabaseReady(deps.db), broker: () => deps.bus.isConnected() };
}

export interface RunOptions<S extends TObject> {
  name: string;
  schema: string;
  migrations: (new () => MigrationInterface)[];
  configSchema: S;
  port: (config: Static<S>) => number;
  buildApp: (deps: ServiceDeps<Static<S>>) => Promise<App>;
}

/** main.ts of every service: config → logger → deps → app → listen; graceful stop on signals. */
export async function runService<S extends TObject>(opts: RunOptions<S>): Promise<void> {
  let logger: Logger = createLogger(opts.name);
  try {
    const config = loadConfig(opts.configSchema) as Static<S> & { DATABASE_URL: string; AMQP_URL: string; LOG_LEVEL: string; HOST: string };
    logger = createLogger(opts.name, config.LOG_LEVEL);
    const deps = await createDeps({ name: opts.name, schema: opts.schema, migrations: opts.migrations, config, logger });
    const app = await opts.buildApp(deps);
    // deps close after the app (fastify refuses new hooks once the app is ready)
    await listenAndServe(app, opts.port(config), config.HOST, logger, () => closeDeps(deps));
  } catch (err) {
    logger.fatal({ err: err instanceof Error ? err.message : err }, 'failed to start');
    process.exit(1);
  }
}

/**
 * A view of a bus that several services of one process share: everything goes to `bus` except
 * `close()`, which does nothing (closeDeps of one service must not close it under the others);
 * the composition root that built the bus closes it once, after every service stopped.
 */
export function sharedBus<B extends Bus>(bus: B): B {
  return new Proxy(bus, {
    get(target, prop) {
      if (prop === 'close') return async () => undefined;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export interface InProcessBus {
  bus: PgBus;
  /** Stops the bus, then closes its own connection pool. */
  close(): Promise<void>;
}

/**
 * The in-process bus of single-process mode: a PgBus on its own small pool on the platform's
 * database (schema `bus`, made by its migrations when PgBus.create runs them), created with the
 * database if need be. Its queues are durable there.
 */
export async function openInProcessBus(opts: { url: string; logger: Logger; poolSize?: number; pollMs?: number }): Promise<InProcessBus> {
  await ensureDatabase(opts.url);
  const db = createDataSource({ url: opts.url, schema: BUS_SCHEMA, migrations: busMigrations, poolSize: opts.poolSize ?? 10 });
  await db.initialize();
  try {
    const bus = await PgBus.create({ db, logger: opts.logger, pollMs: opts.pollMs, soleConsumer: true });
    return {
      bus,
      close: async () => {
        await bus.close();
        if (db.isInitialized) await db.destroy();
      },
    };
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw err;
  }
}
