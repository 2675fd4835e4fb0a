import { DataSource, type DataSourceOptions } from 'typeorm';
import type { Envelope, EventContract, EventPayload, RpcContract, RpcRequest, RpcResponse } from '@autocall/contracts';
import { migrate } from '@autocall/db';
import type { Logger } from '@autocall/logger';
import { WorkLoop } from '@autocall/work-loop';
import { BROADCAST_TOPIC, BusUnavailableError, policyOf, type BroadcastHandler, RpcTimeoutError, type FailurePolicy, type BatchHandler, type BatchOptions, type Bus, type MessageContext, type PublishOptions, type RequestOptions, type RpcHandler, type SubscribeOptions, type Subscription } from './bus';
import {
  answerRpc,
  contextOf,
  contractsByKey,
  decodeEnvelope,
  deliverBatch,
  envelopeOf,
  handleFailure,
  parkedOf,
  PARKED_HEADER,
  REQUEST_ID_HEADER,
  requestIdOf,
  resultOf,
  subscriptionsByKey,
  type Delivery,
  type RpcReply,
} from './delivery';
import { BusSchema1764000000000 } from './migrations/1764000000000-BusSchema';

export interface PgBusOptions {
  /** A data source on the platform's database; the bus keeps its queues in the `bus` schema. */
  db: DataSource;
  logger: Logger;
  /**
   * The safety poll: how often the bus looks, in one query, for messages of its queues that are
   * due without a notification having said so (redelivery after the visibility timeout, messages
   * published while its LISTEN connection was down, retries due on a queue other processes
   * consume). Publishing wakes consumers at once through NOTIFY; default 1000 ms.
   */
  pollMs?: number;
  /** How long a delivered, unacknowledged message stays invisible before it is delivered again. */
  visibilityMs?: number;
  defaultRpcTimeoutMs?: number;
  /**
   * This bus is the only one on its database (single-process mode): messages claimed by an
   * earlier run that died are made visible again at once instead of after `visibilityMs`.
   */
  soleConsumer?: boolean;
}

/** The in-process bus's schema and its migrations (run by PgBus.create, or by openDatabase with these). */
export const BUS_SCHEMA = 'bus';
export const busMigrations = [BusSchema1764000000000];

/**
 * Runs the bus's pending migrations (under migrate()'s advisory lock, so processes starting
 * together are safe). A data source of schema `bus` with these migrations runs them itself; any
 * other (a service's) gets a small data source of its own for it on the same database (two
 * connections: migrate() holds one for the lock while the migrations run on another).
 */
export async function migrateBus(db: DataSource, logger?: Logger): Promise<void> {
  const options = db.options as DataSourceOptions & { schema?: string; extra?: Record<string, unknown> };
  const own = options.schema === BUS_SCHEMA && busMigrations.every((m) => (options.migrations as unknown[] | undefined)?.includes(m));
  if (own) return migrate(db, BUS_SCHEMA, logger);
  const ds = new DataSource({
    ...options,
    schema: BUS_SCHEMA,
    migrations: busMigrations,
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    entities: [],
    extra: { ...options.extra, max: 2, options: `-c search_path=${BUS_SCHEMA},public` },
  } as DataSourceOptions);
  await ds.initialize();
  try {
    await migrate(ds, BUS_SCHEMA, logger);
  } finally {
    await ds.destroy();
  }
}

/** The NOTIFY channel of every PgBus on a database; the payload is the queue that got messages. */
export const PG_BUS_CHANNEL = 'autocall_bus';
/** Broadcasts waiting to be sent before newer ones are dropped. */
const BROADCAST_BACKLOG = 1_000;
/** The NOTIFY channel of broadcasts: the payload is the topic, a newline, the body. */
export const PG_BROADCAST_CHANNEL = 'autocall_broadcast';

interface Row {
  seq: string;
  queue: string;
  body: Envelope;
  headers: Record<string, unknown>;
  retries: number;
  deliveries: number;
}

/** The parts of pg's Client the LISTEN connection uses (pg comes with the data source's driver). */
interface ListenClient {
  processID?: number;
  connect(): Promise<unknown>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', fn: (msg: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  on(event: 'end', fn: () => void): unknown;
}

/**
 * The in-process transport for single-process mode: the same Bus contract as RabbitMQ, with queues
 * kept in PostgreSQL (schema `bus`) so that what was published survives a crash. Topic routing by
 * exact event name, per-queue delivery with a visibility timeout (a consumer that dies before
 * acking gets the message again), bounded retries with back-off, a dead-letter table, and RPC
 * in memory with timeouts (RPCs are never durable on either transport).
 *
 * Consumers do not poll while idle: every publish sends `pg_notify('autocall_bus', queue)` in the
 * statement (so the transaction) that inserts the messages, and each PgBus keeps one LISTEN
 * connection of its own that wakes the queue's consumers at once. A retry is woken by a timer
 * at its due time. A safety poll (`pollMs`, one query for all the bus's queues) catches what no
 * notification announces: visibility timeouts running out, and what was published while the
 * LISTEN connection was down; when that connection is lost the bus reconnects it with back-off
 * and then looks at every queue at once.
 */
export class PgBus implements Bus {
  private readonly responders = new Map<string, (payload: unknown, requestId?: string) => Promise<RpcReply>>();
  /** One WorkLoop per subscribe()/subscribeBatch(), by queue: claims and handles a batch per turn. */
  private readonly consumers = new Map<string, WorkLoop[]>();
  private closed = false;
  private readonly log: Logger;
  private readonly safety: WorkLoop;
  private listener?: ListenClient;
  private reconnectTimer?: NodeJS.Timeout;
  private reconnectDelayMs = 0;
  private lastBroadcast: Promise<void> = Promise.resolve();
  private broadcastsWaiting = 0;
  private readonly broadcasts = new Map<string, { handler: BroadcastHandler; onResume?: () => void }[]>();

  private constructor(private readonly opts: PgBusOptions) {
    this.log = opts.logger.child({ component: 'bus', transport: 'in-process' });
    this.safety = new WorkLoop({ name: 'bus: safety poll', logger: this.log, intervalMs: this.safetyPollMs, firstTurnMs: this.safetyPollMs, turn: () => this.safetyPoll() });
  }

  private get safetyPollMs(): number {
    return this.opts.pollMs ?? 1000;
  }

  /** Migrates the `bus` schema (migrateBus), then listens and starts the safety poll. */
  static async create(opts: PgBusOptions): Promise<PgBus> {
    await migrateBus(opts.db, opts.logger);
    if (opts.soleConsumer) {
      // delivered to a process that died before acknowledging: deliver again now
      await opts.db.query(`UPDATE bus.messages SET available_at = now(), claimed = false WHERE claimed`);
    }
    const bus = new PgBus(opts);
    await bus.listen();
    bus.safety.start();
    return bus;
  }

  /** The backend pid of the LISTEN connection while it is up (diagnostics and tests). */
  listenerPid(): number | undefined {
    return this.listener?.processID;
  }

  /**
   * Opens the LISTEN connection: a client of its own with the pool's settings (it must not go
   * back to the pool, and must not take one of its connections). On success every queue is
   * looked at once, for what was published while nobody listened; on failure it tries again.
   */
  private async listen(): Promise<void> {
    if (this.closed) return;
    const pool = (this.opts.db.driver as unknown as { master?: { Client: new (options: unknown) => ListenClient; options: Record<string, unknown> } }).master;
    if (!pool) return this.relisten(new Error('the data source is not initialized'));
    const options = pool.options;
    const client = new pool.Client({ ...options, keepAlive: true, application_name: `${typeof options.application_name === 'string' ? options.application_name : 'autocall'}:bus-listen` });
    client.on('notification', (msg) => {
      if (msg.channel === PG_BUS_CHANNEL && msg.payload) this.wakeQueue(msg.payload);
      else if (msg.channel === PG_BROADCAST_CHANNEL && msg.payload) this.received(msg.payload);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${PG_BUS_CHANNEL}`);
      await client.query(`LISTEN ${PG_BROADCAST_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      return this.relisten(err as Error);
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
    if (this.reconnectDelayMs > 0) this.log.info('bus: LISTEN connection is back');
    this.reconnectDelayMs = 0;
    for (const queue of this.consumers.keys()) this.wakeQueue(queue);
    for (const list of this.broadcasts.values()) for (const b of list) b.onResume?.();
  }

  /** The LISTEN connection broke: consumers rely on the safety poll until it is back. */
  private lost(client: ListenClient, err: Error) {
    if (this.listener !== client) return; // not (or no longer) the connection in use
    this.listener = undefined;
    void client.end().catch(() => undefined);
    if (!this.closed) this.relisten(err);
  }

  private relisten(err: Error) {
    if (this.closed) return;
    this.reconnectDelayMs = Math.min(5000, this.reconnectDelayMs > 0 ? this.reconnectDelayMs * 2 : 100);
    this.log.warn({ err: err.message, retryInMs: this.reconnectDelayMs }, 'bus: LISTEN connection lost; reconnecting');
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.listen();
    }, this.reconnectDelayMs);
  }

  /**
   * One query for all this bus's queues: when is each one's next message visible? Due ones are
   * woken now, ones due before the next safety poll are woken then.
   */
  private async safetyPoll(): Promise<void> {
    const queues = [...this.consumers.keys()];
    try {
      if (queues.length > 0) {
        const due = (await this.opts.db.query(
          `SELECT q.queue, extract(epoch FROM (SELECT min(m.available_at) FROM bus.messages m WHERE m.queue = q.queue) - clock_timestamp()) * 1000 AS ms
             FROM unnest($1::text[]) AS q(queue)`,
          [queues],
        )) as { queue: string; ms: string | number | null }[];
        for (const d of due) {
          if (d.ms === null) continue;
          const ms = Number(d.ms);
          if (ms < this.safetyPollMs) this.wakeQueue(d.queue, ms);
        }
      }
    } catch (err) {
      // the consumers find out for themselves (and say so)
      if (!this.closed) this.log.warn({ err: (err as Error).message }, 'bus: safety poll failed');
      for (const queue of queues) this.wakeQueue(queue);
    }
  }

  /** Makes the queue's consumers look at it now, or in `inMs` (an earlier wake-up already set wins). */
  private wakeQueue(queue: string, inMs = 0) {
    if (this.closed) return;
    // + a little for a delayed one: the database's clock decided when it is due
    for (const c of this.consumers.get(queue) ?? []) c.nudge(inMs > 0 ? inMs + 2 : 0);
  }

  isConnected(): boolean {
    return !this.closed && this.opts.db.isInitialized;
  }

  async publish<C extends EventContract>(contract: C, payload: EventPayload<C>, opts: PublishOptions = {}): Promise<void> {
    await this.publishEnvelopes([{ envelope: envelopeOf(contract, payload, opts), requestId: opts.requestId }]);
  }

  async publishEnvelopes(items: { envelope: Envelope; requestId?: string }[]): Promise<void> {
    if (!this.isConnected()) throw new BusUnavailableError();
    if (items.length === 0) return;
    // one statement, so one transaction: the consumers are woken if and only if the messages are there
    await this.opts.db.query(
      `WITH inserted AS (
         INSERT INTO bus.messages (queue, body, headers)
         SELECT b.queue, m.body, m.headers
           FROM unnest($1::jsonb[], $2::jsonb[], $3::text[]) WITH ORDINALITY AS m(body, headers, name, ord)
           JOIN bus.bindings b ON b.routing_key = m.name
          ORDER BY m.ord
         RETURNING queue)
       SELECT pg_notify('${PG_BUS_CHANNEL}', q.queue) FROM (SELECT DISTINCT queue FROM inserted) q`,
      [items.map((i) => JSON.stringify(i.envelope)), items.map((i) => JSON.stringify(i.requestId ? { [REQUEST_ID_HEADER]: i.requestId } : {})), items.map((i) => i.envelope.name)],
    );
  }

  /** Puts a raw body on a queue, as a broken publisher might (tests of the dead-letter path). */
  async injectRaw(queue: string, body: unknown): Promise<void> {
    await this.opts.db.query(
      `WITH inserted AS (INSERT INTO bus.messages (queue, body) VALUES ($1, $2) RETURNING queue) SELECT pg_notify('${PG_BUS_CHANNEL}', queue) FROM inserted`,
      [queue, JSON.stringify(body)],
    );
  }

  async deadLetterCount(queue: string): Promise<number> {
    const [{ c }] = (await this.opts.db.query(`SELECT count(*)::int AS c FROM bus.dead_letters WHERE queue = $1`, [queue])) as { c: number }[];
    return c;
  }

  async subscribe(queue: string, subscriptions: Subscription[], opts: SubscribeOptions = {}): Promise<void> {
    const byName = subscriptionsByKey(subscriptions);
    const policy = policyOf(opts);
    await this.poll(queue, subscriptions.map((s) => s.contract), opts.prefetch ?? 32, async (rows) => {
      await Promise.all(
        rows.map(async (row) => {
          const d = await this.decode(row, byName);
          if (!d) return;
          try {
            await d.sub.handler(d.envelope.payload, d.ctx);
            await this.ack([row]);
          } catch (err) {
            await this.fail(row, d.ctx, err, policy);
          }
        }),
      );
    });
  }

  async subscribeBatch(queue: string, contracts: EventContract[], handler: BatchHandler, opts: BatchOptions = {}): Promise<void> {
    const byName = contractsByKey(contracts);
    const policy = policyOf(opts);
    await this.poll(queue, contracts, opts.maxBatch ?? 200, async (rows) => {
      const batch: Delivery<Row>[] = [];
      for (const row of rows) {
        const d = await this.decode(row, byName);
        if (d) batch.push({ msg: row, item: { contract: d.sub.contract, payload: d.envelope.payload as never, ctx: d.ctx } });
      }
      await deliverBatch(this.log.child({ queue }), batch, handler, { ack: (msgs) => this.ack(msgs), fail: (b, err) => this.fail(b.msg, b.item.ctx, err, policy) });
    });
  }

  /** Binds the queue and claims visible messages for it, `limit` at a time, whenever it is woken. */
  private async poll(queue: string, contracts: EventContract[], limit: number, handle: (rows: Row[]) => Promise<void>) {
    await this.opts.db.query(`INSERT INTO bus.bindings (queue, routing_key) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`, [queue, contracts.map((c) => c.name)]);
    const visibility = this.opts.visibilityMs ?? 30_000;
    const claim = async (): Promise<Row[]> => {
      const result = (await this.opts.db.query(
        `UPDATE bus.messages SET available_at = now() + make_interval(secs => $3::float8 / 1000), deliveries = deliveries + 1, claimed = true
          WHERE seq IN (SELECT seq FROM bus.messages WHERE queue = $1 AND available_at <= now() ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED)
          RETURNING seq, queue, body, headers, retries, deliveries`,
        [queue, limit, visibility],
      )) as [Row[], number] | Row[];
      const rows = (Array.isArray(result[0]) ? result[0] : result) as Row[];
      return rows.sort((x, y) => Number(x.seq) - Number(y.seq));
    };
    // Idle until woken (a notification, a retry falling due, the safety poll); a turn that got
    // messages looks again at once; a failing database is tried again a safety poll later.
    const consumer = new WorkLoop({
      name: `bus: consumer of ${queue}`,
      logger: this.log,
      intervalMs: Infinity,
      backoffMs: this.safetyPollMs,
      maxBackoffMs: this.safetyPollMs,
      turn: async () => {
        if (this.closed) return;
        let rows: Row[];
        try {
          rows = await claim();
          if (rows.length > 0) await handle(rows);
        } catch (err) {
          if (this.closed) return;
          throw err;
        }
        return rows.length > 0 ? 'again' : undefined;
      },
    });
    this.consumers.set(queue, [...(this.consumers.get(queue) ?? []), consumer]);
    consumer.start(); // what is already there
  }

  private async decode(row: Row, byName: Map<string, Subscription>): Promise<{ sub: Subscription; envelope: Envelope; ctx: MessageContext } | undefined> {
    const decoded = decodeEnvelope(row.body, byName);
    if (!decoded.ok) {
      this.log.error({ queue: row.queue, reason: decoded.reason }, 'message fails its contract; dead-lettered');
      await this.deadLetter(row, decoded.reason);
      return undefined;
    }
    const parked = parkedOf(row.headers);
    const ctx = contextOf(decoded.envelope, { requestId: requestIdOf(row.headers), retries: row.retries, parked, redelivered: row.deliveries > row.retries + parked + 1 });
    return { sub: decoded.sub, envelope: decoded.envelope, ctx };
  }

  private async ack(rows: Row[]) {
    if (this.closed) return; // never acknowledged: visible again after the timeout, as after a crash
    await this.opts.db.query(`DELETE FROM bus.messages WHERE seq = ANY($1::bigint[])`, [rows.map((r) => r.seq)]);
  }

  private async fail(row: Row, ctx: MessageContext, err: unknown, policy: FailurePolicy) {
    if (this.closed) return;
    await handleFailure(this.log.child({ queue: row.queue, messageId: ctx.id, event: ctx.name, requestId: ctx.requestId }), ctx, err, policy, {
      deadLetter: (reason) => this.deadLetter(row, reason),
      retry: async (delayMs) => {
        await this.opts.db.query(`UPDATE bus.messages SET retries = retries + 1, claimed = false, available_at = now() + make_interval(secs => $2::float8 / 1000) WHERE seq = $1`, [row.seq, delayMs]);
        this.wakeQueue(row.queue, delayMs);
      },
      park: async (delayMs, parked) => {
        await this.opts.db.query(
          `UPDATE bus.messages SET headers = headers || jsonb_build_object('${PARKED_HEADER}', $3::int), claimed = false, available_at = now() + make_interval(secs => $2::float8 / 1000) WHERE seq = $1`,
          [row.seq, delayMs, parked],
        );
        this.wakeQueue(row.queue, delayMs);
      },
    });
  }

  async parkedCount(queue: string): Promise<number> {
    const [{ c }] = (await this.opts.db.query(`SELECT count(*)::int AS c FROM bus.messages WHERE queue = $1 AND headers ? '${PARKED_HEADER}' AND NOT claimed`, [queue])) as { c: number }[];
    return c;
  }

  private async deadLetter(row: Row, reason: string) {
    await this.opts.db.transaction(async (m) => {
      await m.query(`INSERT INTO bus.dead_letters (seq, queue, body, headers, reason) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, [row.seq, row.queue, JSON.stringify(row.body), JSON.stringify(row.headers ?? {}), reason]);
      await m.query(`DELETE FROM bus.messages WHERE seq = $1`, [row.seq]);
    });
  }

  async request<C extends RpcContract>(contract: C, payload: RpcRequest<C>, opts: RequestOptions = {}): Promise<RpcResponse<C>> {
    if (!this.isConnected()) throw new BusUnavailableError();
    const timeoutMs = opts.timeoutMs ?? this.opts.defaultRpcTimeoutMs ?? 5000;
    const key = `${contract.name}.v${contract.version}`;
    return new Promise<RpcResponse<C>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new RpcTimeoutError(contract.name, timeoutMs)), timeoutMs);
      const responder = this.responders.get(key);
      if (!responder) return; // nobody answers: the caller times out, as over RabbitMQ
      // copies, so neither side shares objects with the other (as if it crossed a wire)
      responder(JSON.parse(JSON.stringify(payload)), opts.requestId).then(
        (reply) => {
          clearTimeout(timer);
          try {
            resolve(JSON.parse(JSON.stringify(resultOf(reply) ?? null)) as RpcResponse<C>);
          } catch (err) {
            reject(err as Error);
          }
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err as Error);
        },
      );
    });
  }

  /** NOTIFY takes a payload under 8,000 bytes: the topic and a newline go in it too. */
  readonly broadcastMaxBytes = 7_800;

  broadcast(topic: string, body: string): void {
    if (this.closed || !BROADCAST_TOPIC.test(topic) || Buffer.byteLength(body) > this.broadcastMaxBytes) return;
    // a hint: when the database cannot keep up, the newest are dropped rather than queued without end
    if (this.broadcastsWaiting >= BROADCAST_BACKLOG) return;
    this.broadcastsWaiting++;
    // one after another: two queries at once could take two connections and arrive in either order
    this.lastBroadcast = this.lastBroadcast
      .then(() => this.opts.db.query(`SELECT pg_notify($1, $2)`, [PG_BROADCAST_CHANNEL, `${topic}\n${body}`]))
      .then(
        () => undefined,
        (err: Error) => {
          if (!this.closed) this.log.debug({ err: err.message, topic }, 'broadcast not sent');
        },
      )
      .finally(() => void this.broadcastsWaiting--);
  }

  async onBroadcast(topic: string, handler: BroadcastHandler, onResume?: () => void): Promise<void> {
    if (!BROADCAST_TOPIC.test(topic)) throw new Error(`not a broadcast topic: ${topic}`);
    const list = this.broadcasts.get(topic) ?? [];
    list.push({ handler, onResume });
    this.broadcasts.set(topic, list);
    if (this.listener) onResume?.();
  }

  private received(payload: string): void {
    const cut = payload.indexOf('\n');
    if (cut < 0) return;
    for (const b of this.broadcasts.get(payload.slice(0, cut)) ?? []) {
      try {
        b.handler(payload.slice(cut + 1));
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'broadcast handler failed');
      }
    }
  }

  async respond<C extends RpcContract>(contract: C, handler: RpcHandler<C>): Promise<void> {
    this.responders.set(`${contract.name}.v${contract.version}`, (payload, requestId) => answerRpc(this.log, contract, handler, payload, requestId));
  }

  async close(): Promise<void> {
    this.closed = true;
    // not awaited: a handler may close its own bus (a consumer dying mid-message), and its turn
    // would then wait for itself; what a running turn acknowledges after this is left unacknowledged
    void this.safety.stop();
    clearTimeout(this.reconnectTimer);
    for (const list of this.consumers.values()) for (const c of list) void c.stop();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }
}
