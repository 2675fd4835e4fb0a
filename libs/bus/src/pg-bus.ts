import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AppError, type Envelope, type EventContract, type EventPayload, type RpcContract, type RpcRequest, type RpcResponse } from '@autocall/contracts';
import type { Logger } from '@autocall/logger';
import { BusUnavailableError, DeadLetterError, parkDelayMs, policyOf, RpcTimeoutError, type FailurePolicy, type BatchHandler, type BatchItem, type BatchOptions, type Bus, type MessageContext, type PublishOptions, type RequestOptions, type RpcHandler, type SubscribeOptions, type Subscription } from './bus';
import { firstError } from './validation';

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

const PARKED_HEADER = 'x-parked';


/** The NOTIFY channel of every PgBus on a database; the payload is the queue that got messages. */
export const PG_BUS_CHANNEL = 'autocall_bus';

interface Row {
  seq: string;
  queue: string;
  body: Envelope;
  headers: Record<string, unknown>;
  retries: number;
  deliveries: number;
}

/** One subscribe()/subscribeBatch() of this bus: claims and handles messages of its queue, one batch at a time. */
interface Consumer {
  queue: string;
  /** Claims up to a batch and handles it; the number of messages claimed, or -1 if the claim failed. */
  pollOnce: () => Promise<number>;
  running: boolean;
  /** Woken while it was running: look again once the current batch is done. */
  again: boolean;
  timer?: NodeJS.Timeout;
  timerAt?: number;
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
  private readonly responders = new Map<string, (payload: unknown, requestId?: string) => Promise<unknown>>();
  private readonly consumers = new Map<string, Consumer[]>();
  private closed = false;
  private readonly log: Logger;
  private safetyTimer?: NodeJS.Timeout;
  private listener?: ListenClient;
  private reconnectTimer?: NodeJS.Timeout;
  private reconnectDelayMs = 0;

  private constructor(private readonly opts: PgBusOptions) {
    this.log = opts.logger.child({ component: 'bus', transport: 'in-process' });
  }

  private get safetyPollMs(): number {
    return this.opts.pollMs ?? 1000;
  }

  static async create(opts: PgBusOptions): Promise<PgBus> {
    // lock, DDL and unlock on one connection: a pool could run the unlock elsewhere and leave the lock held
    const runner = opts.db.createQueryRunner();
    await runner.connect();
    try {
      await runner.query(`SELECT pg_advisory_lock(hashtext('autocall:migrate:bus'))`);
      await runner.query(`CREATE SCHEMA IF NOT EXISTS bus`);
      await runner.query(`CREATE TABLE IF NOT EXISTS bus.bindings (queue text NOT NULL, routing_key text NOT NULL, PRIMARY KEY (routing_key, queue))`);
      await runner.query(`CREATE TABLE IF NOT EXISTS bus.messages (
        seq bigserial PRIMARY KEY, queue text NOT NULL, body jsonb NOT NULL, headers jsonb NOT NULL DEFAULT '{}',
        retries int NOT NULL DEFAULT 0, deliveries int NOT NULL DEFAULT 0,
        available_at timestamptz NOT NULL DEFAULT now())`);
      await runner.query(`ALTER TABLE bus.messages ADD COLUMN IF NOT EXISTS claimed boolean NOT NULL DEFAULT false`);
      await runner.query(`CREATE INDEX IF NOT EXISTS messages_ready ON bus.messages (queue, available_at, seq)`);
      await runner.query(`CREATE TABLE IF NOT EXISTS bus.dead_letters (seq bigint PRIMARY KEY, queue text NOT NULL, body jsonb, raw text, reason text, dead_at timestamptz NOT NULL DEFAULT now())`);
      await runner.query(`ALTER TABLE bus.dead_letters ADD COLUMN IF NOT EXISTS headers jsonb NOT NULL DEFAULT '{}'`);
      if (opts.soleConsumer) {
        // delivered to a process that died before acknowledging: deliver again now
        await runner.query(`UPDATE bus.messages SET available_at = now(), claimed = false WHERE claimed`);
      }
    } finally {
      await runner.query(`SELECT pg_advisory_unlock(hashtext('autocall:migrate:bus'))`).catch(() => undefined);
      await runner.release();
    }
    const bus = new PgBus(opts);
    await bus.listen();
    bus.scheduleSafetyPoll();
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
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${PG_BUS_CHANNEL}`);
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
   * woken now, ones due before the next safety poll get a timer.
   */
  private scheduleSafetyPoll() {
    if (this.closed) return;
    this.safetyTimer = setTimeout(() => void this.safetyPoll(), this.safetyPollMs);
  }

  private async safetyPoll() {
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
    this.scheduleSafetyPoll();
  }

  private wakeQueue(queue: string, inMs = 0) {
    for (const c of this.consumers.get(queue) ?? []) this.wake(c, inMs);
  }

  /** Makes the consumer look at its queue now, or in `inMs` (an earlier wake-up already set wins). */
  private wake(c: Consumer, inMs = 0) {
    if (this.closed) return;
    if (inMs <= 0) {
      if (c.running) {
        c.again = true;
        return;
      }
      clearTimeout(c.timer);
      c.timer = c.timerAt = undefined;
      void this.drain(c);
      return;
    }
    const at = Date.now() + inMs;
    if (c.timer && c.timerAt !== undefined && c.timerAt <= at) return;
    clearTimeout(c.timer);
    c.timerAt = at;
    c.timer = setTimeout(() => {
      c.timer = c.timerAt = undefined;
      this.wake(c);
    }, inMs + 2); // + a little: the database's clock decided when it is due
  }

  /** Claims and handles batches until the queue has nothing visible left. */
  private async drain(c: Consumer) {
    c.running = true;
    try {
      for (;;) {
        c.again = false;
        const got = await c.pollOnce();
        if (this.closed) return;
        if (got < 0) {
          this.wake(c, this.safetyPollMs); // the database is failing: try again later, not in a loop
          return;
        }
        if (got === 0 && !c.again) return;
      }
    } finally {
      c.running = false;
    }
  }

  isConnected(): boolean {
    return !this.closed && this.opts.db.isInitialized;
  }

  async publish<C extends EventContract>(contract: C, payload: EventPayload<C>, opts: PublishOptions = {}): Promise<void> {
    const problem = firstError(contract.payload, payload);
    if (problem) throw new Error(`event ${contract.name} v${contract.version} does not match its contract: ${problem}`);
    await this.publishEnvelopes([{ envelope: { id: opts.id ?? randomUUID(), name: contract.name, version: contract.version, occurredAt: opts.occurredAt ?? new Date().toISOString(), payload }, requestId: opts.requestId }]);
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
      [items.map((i) => JSON.stringify(i.envelope)), items.map((i) => JSON.stringify(i.requestId ? { 'x-request-id': i.requestId } : {})), items.map((i) => i.envelope.name)],
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
    const byName = new Map(subscriptions.map((s) => [`${s.contract.name}@${s.contract.version}`, s]));
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
            await this.fail(row, err, policy);
          }
        }),
      );
    });
  }

  async subscribeBatch(queue: string, contracts: EventContract[], handler: BatchHandler, opts: BatchOptions = {}): Promise<void> {
    const byName = new Map(contracts.map((c) => [`${c.name}@${c.version}`, { contract: c, handler: async () => undefined } as Subscription]));
    const policy = policyOf(opts);
    await this.poll(queue, contracts, opts.maxBatch ?? 200, async (rows) => {
      const batch: { row: Row; item: BatchItem }[] = [];
      for (const row of rows) {
        const d = await this.decode(row, byName);
        if (d) batch.push({ row, item: { contract: d.sub.contract, payload: d.envelope.payload as never, ctx: d.ctx } });
      }
      if (batch.length === 0) return;
      try {
        await handler(batch.map((b) => b.item));
        await this.ack(batch.map((b) => b.row));
        return;
      } catch (err) {
        if (batch.length === 1) return this.fail(batch[0].row, err, policy);
      }
      for (const b of batch) {
        try {
          await handler([b.item]);
          await this.ack([b.row]);
        } catch (err) {
          await this.fail(b.row, err, policy);
        }
      }
    });
  }

  /** Binds the queue and claims visible messages for it, `limit` at a time, whenever it is woken. */
  private async poll(queue: string, contracts: EventContract[], limit: number, handle: (rows: Row[]) => Promise<void>) {
    await this.opts.db.query(`INSERT INTO bus.bindings (queue, routing_key) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`, [queue, contracts.map((c) => c.name)]);
    const visibility = this.opts.visibilityMs ?? 30_000;
    const consumer: Consumer = {
      queue,
      running: false,
      again: false,
      pollOnce: async () => {
        if (this.closed) return 0;
        try {
          const result = (await this.opts.db.query(
            `UPDATE bus.messages SET available_at = now() + make_interval(secs => $3::float8 / 1000), deliveries = deliveries + 1, claimed = true
              WHERE seq IN (SELECT seq FROM bus.messages WHERE queue = $1 AND available_at <= now() ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED)
              RETURNING seq, queue, body, headers, retries, deliveries`,
            [queue, limit, visibility],
          )) as [Row[], number] | Row[];
          const rows = (Array.isArray(result[0]) ? result[0] : result) as Row[];
          rows.sort((x, y) => Number(x.seq) - Number(y.seq));
          if (rows.length > 0) await handle(rows);
          return rows.length;
        } catch (err) {
          if (!this.closed) this.log.warn({ err: (err as Error).message, queue }, 'poll failed');
          return -1;
        }
      },
    };
    this.consumers.set(queue, [...(this.consumers.get(queue) ?? []), consumer]);
    this.wake(consumer); // what is already there
  }

  private async decode(row: Row, byName: Map<string, Subscription>): Promise<{ sub: Subscription; envelope: Envelope; ctx: MessageContext } | undefined> {
    const env = row.body;
    const sub = env && typeof env === 'object' ? byName.get(`${env.name}@${env.version}`) : undefined;
    const reason = !sub ? 'no handler for this message' : typeof env.id !== 'string' ? 'envelope has no id' : firstError(sub.contract.payload, env.payload);
    if (reason || !sub) {
      this.log.error({ queue: row.queue, reason }, 'message fails its contract; dead-lettered');
      await this.deadLetter(row, reason ?? 'invalid');
      return undefined;
    }
    const requestId = typeof row.headers?.['x-request-id'] === 'string' ? (row.headers['x-request-id'] as string) : undefined;
    return {
      sub,
      envelope: env,
      ctx: {
        id: env.id,
        name: env.name,
        version: env.version,
        occurredAt: env.occurredAt,
        requestId,
        retries: row.retries,
        parked: Number(row.headers?.[PARKED_HEADER] ?? 0),
        redelivered: row.deliveries > row.retries + Number(row.headers?.[PARKED_HEADER] ?? 0) + 1,
      },
    };
  }

  private async ack(rows: Row[]) {
    if (this.closed) return; // never acknowledged: visible again after the timeout, as after a crash
    await this.opts.db.query(`DELETE FROM bus.messages WHERE seq = ANY($1::bigint[])`, [rows.map((r) => r.seq)]);
  }

  private async fail(row: Row, err: unknown, policy: FailurePolicy) {
    if (this.closed) return;
    const reason = (err as Error).message;
    const parked = Number(row.headers?.[PARKED_HEADER] ?? 0);
    if (err instanceof DeadLetterError) {
      this.log.error({ queue: row.queue, err: reason }, 'message cannot be handled; dead-lettered');
      await this.deadLetter(row, reason);
    } else if (row.retries < policy.maxRetries) {
      const delay = policy.retryBaseMs * 2 ** row.retries;
      this.log.warn({ queue: row.queue, err: reason, retries: row.retries, delay }, 'handler failed; will retry');
      await this.opts.db.query(`UPDATE bus.messages SET retries = retries + 1, claimed = false, available_at = now() + make_interval(secs => $2::float8 / 1000) WHERE seq = $1`, [row.seq, delay]);
      this.wakeQueue(row.queue, delay);
    } else if (policy.park) {
      const delay = parkDelayMs(policy.park, parked);
      this.log.warn({ queue: row.queue, err: reason, parked: parked + 1, nextTryInMs: delay }, 'handler failed; message parked until its next try');
      await this.opts.db.query(
        `UPDATE bus.messages SET headers = headers || jsonb_build_object('${PARKED_HEADER}', $3::int), claimed = false, available_at = now() + make_interval(secs => $2::float8 / 1000) WHERE seq = $1`,
        [row.seq, delay, parked + 1],
      );
      const body = row.body as Partial<Envelope> | undefined;
      policy.park.onPark?.({ id: String(body?.id), name: String(body?.name), version: Number(body?.version), retries: row.retries, parked, redelivered: true }, delay);
      this.wakeQueue(row.queue, delay);
    } else {
      this.log.error({ queue: row.queue, err: reason }, 'handler failed for good; dead-lettered');
      await this.deadLetter(row, reason);
    }
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
      // a copy, so neither side shares objects with the other (as if it crossed a wire)
      responder(JSON.parse(JSON.stringify(payload)), opts.requestId).then(
        (result) => {
          clearTimeout(timer);
          resolve(JSON.parse(JSON.stringify(result ?? null)) as RpcResponse<C>);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  async respond<C extends RpcContract>(contract: C, handler: RpcHandler<C>): Promise<void> {
    this.responders.set(`${contract.name}.v${contract.version}`, async (payload, requestId) => {
      const problem = firstError(contract.request, payload);
      if (problem) throw new AppError('RPC_INVALID_REQUEST', 400, `${contract.name}: ${problem}`);
      try {
        return await handler(payload as RpcRequest<C>, { requestId });
      } catch (err) {
        if (err instanceof AppError) throw new AppError(err.code, err.status, err.message);
        this.log.error({ err, rpc: contract.name }, 'rpc handler failed');
        throw new AppError('INTERNAL_ERROR', 500, 'RPC handler failed');
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.safetyTimer);
    clearTimeout(this.reconnectTimer);
    for (const list of this.consumers.values()) for (const c of list) clearTimeout(c.timer);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }
}
