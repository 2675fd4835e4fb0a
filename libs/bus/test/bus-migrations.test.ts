import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { defineEvent } from '@autocall/contracts';
import { createDataSource, ensureDatabase, type DataSource } from '@autocall/db';
import { eventually, isolationName, sql, testDatabaseUrl, testLogger } from '@autocall/testing';
import { BUS_SCHEMA, busMigrations, on, PgBus, PgDeadLetters } from '../src';

/** Issue 12: the in-process bus's tables come from migrations; a schema made by the old start-up DDL is adopted. */
const Ping = defineEvent('busmigrationtest.ping', 1, Type.Object({ n: Type.Integer() }));
const queue = 'busmigrationtest.q';

/**
 * The DDL PgBus.create ran at every start before the bus had migrations (libs/bus/src/pg-bus.ts
 * until issue 12), verbatim: the fixture for "a `bus` schema made by today's start-up code".
 */
async function oldStartUpDdl(db: DataSource) {
  await db.query(`CREATE SCHEMA IF NOT EXISTS bus`);
  await db.query(`CREATE TABLE IF NOT EXISTS bus.bindings (queue text NOT NULL, routing_key text NOT NULL, PRIMARY KEY (routing_key, queue))`);
  await db.query(`CREATE TABLE IF NOT EXISTS bus.messages (
        seq bigserial PRIMARY KEY, queue text NOT NULL, body jsonb NOT NULL, headers jsonb NOT NULL DEFAULT '{}',
        retries int NOT NULL DEFAULT 0, deliveries int NOT NULL DEFAULT 0,
        available_at timestamptz NOT NULL DEFAULT now())`);
  await db.query(`ALTER TABLE bus.messages ADD COLUMN IF NOT EXISTS claimed boolean NOT NULL DEFAULT false`);
  await db.query(`CREATE INDEX IF NOT EXISTS messages_ready ON bus.messages (queue, available_at, seq)`);
  await db.query(`CREATE TABLE IF NOT EXISTS bus.dead_letters (seq bigint PRIMARY KEY, queue text NOT NULL, body jsonb, raw text, reason text, dead_at timestamptz NOT NULL DEFAULT now())`);
  await db.query(`ALTER TABLE bus.dead_letters ADD COLUMN IF NOT EXISTS headers jsonb NOT NULL DEFAULT '{}'`);
}

const sources: DataSource[] = [];
const buses: PgBus[] = [];
const created: string[] = [];

/** A database of its own: the bus's schema name is fixed, and these tests make and drop it. */
async function freshDatabase(what: string): Promise<string> {
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${isolationName()}_${what}_${randomUUID().slice(0, 8)}`;
  await ensureDatabase(url.toString());
  created.push(url.pathname.slice(1));
  return url.toString();
}

async function open(url: string, schema = 'busmigrationtest'): Promise<DataSource> {
  const ds = createDataSource({ url, schema, migrations: schema === BUS_SCHEMA ? busMigrations : [], poolSize: 3 });
  await ds.initialize();
  sources.push(ds);
  return ds;
}

afterAll(async () => {
  for (const b of buses) await b.close();
  for (const ds of sources) await ds.destroy().catch(() => undefined);
  const admin = new URL(testDatabaseUrl());
  admin.pathname = '/postgres';
  for (const name of created) await sql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`, [], admin.toString());
});

describe('the in-process bus schema', () => {
  it('when a bus schema made by the old start-up DDL holds pending messages and dead letters, then the first migration adopts it and they are delivered', async () => {
    const url = await freshDatabase('adopt');
    const old = await open(url);
    await oldStartUpDdl(old);
    await old.query(`INSERT INTO bus.bindings (queue, routing_key) VALUES ($1, $2)`, [queue, Ping.name]);
    const envelope = (n: number) => ({ id: randomUUID(), name: Ping.name, version: 1, occurredAt: new Date().toISOString(), payload: { n } });
    for (let n = 1; n <= 3; n++) await old.query(`INSERT INTO bus.messages (queue, body, headers) VALUES ($1, $2, $3)`, [queue, JSON.stringify(envelope(n)), JSON.stringify({ 'x-request-id': `req-${n}` })]);
    // one claimed by a process that died before acknowledging it
    await old.query(`UPDATE bus.messages SET claimed = true, deliveries = 1, available_at = now() + interval '1 hour' WHERE body->'payload'->>'n' = '3'`);
    await old.query(`INSERT INTO bus.dead_letters (seq, queue, body, reason) VALUES (1000, $1, $2, 'old poison')`, [queue, JSON.stringify(envelope(99))]);
    expect(await sql(`SELECT to_regclass('bus.migrations') AS t`, [], url)).toEqual([{ t: null }]);

    const db = await open(url, BUS_SCHEMA);
    const bus = await PgBus.create({ db, logger: testLogger(), soleConsumer: true, visibilityMs: 500 });
    buses.push(bus);
    const got: { n: number; requestId?: string }[] = [];
    await bus.subscribe(queue, [on(Ping, async (p, ctx) => void got.push({ n: p.n, requestId: ctx.requestId }))]);
    await eventually(() => got.length === 3, 10_000);
    expect(got.sort((a, b) => a.n - b.n)).toEqual([1, 2, 3].map((n) => ({ n, requestId: `req-${n}` })));
    expect(await sql(`SELECT name FROM bus.migrations`, [], url)).toEqual([{ name: busMigrations[0].name }]);
    expect(await new PgDeadLetters(db).list()).toEqual([{ queue, messages: 1 }]);
    // and the bus works as before: published now, delivered
    await bus.publish(Ping, { n: 4 });
    await eventually(() => got.some((g) => g.n === 4), 10_000);
  });

  it('when several processes start at once on a database without the schema, then every one migrates and starts, and the migration runs once', async () => {
    const url = await freshDatabase('race');
    const dbs = await Promise.all([open(url), open(url, BUS_SCHEMA), open(url), open(url, BUS_SCHEMA)]);
    const results = await Promise.allSettled(dbs.map((db) => PgBus.create({ db, logger: testLogger() })));
    for (const r of results) if (r.status === 'fulfilled') buses.push(r.value);
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(await sql(`SELECT name FROM bus.migrations`, [], url)).toEqual([{ name: busMigrations[0].name }]);
    const got: number[] = [];
    await buses.at(-1)!.subscribe(queue, [on(Ping, async (p) => void got.push(p.n))]);
    await buses.at(-2)!.publish(Ping, { n: 7 });
    await eventually(() => got.includes(7), 10_000);
  });
});
