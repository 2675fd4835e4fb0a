import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as amqp from 'amqplib';
import { Type } from '@sinclair/typebox';
import { defineEvent, defineRpc } from '@autocall/contracts';
import { createDataSource, createOutboxAndInbox, migrate, ensureDatabase, type DataSource } from '@autocall/db';
import { eventually, TcpRelay, testAmqpUrl, testDatabaseUrl, testLogger } from '@autocall/testing';
import { BusUnavailableError, DeadLetterError, handleBatchOnce, handleOnce, on, OutboxRelay, PgBus, publishInTransaction, RabbitBus, RpcTimeoutError, type Bus } from '../src';

const Ping = defineEvent('bustest.ping', 1, Type.Object({ n: Type.Integer(), run: Type.String() }));
const Echo = defineRpc('bustest.echo', 1, Type.Object({ text: Type.String() }), Type.Object({ text: Type.String() }));
const Nobody = defineRpc('bustest.nobody', 1, Type.Object({}), Type.Object({}));

class BusTestInit1764000000001 {
  name = 'BusTestInit1764000000001';
  async up(qr: Parameters<typeof createOutboxAndInbox>[0]) {
    await createOutboxAndInbox(qr);
    await qr.query(`CREATE TABLE effects (run text NOT NULL, n int NOT NULL, at timestamptz NOT NULL DEFAULT now())`);
  }
  async down() {}
}

let db: DataSource;
const buses: Bus[] = [];
const run = randomUUID();
let AMQP_URL = '';
const queueName = (what: string) => `bustest.${what}.${run}`;

async function connectRabbit(url?: string, waitMs = 10_000): Promise<RabbitBus> {
  const bus = await RabbitBus.connect({ url: url ?? AMQP_URL, service: `bustest-${run}`, logger: testLogger() }, waitMs);
  buses.push(bus);
  return bus;
}

/** What the shared contract suite needs from a transport besides the Bus interface itself. */
interface Transport {
  name: string;
  connect(): Promise<Bus>;
  /** Puts a message that is not JSON and one that breaks the contract straight on a queue. */
  injectPoison(queue: string): Promise<void>;
  deadLetters(queue: string): Promise<number>;
}

const rabbitTransport: Transport = {
  name: 'RabbitMQ',
  connect: () => connectRabbit(),
  async injectPoison(queue) {
    const raw = await amqp.connect(AMQP_URL);
    const ch = await raw.createConfirmChannel();
    ch.sendToQueue(queue, Buffer.from(JSON.stringify({ id: randomUUID(), name: 'bustest.ping', version: 1, payload: { n: 'not a number', run } })));
    ch.sendToQueue(queue, Buffer.from('not json'));
    await ch.waitForConfirms();
    await raw.close();
  },
  async deadLetters(queue) {
    const raw = await amqp.connect(AMQP_URL);
    const ch = await raw.createChannel();
    const { messageCount } = await ch.checkQueue(`${queue}.dlq`);
    await raw.close();
    return messageCount;
  },
};

const pgBuses: PgBus[] = [];
const inProcessTransport: Transport = {
  name: 'in-process (PostgreSQL-backed)',
  async connect() {
    // the default safety poll (1 s): deliveries come from NOTIFY and retry timers, not from polling
    const bus = await PgBus.create({ db, logger: testLogger(), visibilityMs: 500 });
    buses.push(bus);
    pgBuses.push(bus);
    return bus;
  },
  async injectPoison(queue) {
    await pgBuses[0].injectRaw(queue, { id: randomUUID(), name: 'bustest.ping', version: 1, payload: { n: 'not a number', run } });
    await pgBuses[0].injectRaw(queue, 'not json');
  },
  deadLetters: (queue) => pgBuses[0].deadLetterCount(queue),
};

const effects = async (n?: number) =>
  (await db.query(`SELECT n FROM effects WHERE run = $1 ${n === undefined ? '' : 'AND n = $2'} ORDER BY n`, n === undefined ? [run] : [run, n])) as { n: number }[];


beforeAll(async () => {
  AMQP_URL = testAmqpUrl();
  const url = testDatabaseUrl();
  await ensureDatabase(url);
  db = createDataSource({ url, schema: `bustest`, migrations: [BusTestInit1764000000001] });
  await db.initialize();
  await migrate(db, 'bustest');
});

afterAll(async () => {
  for (const b of buses) await b.close();
  const conn = await amqp.connect(AMQP_URL);
  const ch = await conn.createChannel();
  for (const q of ['RabbitMQ.roundtrip', 'RabbitMQ.redeliver', 'RabbitMQ.poison', 'RabbitMQ.failing', 'RabbitMQ.batch', 'RabbitMQ.parking', 'RabbitMQ.dead', 'reconnect', 'outbox']) {
    for (const suffix of ['', '.retry', '.dlq', '.park.100', '.park.200', '.park.400']) await ch.deleteQueue(`${queueName(q)}${suffix}`).catch(() => undefined);
  }
  await conn.close();
  await db.destroy();
});

/** One contract suite, run against both transports (issue 8: the services must not know which one they have). */
describe.each([rabbitTransport, inProcessTransport])('Bus contract: $name', (t) => {
  it('when an event is published, then a subscriber receives it with its id', async () => {
    const bus = await t.connect();
    const got: { n: number; id: string }[] = [];
    await bus.subscribe(queueName(t.name + '.roundtrip'), [on(Ping, async (p, ctx) => void got.push({ n: p.n, id: ctx.id }))]);
    await bus.publish(Ping, { n: 1, run }, { id: '0192f0c0-0000-7000-8000-000000000001' });
    await eventually(() => got.length === 1);
    expect(got).toEqual([{ n: 1, id: '0192f0c0-0000-7000-8000-000000000001' }]);
  });

  it('when a consumer dies before acking, then the message comes again and the effect happens once', async () => {
    const q = queueName(t.name + '.redeliver');
    const N = t === rabbitTransport ? 2 : 12; // the effects table is shared by both transports' runs
    const first = await t.connect();
    let deliveries = 0;
    await first.subscribe(q, [
      on(Ping, async (p, ctx) => {
        if (p.n !== N) return; // other tests' pings reach this queue too
        deliveries++;
        await handleOnce(db, q, ctx.id, (m) => m.query(`INSERT INTO effects (run, n) VALUES ($1, $2)`, [run, p.n]));
        await first.close(); // dies after the effect committed, before the ack
        throw new Error('gone');
      }),
    ]);
    // Published from another connection: the broker may deliver a persistent message before it confirms it,
    // and the dying consumer's close would then fail its own pending publish.
    const publisher = await t.connect();
    await publisher.publish(Ping, { n: N, run });
    await eventually(() => deliveries === 1);
    const second = await t.connect();
    let redelivered = false;
    let handledAgain: boolean | undefined;
    await second.subscribe(q, [
      on(Ping, async (p, ctx) => {
        if (p.n !== N) return;
        redelivered = ctx.redelivered;
        handledAgain = await handleOnce(db, q, ctx.id, (m) => m.query(`INSERT INTO effects (run, n) VALUES ($1, $2)`, [run, p.n]));
      }),
    ]);
    await eventually(() => handledAgain !== undefined);
    expect(redelivered).toBe(true);
    expect(handledAgain).toBe(false);
    expect(await effects(N)).toHaveLength(1);
  });

  it('when a message fails its contract, then it lands in the dead-letter queue and the consumer goes on', async () => {
    const q = queueName(t.name + '.poison');
    const bus = await t.connect();
    const got: number[] = [];
    await bus.subscribe(q, [on(Ping, async (p) => void got.push(p.n))]);
    await t.injectPoison(q);
    await bus.publish(Ping, { n: 3, run });
    await eventually(() => got.includes(3));
    await eventually(async () => (await t.deadLetters(q)) === 2);
    expect(got.filter((n) => n === 3)).toEqual([3]);
  });

  it('when a handler keeps failing, then it is retried with back-off and then dead-lettered', async () => {
    const q = queueName(t.name + '.failing');
    const bus = await t.connect();
    let calls = 0;
    await bus.subscribe(q, [on(Ping, async (p) => { if (p.n === 4) { calls++; throw new Error('always'); } })], { maxRetries: 2, retryBaseMs: 50 });
    await bus.publish(Ping, { n: 4, run });
    await eventually(() => calls === 3, 10_000);
    await eventually(async () => (await t.deadLetters(q)) === 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(calls).toBe(3);
  });

  it('when events arrive in bulk, then a batch consumer handles each once and a failing one alone is dead-lettered', async () => {
    const q = queueName(t.name + '.batch');
    const base = t === rabbitTransport ? 7000 : 8000;
    const bus = await t.connect();
    const sizes: number[] = [];
    await bus.subscribeBatch(
      q,
      [Ping],
      async (items) => {
        const mine = items.filter((i) => (i.payload as { n: number }).n >= base && (i.payload as { n: number }).n < base + 1000);
        if (mine.some((i) => (i.payload as { n: number }).n === base + 13)) throw new Error('13 is poison');
        sizes.push(items.length);
        await handleBatchOnce(db, q, mine, (m, fresh) => m.query(`INSERT INTO effects (run, n) SELECT $1, unnest($2::int[])`, [run, fresh.map((i) => (i.payload as { n: number }).n)]));
      },
      { maxBatch: 50, maxWaitMs: 20, maxRetries: 1, retryBaseMs: 20 },
    );
    for (let i = 0; i < 200; i++) await bus.publish(Ping, { n: base + i, run });
    await eventually(async () => (await db.query(`SELECT count(*)::int AS c FROM effects WHERE run = $1 AND n >= $2 AND n < $3`, [run, base, base + 1000]))[0].c === 199, 15_000);
    await eventually(async () => (await t.deadLetters(q)) === 1, 10_000);
    const dup = await db.query(`SELECT n FROM effects WHERE run = $1 AND n >= $2 AND n < $3 GROUP BY n HAVING count(*) > 1`, [run, base, base + 1000]);
    expect(dup).toEqual([]);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
  });

  it('when a handler keeps failing past its retries with parking on, then the message waits parked (headers kept, counted) and is handled once it can be', async () => {
    const q = queueName(t.name + '.parking');
    const bus = await t.connect();
    let failing = true;
    const seen: { parked: number; requestId?: string }[] = [];
    const parks: number[] = [];
    await bus.subscribe(
      q,
      [
        on(Ping, async (p, ctx) => {
          if (p.n !== 21) return;
          seen.push({ parked: ctx.parked, requestId: ctx.requestId });
          if (failing) throw new Error('not yet');
        }),
      ],
      { maxRetries: 1, retryBaseMs: 20, park: { baseMs: 100, maxMs: 400, onPark: (_ctx, ms) => void parks.push(ms) } },
    );
    await bus.publish(Ping, { n: 21, run }, { requestId: 'req-parked' });
    // many more tries than retries: it is never dead-lettered for waiting, and the wait grows to its cap
    await eventually(() => parks.length >= 4, 10_000);
    expect(parks.slice(0, 4)).toEqual([100, 200, 400, 400]);
    await eventually(async () => (await bus.parkedCount(q)) === 1, 5_000, 10);
    expect(await t.deadLetters(q)).toBe(0);
    failing = false;
    await eventually(() => seen.length === parks.length + 2, 5_000); // first try, one retry, one try after each park
    await new Promise((r) => setTimeout(r, 500)); // handled: nothing more comes
    expect(await bus.parkedCount(q)).toBe(0);
    expect(seen.length).toBe(parks.length + 2);
    expect(seen.at(-1)).toEqual({ parked: parks.length, requestId: 'req-parked' });
    expect(await t.deadLetters(q)).toBe(0);
  });

  it('when a handler throws DeadLetterError, then the message is dead-lettered at once, even with parking on', async () => {
    const q = queueName(t.name + '.dead');
    const bus = await t.connect();
    let calls = 0;
    await bus.subscribe(q, [on(Ping, async (p) => { if (p.n === 22) { calls++; throw new DeadLetterError('meaningless here'); } })], { maxRetries: 3, retryBaseMs: 20, park: { baseMs: 100, maxMs: 100 } });
    await bus.publish(Ping, { n: 22, run });
    await eventually(async () => (await t.deadLetters(q)) === 1);
    expect(calls).toBe(1);
  });

  it('when an RPC is answered, then the caller gets the result; when nobody answers, then it times out', async () => {
    const bus = await t.connect();
    await bus.respond(Echo, async (q) => ({ text: q.text.toUpperCase() }));
    await expect(bus.request(Echo, { text: 'hi' })).resolves.toEqual({ text: 'HI' });
    const started = Date.now();
    await expect(bus.request(Nobody, {}, { timeoutMs: 300 })).rejects.toBeInstanceOf(RpcTimeoutError);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('when a topic is broadcast, then the handlers of every connected bus get it (not those of another topic), and a body over the limit is not sent', async () => {
    const topic = `bustest.cast.${run.slice(0, 8)}.${t === rabbitTransport ? 'r' : 'p'}`;
    const [a, b, sender] = [await t.connect(), await t.connect(), await t.connect()];
    const got: Record<string, string[]> = { a: [], b: [], other: [] };
    let resumed = 0;
    await a.onBroadcast(topic, (body) => void got.a.push(body), () => void resumed++);
    await b.onBroadcast(topic, (body) => void got.b.push(body));
    await b.onBroadcast(`${topic}.other`, (body) => void got.other.push(body));
    expect(resumed).toBe(1); // registered while connected: it may have missed what went before
    sender.broadcast(topic, 'x'.repeat(sender.broadcastMaxBytes + 1));
    sender.broadcast(topic, '{"n":1} ünïcode');
    sender.broadcast(topic, '{"n":2}');
    await eventually(() => got.a.length === 2 && got.b.length === 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual({ a: ['{"n":1} ünïcode', '{"n":2}'], b: ['{"n":1} ünïcode', '{"n":2}'], other: [] });
  });
});

describe('RabbitBus', () => {
  it('when a batch consumer waits for nothing (maxWaitMs 0), then a lone message is a batch by itself and what arrives while a batch runs is the next batch, whole', async () => {
    const q = queueName('group-commit');
    const bus = await connectRabbit();
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await bus.subscribeBatch(
      q,
      [Ping],
      async (items) => {
        const mine = items.map((i) => i.payload as { n: number; run: string }).filter((p) => p.run === run && p.n >= 3000 && p.n < 4000);
        batches.push(mine.map((p) => p.n));
        if (batches.length === 1) await gate;
      },
      { maxBatch: 100, maxWaitMs: 0 },
    );
    await bus.publish(Ping, { n: 3000, run });
    await eventually(() => batches.length === 1);
    for (let i = 1; i <= 30; i++) await bus.publish(Ping, { n: 3000 + i, run });
    // every one of them is with the consumer (none ready on the queue) while the first batch still runs
    const raw = await amqp.connect(AMQP_URL);
    const ch = await raw.createChannel();
    await eventually(async () => (await ch.checkQueue(q)).messageCount === 0 && (await ch.checkQueue(q)).consumerCount === 1);
    await new Promise((r) => setTimeout(r, 100));
    await raw.close();
    expect(batches).toEqual([[3000]]);
    release();
    await eventually(() => batches.flat().length === 31);
    expect(batches).toEqual([[3000], Array.from({ length: 30 }, (_, i) => 3001 + i)]);
  });

  it('when the broker closes the connection mid-stream, then the bus reconnects and every message is handled exactly once', async () => {
    const q = queueName('reconnect');
    const bus = await connectRabbit();
    await bus.subscribe(q, [
      on(Ping, async (p, ctx) => {
        if (p.n < 1000 || p.n >= 2000) return;
        await handleOnce(db, q, ctx.id, (m) => m.query(`INSERT INTO effects (run, n) VALUES ($1, $2)`, [run, p.n]));
      }),
    ]);
    const relay = new OutboxRelay(db, bus, testLogger(), { intervalMs: 20 });
    relay.start();
    const total = 300;
    for (let i = 0; i < total; i++) {
      await db.transaction((m) => publishInTransaction(m, Ping, { n: 1000 + i, run }));
      if (i === 100) {
        // close exactly this bus's connection, the way `rabbitmqctl close_all_connections` would
        const listing = execFileSync('rabbitmqctl', ['-q', 'list_connections', 'pid', 'client_properties'], { encoding: 'utf8' });
        const line = listing.split('\n').find((l) => l.includes(`autocall-bustest-${run}`));
        expect(line).toBeDefined();
        for (const l of listing.split('\n').filter((x) => x.includes(`autocall-bustest-${run}`))) {
          execFileSync('rabbitmqctl', ['-q', 'close_connection', l.split('\t')[0], 'test: broker closed the connection']);
        }
      }
    }
    await eventually(async () => (await db.query(`SELECT count(DISTINCT n)::int AS c FROM effects WHERE run = $1 AND n >= 1000 AND n < 2000`, [run]))[0].c === total, 30_000);
    await new Promise((r) => setTimeout(r, 300));
    const counts = (await db.query(`SELECT n, count(*)::int AS c FROM effects WHERE run = $1 AND n >= 1000 AND n < 2000 GROUP BY n HAVING count(*) > 1`, [run])) as unknown[];
    expect(counts).toEqual([]);
    expect(bus.isConnected()).toBe(true);
    await relay.stop();
  }, 60_000);

  it('when the broker connection is lost, then broadcasts sent meanwhile are missed, the receiver is told (onResume), and later ones arrive', async () => {
    const proxy = await new TcpRelay(5672).start();
    const receiver = await connectRabbit(`amqp://guest:guest@127.0.0.1:${proxy.port}${new URL(AMQP_URL).pathname}`);
    const sender = await connectRabbit();
    const topic = `bustest.cast-lost.${run.slice(0, 8)}`;
    const got: string[] = [];
    let resumed = 0;
    await receiver.onBroadcast(topic, (body) => void got.push(body), () => void resumed++);
    sender.broadcast(topic, 'before');
    await eventually(() => got.length === 1);
    await proxy.cut();
    await eventually(() => !receiver.isConnected());
    sender.broadcast(topic, 'while away');
    await proxy.restore();
    await eventually(() => receiver.isConnected() && resumed === 2, 20_000);
    sender.broadcast(topic, 'after');
    await eventually(() => got.length === 2);
    expect(got).toEqual(['before', 'after']);
    await receiver.close();
    await proxy.cut();
  }, 40_000);

  it('when an outbox row is written while the broker is down, then it is published once the broker is back', async () => {
    const proxy = await new TcpRelay(5672).start(); // "the broker", for this client only
    const port = proxy.port;
    const bus = await connectRabbit(`amqp://guest:guest@127.0.0.1:${port}${new URL(AMQP_URL).pathname}`);
    const q = queueName('outbox');
    const got: number[] = [];
    await bus.subscribe(q, [on(Ping, async (p) => void got.push(p.n))]);
    const relay = new OutboxRelay(db, bus, testLogger(), { intervalMs: 20 });
    relay.start();
    await proxy.cut(); // the broker goes away
    await eventually(() => !bus.isConnected());
    await expect(bus.publish(Ping, { n: 1, run })).rejects.toBeInstanceOf(BusUnavailableError);
    await db.transaction((m) => publishInTransaction(m, Ping, { n: 5000, run }));
    await new Promise((r) => setTimeout(r, 300));
    const [{ pending }] = await db.query(`SELECT count(*)::int AS pending FROM outbox WHERE sent_at IS NULL AND payload->>'run' = $1`, [run]);
    expect(pending).toBe(1);
    expect(got).toEqual([]);
    await proxy.restore(); // the broker is back, on the same port
    await eventually(() => got.includes(5000), 20_000);
    await relay.stop();
    expect(got).toEqual([5000]);
    // the proxy's listening server would keep jest from exiting (the bus first, or it reconnects)
    await bus.close();
    await proxy.cut();
  }, 40_000);
});

describe('PgBus', () => {
  /** A bus whose safety poll would come only after a minute: within these tests only a notification (or the poll on reconnect) delivers. */
  const notifiedOnly = async () => {
    const bus = await PgBus.create({ db, logger: testLogger(), visibilityMs: 500, pollMs: 60_000 });
    buses.push(bus);
    return bus;
  };
  const listeners = async () =>
    ((await db.query(`SELECT pid FROM pg_stat_activity WHERE application_name = 'autocall-bustest:bus-listen' AND query ILIKE 'LISTEN%'`)) as { pid: number }[]).map((r) => r.pid);

  it('when its LISTEN connection is killed, then what is published meanwhile is delivered and the bus listens again', async () => {
    const q = queueName('pg.listen-lost');
    const bus = await notifiedOnly();
    const publisher = await notifiedOnly();
    const got: number[] = [];
    await bus.subscribe(q, [on(Ping, async (p) => void got.push(p.n))]);
    const before = bus.listenerPid();
    expect(before).toBeDefined();
    expect(await listeners()).toContain(before);
    // the database ends the connection (as a restart or a network cut would) and we wait until it is gone
    const [{ done }] = await db.query(`SELECT pg_terminate_backend($1, 5000) AS done`, [before]);
    expect(done).toBe(true);
    await publisher.publish(Ping, { n: 9001, run });
    await eventually(() => got.includes(9001), 10_000);
    await eventually(() => bus.listenerPid() !== undefined && bus.listenerPid() !== before, 10_000);
    expect(await listeners()).toContain(bus.listenerPid());
    await publisher.publish(Ping, { n: 9002, run });
    await eventually(() => got.includes(9002), 10_000);
    expect(got.filter((n) => n >= 9000 && n < 9100)).toEqual([9001, 9002]);
  });

  it('when a message is published on another bus of the same database, then this bus handles it (notified across connections)', async () => {
    const q = queueName('pg.cross');
    const consumer = await notifiedOnly();
    const publisher = await notifiedOnly();
    const got: number[] = [];
    await consumer.subscribe(q, [on(Ping, async (p) => void got.push(p.n))]);
    for (let i = 0; i < 20; i++) await publisher.publish(Ping, { n: 9100 + i, run });
    await eventually(() => got.filter((n) => n >= 9100 && n < 9200).length === 20, 10_000);
    expect(got.filter((n) => n >= 9100 && n < 9200).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => 9100 + i));
  });
});
