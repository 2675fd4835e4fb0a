import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AppError, type Envelope, type EventContract, type EventPayload, type RpcContract, type RpcRequest, type RpcResponse } from '@autocall/contracts';
import type { Logger } from '@autocall/logger';
import { BusUnavailableError, RpcTimeoutError, type BatchHandler, type BatchItem, type BatchOptions, type Bus, type MessageContext, type PublishOptions, type RequestOptions, type RpcHandler, type SubscribeOptions, type Subscription } from './bus';
import { firstError } from './validation';

export interface PgBusOptions {
  /** A data source on the platform's database; the bus keeps its queues in the `bus` schema. */
  db: DataSource;
  logger: Logger;
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

interface Row {
  seq: string;
  queue: string;
  body: Envelope;
  headers: Record<string, unknown>;
  retries: number;
  deliveries: number;
}

/**
 * The in-process transport for single-process mode: the same Bus contract as RabbitMQ, with queues
 * kept in PostgreSQL (schema `bus`) so that what was published survives a crash. Topic routing by
 * exact event name, per-queue delivery with a visibility timeout (a consumer that dies before
 * acking gets the message again), bounded retries with back-off, a dead-letter table, and RPC
 * in memory with timeouts (RPCs are never durable on either transport).
 */
export class PgBus implements Bus {
  private readonly responders = new Map<string, (payload: unknown, requestId?: string) => Promise<unknown>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  private readonly log: Logger;

  private constructor(private readonly opts: PgBusOptions) {
    this.log = opts.logger.child({ component: 'bus', transport: 'in-process' });
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
      if (opts.soleConsumer) {
        // delivered to a process that died before acknowledging: deliver again now
        await runner.query(`UPDATE bus.messages SET available_at = now(), claimed = false WHERE claimed`);
      }
    } finally {
      await runner.query(`SELECT pg_advisory_unlock(hashtext('autocall:migrate:bus'))`).catch(() => undefined);
      await runner.release();
    }
    return new PgBus(opts);
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
    await this.opts.db.query(
      `INSERT INTO bus.messages (queue, body, headers)
       SELECT b.queue, m.body, m.headers
         FROM unnest($1::jsonb[], $2::jsonb[], $3::text[]) WITH ORDINALITY AS m(body, headers, name, ord)
         JOIN bus.bindings b ON b.routing_key = m.name
        ORDER BY m.ord`,
      [items.map((i) => JSON.stringify(i.envelope)), items.map((i) => JSON.stringify(i.requestId ? { 'x-request-id': i.requestId } : {})), items.map((i) => i.envelope.name)],
    );
  }

  /** Puts a raw body on a queue, as a broken publisher might (tests of the dead-letter path). */
  async injectRaw(queue: string, body: unknown): Promise<void> {
    await this.opts.db.query(`INSERT INTO bus.messages (queue, body) VALUES ($1, $2)`, [queue, JSON.stringify(body)]);
  }

  async deadLetterCount(queue: string): Promise<number> {
    const [{ c }] = (await this.opts.db.query(`SELECT count(*)::int AS c FROM bus.dead_letters WHERE queue = $1`, [queue])) as { c: number }[];
    return c;
  }

  async subscribe(queue: string, subscriptions: Subscription[], opts: SubscribeOptions = {}): Promise<void> {
    const byName = new Map(subscriptions.map((s) => [`${s.contract.name}@${s.contract.version}`, s]));
    const maxRetries = opts.maxRetries ?? 5;
    const retryBaseMs = opts.retryBaseMs ?? 500;
    await this.poll(queue, subscriptions.map((s) => s.contract), opts.prefetch ?? 32, async (rows) => {
      await Promise.all(
        rows.map(async (row) => {
          const d = await this.decode(row, byName);
          if (!d) return;
          try {
            await d.sub.handler(d.envelope.payload, d.ctx);
            await this.ack([row]);
          } catch (err) {
            await this.fail(row, err, maxRetries, retryBaseMs);
          }
        }),
      );
    });
  }

  async subscribeBatch(queue: string, contracts: EventContract[], handler: BatchHandler, opts: BatchOptions = {}): Promise<void> {
    const byName = new Map(contracts.map((c) => [`${c.name}@${c.version}`, { contract: c, handler: async () => undefined } as Subscription]));
    const maxRetries = opts.maxRetries ?? 5;
    const retryBaseMs = opts.retryBaseMs ?? 500;
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
        if (batch.length === 1) return this.fail(batch[0].row, err, maxRetries, retryBaseMs);
      }
      for (const b of batch) {
        try {
          await handler([b.item]);
          await this.ack([b.row]);
        } catch (err) {
          await this.fail(b.row, err, maxRetries, retryBaseMs);
        }
      }
    });
  }

  /** Binds the queue and keeps claiming visible messages for it, `limit` at a time. */
  private async poll(queue: string, contracts: EventContract[], limit: number, handle: (rows: Row[]) => Promise<void>) {
    await this.opts.db.query(`INSERT INTO bus.bindings (queue, routing_key) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`, [queue, contracts.map((c) => c.name)]);
    const visibility = this.opts.visibilityMs ?? 30_000;
    const loop = async () => {
      if (this.closed) return;
      let got = 0;
      try {
        const result = (await this.opts.db.query(
          `UPDATE bus.messages SET available_at = now() + make_interval(secs => $3::float8 / 1000), deliveries = deliveries + 1, claimed = true
            WHERE seq IN (SELECT seq FROM bus.messages WHERE queue = $1 AND available_at <= now() ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED)
            RETURNING seq, queue, body, headers, retries, deliveries`,
          [queue, limit, visibility],
        )) as [Row[], number] | Row[];
        const rows = (Array.isArray(result[0]) ? result[0] : result) as Row[];
        rows.sort((x, y) => Number(x.seq) - Number(y.seq));
        got = rows.length;
        if (got > 0) await handle(rows);
      } catch (err) {
        if (!this.closed) this.log.warn({ err: (err as Error).message, queue }, 'poll failed');
      }
      if (!this.closed) {
        const t = setTimeout(() => {
          this.timers.delete(t);
          void loop();
        }, got > 0 ? 0 : (this.opts.pollMs ?? 25));
        this.timers.add(t);
      }
    };
    void loop();
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
      ctx: { id: env.id, name: env.name, version: env.version, occurredAt: env.occurredAt, requestId, retries: row.retries, redelivered: row.deliveries > row.retries + 1 },
    };
  }

  private async ack(rows: Row[]) {
    if (this.closed) return; // never acknowledged: visible again after the timeout, as after a crash
    await this.opts.db.query(`DELETE FROM bus.messages WHERE seq = ANY($1::bigint[])`, [rows.map((r) => r.seq)]);
  }

  private async fail(row: Row, err: unknown, maxRetries: number, retryBaseMs: number) {
    if (this.closed) return;
    if (row.retries >= maxRetries) {
      this.log.error({ queue: row.queue, err: (err as Error).message }, 'handler failed for good; dead-lettered');
      await this.deadLetter(row, (err as Error).message);
    } else {
      const delay = retryBaseMs * 2 ** row.retries;
      this.log.warn({ queue: row.queue, err: (err as Error).message, retries: row.retries, delay }, 'handler failed; will retry');
      await this.opts.db.query(`UPDATE bus.messages SET retries = retries + 1, claimed = false, available_at = now() + make_interval(secs => $2::float8 / 1000) WHERE seq = $1`, [row.seq, delay]);
    }
  }

  private async deadLetter(row: Row, reason: string) {
    await this.opts.db.transaction(async (m) => {
      await m.query(`INSERT INTO bus.dead_letters (seq, queue, body, reason) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [row.seq, row.queue, JSON.stringify(row.body), reason]);
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
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
