import { randomUUID } from 'node:crypto';
import * as amqp from 'amqplib';
import { AppError, type Envelope, type EventContract, type EventPayload, type RpcContract, type RpcRequest, type RpcResponse } from '@autocall/contracts';
import type { Logger } from '@autocall/logger';
import {
  BusUnavailableError,
  EVENTS_EXCHANGE,
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
const REQUEST_ID = 'x-request-id';

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
    const maxRetries = opts.maxRetries ?? 5;
    const retryBaseMs = opts.retryBaseMs ?? 500;
    const setup = async () => {
      const conn = this.conn;
      if (!conn) return;
      const ch = await conn.createConfirmChannel();
      ch.on('error', (err: Error) => this.log.warn({ err: err.message, queue }, 'consumer channel error'));
      await this.declareConsumerQueue(ch, queue, subscriptions.map((x) => x.contract));
      await ch.prefetch(opts.prefetch ?? 32);
      await ch.consume(queue, (msg) => {
        if (msg) void this.deliver(ch, queue, msg, byName, maxRetries, retryBaseMs);
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
      redelivered: msg.fields.redelivered,
    };
    return { sub, envelope, ctx };
  }

  /** A handler failed: retry later with back-off, or dead-letter once the retries are spent. */
  private async fail(ch: amqp.ConfirmChannel, queue: string, msg: amqp.ConsumeMessage, ctx: MessageContext, err: unknown, maxRetries: number, retryBaseMs: number) {
    const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
    const log = this.log.child({ queue, messageId: ctx.id, event: ctx.name, requestId: ctx.requestId });
    if (ctx.retries >= maxRetries) {
      log.error({ err: (err as Error).message, retries: ctx.retries }, 'handler failed for good; dead-lettered');
      await this.forward(ch, `${queue}.dlq`, msg, { ...headers, 'x-death-reason': (err as Error).message }).catch(() => undefined);
    } else {
      const delay = retryBaseMs * 2 ** ctx.retries;
      log.warn({ err: (err as Error).message, retries: ctx.retries, delay }, 'handler failed; will retry');
      await this.forward(ch, `${queue}.retry`, msg, { ...headers, [RETRY_HEADER]: ctx.retries + 1 }, String(delay)).catch(() => undefined);
    }
  }

  private async deliver(ch: amqp.ConfirmChannel, queue: string, msg: amqp.ConsumeMessage, byName: Map<string, Subscription>, maxRetries: number, retryBaseMs: number): Promise<void> {
    const decoded = await this.decode(ch, queue, msg, byName);
    if (!decoded) return;
    try {
      await decoded.sub.handler(decoded.envelope.payload, decoded.ctx);
      ch.ack(msg);
    } catch (err) {
      await this.fail(ch, queue, msg, decoded.ctx, err, maxRetries, retryBaseMs);
    }
  }

  private async declareConsumerQueue(ch: amqp.ConfirmChannel, queue: string, contracts: EventContract[]) {
    await ch.assertExchange(this.exchange, 'topic', { durable: true });
    await ch.assertQueue(queue, { durable: true });
    await ch.assertQueue(`${queue}.retry`, { durable: true, arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queue } });
    await ch.assertQueue(`${queue}.dlq`, { durable: true });
    for (const c of contracts) await ch.bindQueue(queue, this.exchange, c.name);
  }

  async subscribeBatch(queue: string, contracts: EventContract[], handler: BatchHandler, opts: BatchOptions = {}): Promise<void> {
    const byName = new Map(contracts.map((c) => [`${c.name}@${c.version}`, { contract: c, handler: async () => undefined } as Subscription]));
    const maxRetries = opts.maxRetries ?? 5;
    const retryBaseMs = opts.retryBaseMs ?? 500;
    const maxBatch = opts.maxBatch ?? 200;
    const maxWaitMs = opts.maxWaitMs ?? 20;
    const setup = async () => {
      const conn = this.conn;
      if (!conn) return;
      const ch = await conn.createConfirmChannel();
      ch.on('error', (err: Error) => this.log.warn({ err: err.message, queue }, 'consumer channel error'));
      await this.declareConsumerQueue(ch, queue, contracts);
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
        chain = chain.then(() => this.runBatch(ch, queue, batch, handler, maxRetries, retryBaseMs));
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

  private async runBatch(ch: amqp.ConfirmChannel, queue: string, batch: { msg: amqp.ConsumeMessage; item: BatchItem }[], handler: BatchHandler, maxRetries: number, retryBaseMs: number) {
    try {
      await handler(batch.map((b) => b.item));
      for (const b of batch) ch.ack(b.msg);
      return;
    } catch (err) {
      if (batch.length === 1) {
        await this.fail(ch, queue, batch[0].msg, batch[0].item.ctx, err, maxRetries, retryBaseMs);
        return;
      }
      this.log.warn({ queue, err: (err as Error).message, size: batch.length }, 'batch failed; retrying its messages one by one');
    }
    for (const b of batch) {
      try {
        await handler([b.item]);
        ch.ack(b.msg);
      } catch (err) {
        await this.fail(ch, queue, b.msg, b.item.ctx, err, maxRetries, retryBaseMs);
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
