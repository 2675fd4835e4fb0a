import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as amqp from 'amqplib';
import { Type } from '@sinclair/typebox';
import { defineEvent } from '@autocall/contracts';
import { createDataSource, createOutboxAndInbox, ensureDatabase, migrate, type DataSource } from '@autocall/db';
import { eventually, testAmqpUrl, testDatabaseUrl, testLogger } from '@autocall/testing';
import { DeadLetterError, maskPhones, on, OutboxRelay, PgBus, RabbitBus, type Bus } from '../src';

/** Issue 11: `pnpm dlq` (list, show with phones masked, replay) on both transports; item 10, the inbox pruned on a schedule. */
const root = join(__dirname, '..', '..', '..');
const run = randomUUID();
const Called = defineEvent('redrivetest.called', 1, Type.Object({ phone: Type.String(), run: Type.String() }));
const run$ = promisify(execFile);

class RedriveInit1764000000002 {
  name = 'RedriveInit1764000000002';
  async up(qr: Parameters<typeof createOutboxAndInbox>[0]) {
    await createOutboxAndInbox(qr);
  }
  async down() {}
}

let db: DataSource;
const buses: Bus[] = [];
const queues: string[] = [];

beforeAll(async () => {
  await run$(process.execPath, ['scripts/build.mjs'], { cwd: root });
  const url = testDatabaseUrl();
  await ensureDatabase(url);
  db = createDataSource({ url, schema: 'redrivetest', migrations: [RedriveInit1764000000002] });
  await db.initialize();
  await migrate(db, 'redrivetest');
}, 60_000);

afterAll(async () => {
  for (const b of buses) await b.close();
  const conn = await amqp.connect(testAmqpUrl());
  const ch = await conn.createChannel();
  for (const q of queues) for (const suffix of ['', '.retry', '.dlq']) await ch.deleteQueue(`${q}${suffix}`).catch(() => undefined);
  await conn.close();
  await db.destroy();
});

async function dlq(args: string[]): Promise<string> {
  const { stdout } = await run$(process.execPath, ['scripts/dlq.mjs', ...args], { cwd: root, env: { PATH: process.env.PATH, AMQP_URL: testAmqpUrl(), DATABASE_URL: testDatabaseUrl() } });
  return stdout;
}

const transports = [
  { name: 'RabbitMQ', flags: [] as string[], connect: async (): Promise<Bus> => RabbitBus.connect({ url: testAmqpUrl(), service: `redrive-${run}`, logger: testLogger() }, 10_000) },
  { name: 'in-process', flags: ['--transport', 'in-process'], connect: async (): Promise<Bus> => PgBus.create({ db, logger: testLogger(), visibilityMs: 500 }) },
];

describe.each(transports)('pnpm dlq on $name', (t) => {
  it('when a message was dead-lettered, then it is listed, shown with the phone masked, replayed by id and then handled', async () => {
    const q = `redrivetest.${t.name}.${run}`;
    queues.push(q);
    const bus = await t.connect();
    buses.push(bus);
    let broken = true;
    const handled: string[] = [];
    await bus.subscribe(q, [
      on(Called, async (p, ctx) => {
        if (p.run !== run) return;
        // as a database error can: the reason quotes the phone, next to a timestamp and a UUID that must print intact
        if (broken) throw new DeadLetterError(`the handler was broken: Key (phone)=(+62 812-3456-7891) at ${stamp} in ${other}`);
        handled.push(ctx.id);
      }),
    ]);
    const id = randomUUID();
    const stamp = '2026-12-03T18:20:28.123Z';
    const other = '01932a4b-2026-7c03-8d20-123456789012';
    await bus.publish(Called, { phone: '+6281234567890', run }, { id, requestId: 'req-dlq' });
    await eventually(async () => JSON.parse(await dlq([...t.flags, 'list', '--json', '--queue', q])).find((c: { queue: string }) => c.queue === q)?.messages === 1, 10_000, 100);
    expect(await dlq([...t.flags, 'list', '--queue', q])).toMatch(new RegExp(`${q.replace(/\./g, '\\.')}\\s+1`));

    const shown = await dlq([...t.flags, 'show', q]);
    expect(shown).toContain(id);
    expect(shown).toContain(`reason:  the handler was broken: Key (phone)=(+628***891) at ${stamp} in ${other}`);
    expect(shown).toContain('+628***890');
    expect(shown).not.toMatch(/6281234567890|3456-7891/);
    const [letter] = JSON.parse(await dlq([...t.flags, 'show', q, '--json']));
    expect(letter).toMatchObject({ messageId: id, event: 'redrivetest.called', headers: { 'x-request-id': 'req-dlq' }, body: { id, payload: { phone: '+628***890' } } });
    expect(letter.body.occurredAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);

    broken = false;
    expect(handled).toEqual([]);
    expect(await dlq([...t.flags, 'replay', q, randomUUID()]).catch((e: { stdout: string }) => e.stdout)).toContain('replayed 0 messages');
    expect(await dlq([...t.flags, 'replay', q, id])).toContain(`replayed 1 message to ${q}`);
    await eventually(() => handled.length === 1, 10_000);
    expect(handled).toEqual([id]);
    expect(JSON.parse(await dlq([...t.flags, 'list', '--json', '--queue', q])).find((c: { queue: string }) => c.queue === q)?.messages ?? 0).toBe(0);
  }, 30_000);
});

describe('maskPhones', () => {
  it('when a value holds phones as text or as a JSON number, then they are masked and timestamps, UUIDs and small numbers are left intact', () => {
    const uuid = '12345678-2026-7c03-8d20-123456789012';
    expect(maskPhones({ to: 6281234567890, n: [+6281234567891, 42, 1234567], at: '2026-12-03T18:20:28.123Z', id: uuid, text: `call 0812 3456 7890 (${uuid})` })).toEqual({
      to: '6281***890',
      n: ['6281***891', 42, 1234567],
      at: '2026-12-03T18:20:28.123Z',
      id: uuid,
      text: `call 0812***890 (${uuid})`,
    });
  });
});

describe('inbox pruning (item 10)', () => {
  it('when inbox rows are older than the retention, then the relay prunes them on its schedule and keeps the recent ones', async () => {
    const index = (await db.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'redrivetest' AND indexname = 'inbox_processed_at'`)) as unknown[];
    expect(index).toHaveLength(1);
    await db.query(`INSERT INTO inbox (consumer, message_id, processed_at) SELECT 'old', gen_random_uuid(), now() - interval '73 hours' FROM generate_series(1, 2500)`);
    await db.query(`INSERT INTO inbox (consumer, message_id, processed_at) SELECT 'kept', gen_random_uuid(), now() - interval '71 hours' FROM generate_series(1, 10)`);
    await db.query(`INSERT INTO inbox (consumer, message_id) SELECT 'new', gen_random_uuid() FROM generate_series(1, 10)`);
    const bus = await transports[0].connect();
    buses.push(bus);
    const relay = new OutboxRelay(db, bus, testLogger(), { intervalMs: 20, inboxRetentionHours: 72, inboxPruneEveryMs: 100 });
    relay.start();
    try {
      const count = async () => Object.fromEntries(((await db.query(`SELECT consumer, count(*)::int AS n FROM inbox GROUP BY consumer`)) as { consumer: string; n: number }[]).map((r) => [r.consumer, r.n]));
      await eventually(async () => (await count()).old === undefined, 10_000, 50);
      expect(await count()).toEqual({ kept: 10, new: 10 });
    } finally {
      await relay.stop();
    }
  });
});
