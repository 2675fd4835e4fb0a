import { randomUUID } from 'node:crypto';
import * as amqp from 'amqplib';
import { AppError, type Envelope, type EventContract, type EventPayload, type RpcContract, type RpcRequest, type RpcResponse } from '@autocall/contracts';
import type { Logger } from '@autocall/logger';
import {
  BusUnavailableError,
  DeadLetterError,
  EVENTS_EXCHANGE,
  parkDelayMs,
  parkLevels,
  policyOf,
  type FailurePolicy,
  type ParkOptions,
  RpcTimeoutError,
  type BatchHandler,
  type BatchItem,
  type BatchOptions,
  type Bus,
  type MessageContext,
  type PublishOptions,
  type RequestOptions,
  type RpcHandler,
  type SubscribeOptions,
  type Subscription,
} from './bus';
import { firstError } from './validation';

export interface RabbitBusOptions {
  url: string;
  /** Service name: shows in the connection name and the logs. */
  service: string;
  logger: Logger;
  exchange?: string;
  defaultRpcTimeoutMs?: number;
}

interface RpcReply {
  ok: boolean;
  result?: unknown;
  error?: { code: string; status: number; message: string };
}

const RETRY_HEADER = 'x-retries';
const PARKED_HEADER = 'x-parked';
const REQUEST_ID = 'x-request-id';


/** The parking queue of one wait: a queue-wide TTL (so first in is first out) dead-lettering back to the consumer queue. */
export const parkQueueName = (queue: string, ms: number) => `${queue}.park.${ms}`;

/**
 * RabbitMQ transport: confirmed publishes, manual-ack consumers with bounded retries (a per-queue
 * delay queue) and a dead-letter queue, RPC over direct reply-to, and reconnection that re-declares
 * the topology and re-attaches every consumer and responder.
 */
export class RabbitBus implements Bus {
  private conn?: amqp.ChannelModel;
  private pub?: amqp.ConfirmChannel;
  private rpcChannel?: amqp.Channel;
  private connected = false;
  private closing = false;
  private connecting?: Promise<void>;
  private reconnectDelay = 100;
  private readonly setups: (() => Promise<void>)[] = [];
  private readonly pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly exchange: string;
  private readonly log: Logger;
  /** Publishes waiting for their confirm: failed at once when the connection goes. */
  private readonly unconfirmed = new Set<(err: Error) => void>();
  /** The parking queues of each consumer queue that parks. */
  private readonly parking = new Map<string, string[]>();

  private constructor(private readonly opts: RabbitBusOptions) {
    this.exchange = opts.exchange ?? EVENTS_EXCHANGE;
    this.log = opts.logger.child({ component: 'bus' });
  }

  /**
   * Connects (waiting for the broker up to `waitMs`; 0 returns at once and keeps trying in the
   * background, so a service can serve HTTP and answer /ready 503 while the broker is down).
   */
  static async connect(opts: RabbitBusOptions, waitMs = 0): Promise<RabbitBus> {
    const bus = new RabbitBus(opts);
    const first = bus.reconnect();
    if (waitMs > 0) {
      await Promise.race([first, new Promise((r) => setTimeout(r, waitMs).unref())]);
    }
    return bus;
  }

  isConnected(): boolean {
    return this.connected;
  }

  private reconnect(): Promise<void> {
    if (this.connecting) return this.connecting;
    this.connecting = (async () => {
      while (!this.closing) {
        try {
          await this.open();
          this.reconnectDelay = 100;
          return;
        } catch (err) {
          this.connected = false;
          this.log.warn({ err: (err as Error).message, retryInMs: this.reconnectDelay }, 'broker connection failed');
          await this.conn?.close().catch(() => undefined);
          this.conn = undefined;
          await new Promise((r) => setTimeout(r, this.reconnectDelay));
          this.reconnectDelay = Math.min(this.reconnectDelay * 2, 5000);
        }
      }
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    const conn = await amqp.connect(this.opts.url, { clientProperties: { connection_name: `autocall-${this.opts.service}` } });
    this.conn = conn;
    conn.on('error', (err: Error) => this.log.warn({ err: err.message }, 'broker connection error'));
    conn.on('close', () => {
      if (this.conn !== conn) return;
      this.connected = false;
      this.pub = undefined;
      this.rpcChannel = undefined;
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new BusUnavailableError('broker connection lost before the RPC answered'));
        this.pending.delete(id);
      }
      for (const fail of [...this.unconfirmed]) fail(new BusUnavailableError('broker connection lost before the publish was confirmed'));
      if (!this.closing) {
        this.log.warn('broker connection closed; reconnecting');
        void this.reconnect();
      }
    });
    const pub = await conn.createConfirmChannel();
    pub.on('error', (err: Error) => this.log.warn({ err: err.message }, 'publish channel error'));
    await pub.assertExchange(this.exchange, 'topic', { durable: true });
    const rpc = await conn.createChannel();
    rpc.on('error', (err: Error) => this.log.warn({ err: err.message }, 'rpc channel error'));
    await rpc.consume('amq.rabbitmq.reply-to', (msg) => msg && this.onReply(msg), { noAck: true });
    this.pub = pub;
    this.rpcChannel = rpc;
    for (const setup of this.setups) await setup();
    this.connected = true;
    this.log.info('broker connected');
  }

  private onReply(msg: amqp.ConsumeMessage) {
    const id = msg.properties.correlationId as string | undefined;
    const p = id ? this.pending.get(id) : undefined;
    if (!p || !id) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    try {
      const reply = JSON.parse(msg.content.toString()) as RpcReply;
      if (reply.ok) p.resolve(reply.result);
      else p.reject(new AppError(reply.error?.code ?? 'INTERNAL_ERROR', reply.error?.status ?? 500, reply.error?.message ?? 'RPC failed'));
    } catch (err) {
      p.reject(err as Error);
    }
  }

  private channelOrThrow(): amqp.ConfirmChannel {
    if (!this.connected || !this.pub) throw new BusUnavailableError();
    return this.pub;
  }

  private confirmPublish(ch: amqp.ConfirmChannel, exchange: string, key: string, body: Buffer, options: amqp.Options.Publish): Promise<void> {
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => {
        this.unconfirmed.delete(fail);
        reject(err);
      };
      this.unconfirmed.add(fail);
      try {
        ch.publish(exchange, key, body, { persistent: true, contentType: 'application/json', ...options }, (err) => {
          this.unconfirmed.delete(fail);
          if (err) reject(new BusUnavailableError(`publish not confirmed: ${String(err)}`));
          else resolve();
        });
      } catch (err) {
        fail(new BusUnavailableError(`publish failed: ${(err as Error).message}`));
      }
    });
  }

  async publish<C extends EventContract>(contract: C, payload: EventPayload<C>, opts: PublishOptions = {}): Promise<void> {
    const problem = firstError(contract.payload, payload);
    if (problem) throw new Error(`event ${contract.name} v${contract.version} does not match its contract: ${problem}`);
    const envelope: Envelope = { id: opts.id ?? randomUUID(), name: contract.name, version: contract.version, occurredAt: opts.occurredAt ?? new Date().toISOString(), payload };
    await this.publishEnvelopes([{ envelope, requestId: opts.requestId }]);
  }

  async publishEnvelopes(items: { envelope: Envelope; requestId?: string }[]): Promise<void> {
    const ch = this.channelOrThrow();
    await Promise.all(
      items.map(({ envelope, requestId }) =>
        this.confirmPublish(ch, this.exchange, envelope.name, Buffer.from(JSON.stringify(envelope)), {
          messageId: envelope.id,
          type: envelope.name,
          headers: requestId ? { [REQUEST_ID]: requestId } : {},
        }),
      ),
    );
  }

  async subscribe(queue: string, subscriptions: Subscription[], opts: SubscribeOptions = {}): Promise<void> {
    const byName = new Map(subscriptions.map((s) => [`${s.contract.name}@${s.contract.version}`, s]));
    const policy = policyOf(opts);
    const setup = async () => {
      const conn = this.conn;
      if (!conn) return;
      const ch = await conn.createConfirmChannel();
      ch.on('error', (err: Error) => this.log.warn({ err: err.message, queue }, 'consumer channel error'));
      await this.declareConsumerQueue(ch, queue, subscriptions.map((x) => x.contract), policy.park);
      await ch.prefetch(opts.prefetch ?? 32);
      await ch.consume(queue, (msg) => {
        if (msg) void this.deliver(ch, queue, msg, byName, policy);
      });
    };
    this.setups.push(setup);
    if (this.connected) await setup();
  }

  /** Parses and checks a delivery against its contract; a poison message goes to the DLQ here. */
  private async decode(ch: amqp.ConfirmChannel, queue: string, msg: amqp.ConsumeMessage, byName: Map<string, Subscription>): Promise<{ sub: Subscription; envelope: Envelope; ctx: MessageContext } | undefined> {
    const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
    let envelope: Envelope | undefined;
    let sub: Subscription | undefined;
    let reason: string | undefined;
    try {
      envelope = JSON.parse(msg.content.toString()) as Envelope;
      sub = byName.get(`${envelope.name}@${envelope.version}`);
      if (!sub) reason = `no handler for ${envelope.name} v${envelope.version}`;
      else reason = firstError(sub.contract.payload, envelope.payload);
      if (typeof envelope.id !== 'string') reason = 'envelope has no id';
    } catch {
      reason = 'body is not JSON';
    }
    if (reason || !envelope || !sub) {
      this.log.error({ queue, reason, messageId: msg.properties.messageId }, 'message fails its contract; dead-lettered');
      await this.forward(ch, `${queue}.dlq`, msg, { ...headers, 'x-death-reason': reason ?? 'invalid' }).catch(() => undefined);
      return undefined;
    }
    const requestId = typeof headers[REQUEST_ID] === 'string' ? (headers[REQUEST_ID] as string) : undefined;
    const ctx: MessageContext = {
      id: envelope.id,
      name: envelope.name,
      version: envelope.version,
      occurredAt: envelope.occurredAt,
      requestId,
      retries: Number(headers[RETRY_HEADER] ?? 0),
      parked: Number(headers[PARKED_HEADER] ?? 0),
      redelivered: msg.fields.redelivered,
    };
    return { sub, envelope, ctx };
  }

  /** A handler failed: retry later with back-off; once the retries are spent, park it or dead-letter it. */
  private async fail(ch: amqp.ConfirmChannel, queue: string, msg: amqp.ConsumeMessage, ctx: MessageContext, err: unknown, policy: FailurePolicy) {
    const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
    const log = this.log.child({ queue, messageId: ctx.id, event: ctx.name, requestId: ctx.requestId });
    const reason = (err as Error).message;
    if (err instanceof DeadLetterError) {
      log.error({ err: reason }, 'message cannot be handled; dead-lettered');
      await this.forward(ch, `${queue}.dlq`, msg, { ...headers, 'x-death-reason': reason }).catch(() => undefined);
    } else if (ctx.retries < policy.maxRetries) {
      const delay = policy.retryBaseMs * 2 ** ctx.retries;
      log.warn({ err: reason, retries: ctx.retries, delay }, 'handler failed; will retry');
      await this.forward(ch, `${queue}.retry`, msg, { ...headers, [RETRY_HEADER]: ctx.retries + 1 }, String(delay)).catch(() => undefined);
    } else if (policy.park) {
      const delay = parkDelayMs(policy.park, ctx.parked);
      log.warn({ err: reason, parked: ctx.parked + 1, nextTryInMs: delay }, 'handler failed; message parked until its next try');
      await this.forward(ch, parkQueueName(queue, delay), msg, { ...headers, [PARKED_HEADER]: ctx.parked + 1 }).catch(() => undefined);
      policy.park.onPark?.(ctx, delay);
    } else {
      log.error({ err: reason, retries: ctx.retries }, 'handler failed for good; dead-lettered');
      await this.forward(ch, `${queue}.dlq`, msg, { ...headers, 'x-death-reason': reason }).catch(() => undefined);
    }
  }

  private async deliver(ch: amqp.ConfirmChannel, queue: string, msg: amqp.ConsumeMessage, byName: Map<string, Subscription>, policy: FailurePolicy): Promise<void> {
    const decoded = await this.decode(ch, queue, msg, byName);
    if (!decoded) return;
    try {
      await decoded.sub.handler(decoded.envelope.payload, decoded.ctx);
      ch.ack(msg);
    } catch (err) {
      await this.fail(ch, queue, msg, decoded.ctx, err, policy);
    }
  }

  private async declareConsumerQueue(ch: amqp.ConfirmChannel, queue: string, contracts: EventContract[], park?: ParkOptions) {
    await ch.assertExchange(this.exchange, 'topic', { durable: true });
    await ch.assertQueue(queue, { durable: true });
    await ch.assertQueue(`${queue}.retry`, { durable: true, arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queue } });
    await ch.assertQueue(`${queue}.dlq`, { durable: true });
    if (park) {
      const names: string[] = [];
      for (const ms of parkLevels(park)) {
        names.push(parkQueueName(queue, ms));
        await ch.assertQueue(parkQueueName(queue, ms), { durable: true, arguments: { 'x-message-ttl': ms, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queue } });
      }
      this.parking.set(queue, names);
    }
    for (const c of contracts) await ch.bindQueue(queue, this.exchange, c.name);
  }

  async subscribeBatch(queue: string, contracts: EventContract[], handler: BatchHandler, opts: BatchOptions = {}): Promise<void> {
    const byName = new Map(contracts.map((c) => [`${c.name}@${c.version}`, { contract: c, handler: async () => undefined } as Subscription]));
    const policy = policyOf(opts);
    const maxBatch = opts.maxBatch ?? 200;
    const maxWaitMs = opts.maxWaitMs ?? 20;
    const setup = async () => {
      const conn = this.conn;
      if (!conn) return;
      const ch = await conn.createConfirmChannel();
      ch.on('error', (err: Error) => this.log.warn({ err: err.message, queue }, 'consumer channel error'));
      await this.declareConsumerQueue(ch, queue, contracts, policy.park);
      await ch.prefetch(opts.prefetch ?? maxBatch * 2);
      let buffer: { msg: amqp.ConsumeMessage; item: BatchItem }[] = [];
      let timer: NodeJS.Timeout | undefined;
      let chain = Promise.resolve();
      const flush = () => {
        clearTimeout(timer);
        timer = undefined;
        if (buffer.length === 0) return;
        const batch = buffer;
        buffer = [];
        chain = chain.then(() => this.runBatch(ch, queue, batch, handler, policy));
      };
      await ch.consume(queue, (msg) => {
        if (!msg) return;
        void this.decode(ch, queue, msg, byName).then((d) => {
          if (!d) return;
          buffer.push({ msg, item: { contract: d.sub.contract, payload: d.envelope.payload as never, ctx: d.ctx } });
          if (buffer.length >= maxBatch) flush();
          else timer ??= setTimeout(flush, maxWaitMs);
        });
      });
    };
    this.setups.push(setup);
    if (this.connected) await setup();
  }

  private async runBatch(ch: amqp.ConfirmChannel, queue: string, batch: { msg: amqp.ConsumeMessage; item: BatchItem }[], handler: BatchHandler, policy: FailurePolicy) {
    try {
      await handler(batch.map((b) => b.item));
      for (const b of batch) ch.ack(b.msg);
      return;
    } catch (err) {
      if (batch.length === 1) {
        await this.fail(ch, queue, batch[0].msg, batch[0].item.ctx, err, policy);
        return;
      }
      this.log.warn({ queue, err: (err as Error).message, size: batch.length }, 'batch failed; retrying its messages one by one');
    }
    for (const b of batch) {
      try {
        await handler([b.item]);
        ch.ack(b.msg);
      } catch (err) {
        await this.fail(ch, queue, b.msg, b.item.ctx, err, policy);
      }
    }
  }

  /** Moves a message to another queue: confirmed copy first, then the ack, so it is never lost. */
  private async forward(ch: amqp.ConfirmChannel, target: string, msg: amqp.ConsumeMessage, headers: Record<string, unknown>, expiration?: string) {
    try {
      await new Promise<void>((resolve, reject) =>
        ch.sendToQueue(target, msg.content, { ...msg.properties, headers, persistent: true, ...(expiration ? { expiration } : { expiration: undefined }) }, (err) => (err ? reject(err) : resolve())),
      );
      ch.ack(msg);
    } catch {
      // the channel is gone: the unacked message comes back by itself
    }
  }

  async parkedCount(queue: string): Promise<number> {
    const names = this.parking.get(queue) ?? [];
    if (names.length === 0) return 0;
    if (!this.connected || !this.conn) throw new BusUnavailableError();
    const ch = await this.conn.createChannel();
    ch.on('error', () => undefined);
    try {
      let n = 0;
      for (const name of names) n += (await ch.checkQueue(name)).messageCount;
      return n;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  async request<C extends RpcContract>(contract: C, payload: RpcRequest<C>, opts: RequestOptions = {}): Promise<RpcResponse<C>> {
    const ch = this.rpcChannel;
    if (!this.connected || !ch) throw new BusUnavailableError();
    const timeoutMs = opts.timeoutMs ?? this.opts.defaultRpcTimeoutMs ?? 5000;
    const correlationId = randomUUID();
    return new Promise<RpcResponse<C>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new RpcTimeoutError(contract.name, timeoutMs));
      }, timeoutMs);
      this.pending.set(correlationId, { resolve: resolve as (v: unknown) => void, reject, timer });
      ch.sendToQueue(`rpc.${contract.name}.v${contract.version}`, Buffer.from(JSON.stringify(payload)), {
        correlationId,
        replyTo: 'amq.rabbitmq.reply-to',
        expiration: String(timeoutMs),
        contentType: 'application/json',
        headers: opts.requestId ? { [REQUEST_ID]: opts.requestId } : {},
      });
    });
  }

  async respond<C extends RpcContract>(contract: C, handler: RpcHandler<C>, opts: { prefetch?: number } = {}): Promise<void> {
    const queue = `rpc.${contract.name}.v${contract.version}`;
    const setup = async () => {
      const conn = this.conn;
      if (!conn) return;
      const ch = await conn.createChannel();
      ch.on('error', (err: Error) => this.log.warn({ err: err.message, queue }, 'responder channel error'));
      await ch.assertQueue(queue, { durable: false });
      await ch.prefetch(opts.prefetch ?? 64);
      await ch.consume(queue, (msg) => {
        if (!msg) return;
        void (async () => {
          const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
          const requestId = typeof headers[REQUEST_ID] === 'string' ? (headers[REQUEST_ID] as string) : undefined;
          let reply: RpcReply;
          try {
            const request = JSON.parse(msg.content.toString()) as unknown;
            const problem = firstError(contract.request, request);
            if (problem) throw new AppError('RPC_INVALID_REQUEST', 400, `${contract.name}: ${problem}`);
            const result = await handler(request as RpcRequest<C>, { requestId });
            reply = { ok: true, result };
          } catch (err) {
            if (err instanceof AppError) reply = { ok: false, error: { code: err.code, status: err.status, message: err.message } };
            else {
              this.log.error({ err, rpc: contract.name, requestId }, 'rpc handler failed');
              reply = { ok: false, error: { code: 'INTERNAL_ERROR', status: 500, message: 'RPC handler failed' } };
            }
          }
          try {
            if (msg.properties.replyTo) ch.sendToQueue(msg.properties.replyTo as string, Buffer.from(JSON.stringify(reply)), { correlationId: msg.properties.correlationId as string });
            ch.ack(msg);
          } catch {
            // channel closed meanwhile; the caller times out
          }
        })();
      });
    };
    this.setups.push(setup);
    if (this.connected) await setup();
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new BusUnavailableError('bus closed'));
    }
    this.pending.clear();
    this.connected = false;
    await this.conn?.close().catch(() => undefined);
  }
}
