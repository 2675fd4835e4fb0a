import { Client } from 'pg';
import { DataSource, type EntityManager, type MigrationInterface } from 'typeorm';
import type { Logger } from '@autocall/logger';
import { ensureInboxIndex } from './outbox-inbox';

export interface DbOptions {
  url: string;
  /** The service's own schema: its tables, its migrations table, its search_path. */
  schema: string;
  migrations: (new () => MigrationInterface)[];
  poolSize?: number;
}

/** A TypeORM data source bound to one service schema (search_path), migrations not synchronize. */
export function createDataSource(opts: DbOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: opts.url,
    schema: opts.schema,
    synchronize: false,
    migrationsRun: false,
    migrations: opts.migrations,
    migrationsTableName: 'migrations',
    entities: [],
    logging: false,
    extra: { max: opts.poolSize ?? 10, options: `-c search_path=${opts.schema},public`, application_name: `autocall-${opts.schema}` },
  });
}

/** Creates the database named in the URL if it does not exist (two processes racing is fine). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) return;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04' && err.code !== '23505') throw err; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
}

/**
 * Creates the schema and runs pending migrations under a PostgreSQL advisory lock, so replicas
 * starting together do not race. The lock is waited for by trying again, never in a blocking
 * `pg_advisory_lock`: a session blocked there holds a snapshot, which the holder's
 * `CREATE INDEX CONCURRENTLY` (ensureInboxIndex) waits for — a deadlock PostgreSQL would break by
 * failing one of the replicas' start-ups.
 */
export async function migrate(ds: DataSource, schema: string, logger?: Logger): Promise<void> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [`autocall:migrate:${schema}`])) as { locked: boolean }[];
      if (locked) break;
      await new Promise((r) => setTimeout(r, wait));
    }
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const ran = await ds.runMigrations({ transaction: 'each' });
    if (ran.length > 0) logger?.info({ schema, migrations: ran.map((m) => m.name) }, 'migrations applied');
    await ensureInboxIndex(runner, schema);
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`autocall:migrate:${schema}`]).catch(() => undefined);
    await runner.release();
  }
}

/** Connects, creates the database if needed and migrates: what every service does at start-up. */
export async function openDatabase(opts: DbOptions, logger?: Logger): Promise<DataSource> {
  await ensureDatabase(opts.url);
  const ds = createDataSource(opts);
  await ds.initialize();
  await migrate(ds, opts.schema, logger);
  return ds;
}

export async function isDatabaseReady(ds: DataSource): Promise<boolean> {
  if (!ds.isInitialized) return false;
  await ds.query('SELECT 1');
  return true;
}

export function inTransaction<T>(ds: DataSource, fn: (m: EntityManager) => Promise<T>): Promise<T> {
  return ds.transaction(fn);
}
