import { randomUUID } from 'node:crypto';
import * as amqp from 'amqplib';
import type { Envelope, EventContract, EventPayload, RpcContract, RpcRequest, RpcResponse } from '@autocall/contracts';
import type { Logger } from '@autocall/logger';
import {
  BROADCAST_TOPIC,
  BusUnavailableError,
  EVENTS_EXCHANGE,
  type BroadcastHandler,
  parkLevels,
  policyOf,
  type FailurePolicy,
  type ParkOptions,
  RpcTimeoutError,
  type BatchHandler,
  type BatchOptions,
  type Bus,
  type MessageContext,
  type PublishOptions,
  type RequestOptions,
  type RpcHandler,
  type SubscribeOptions,
  type Subscription,
} from './bus';
import {
  answerRpc,
  contextOf,
  contractsByKey,
  decodeEnvelope,
  deliverBatch,
  envelopeOf,
  handleFailure,
  parkedOf,
  parseBody,
  PARKED_HEADER,
  REQUEST_ID_HEADER as REQUEST_ID,
  requestIdOf,
  resultOf,
  RETRY_HEADER,
  subscriptionsByKey,
  type Delivery,
  type RpcReply,
} from './delivery';

export interface RabbitBusOptions {
  url: string;
  /** Service name: shows in the connection name and the logs. */
  service: string;
  logger: Logger;
  exchange?: string;
  defaultRpcTimeoutMs?: number;
}


/** The parking queue of one wait: a queue-wide TTL (so first in is first out) dead-lettering back to the consumer queue. */
export const parkQueueName = (queue: string, ms: number) => `${queue}.park.${ms}`;

/**
 * RabbitMQ transport: confirmed publishes, manual-ack consumers with bounded retries (a per-queue
 * delay queue) and a dead-letter queue, RPC over direct reply-to, and reconnection that re-declares
 * the topology and re-attaches every consumer and responder.
 */
/** Broadcasts waiting for one process before the oldest are dropped. */
const BROADCAST_BACKLOG = 10_000;

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
  private readonly broadcastExchange: string;
  private readonly log: Logger;
  /** Publishes waiting for their confirm: failed at once when the connection goes. */
  private readonly unconfirmed = new Set<(err: Error) => void>();
  /** The parking queues of each consumer queue that parks. */
  private readonly parking = new Map<string, string[]>();

  private constructor(private readonly opts: RabbitBusOptions) {
    this.exchange = opts.exchange ?? EVENTS_EXCHANGE;
    this.broadcastExchange = `${this.exchange}.broadcast`;
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
    // broadcasts are never stored: neither is their exchange (each connection declares it again)
    await pub.assertExchange(this.broadcastExchange, 'direct', { durable: false });
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
      p.resolve(resultOf(JSON.parse(msg.content.toString()) as RpcReply));
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
    await this.publishEnvelopes([{ envelope: envelopeOf(contract, payload, opts), requestId: opts.requestId }]);
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

  /** Up to 1 MiB: a hint, not a payload store (RabbitMQ itself takes far more). */
  readonly broadcastMaxBytes = 1 << 20;

  broadcast(topic: string, body: string): void {
    const ch = this.pub;
    if (!ch || !this.connected || !BROADCAST_TOPIC.test(topic) || Buffer.byteLength(body) > this.broadcastMaxBytes) return;
    try {
      // not confirmed: nobody waits for a hint (the callback only keeps a confirm channel content)
      ch.publish(this.broadcastExchange, topic, Buffer.from(body), { persistent: false, contentType: 'application/json' }, () => undefined);
    } catch (err) {
      this.log.debug({ err: (err as Error).message, topic }, 'broadcast not sent');
    }
  }

  /**
   * A server-named queue of this connection only (exclusive: it goes with the connection), bound to
   * the topic; at most BROADCAST_BACKLOG messages wait in it (the oldest are dropped first), so a
   * process that stalls cannot fill the broker.
   */
  async onBroadcast(topic: string, handler: BroadcastHandler, onResume?: () => void): Promise<void> {
    if (!BROADCAST_TOPIC.test(topic)) throw new Error(`not a broadcast topic: ${topic}`);
    const setup = async () => {
      const conn = this.conn;
      if (!conn) return;
      const ch = await conn.createChannel();
      ch.on('error', (err: Error) => this.log.warn({ err: err.message, topic }, 'broadcast channel error'));
      const q = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false, arguments: { 'x-max-length': BROADCAST_BACKLOG, 'x-overflow': 'drop-head' } });
      await ch.bindQueue(q.queue, this.broadcastExchange, topic);
      await ch.consume(
        q.queue,
        (msg) => {
          if (!msg) return;
          try {
            handler(msg.content.toString('utf8'));
          } catch (err) {
            this.log.warn({ err: (err as Error).message, topic }, 'broadcast handler failed');
          }
        },
        { noAck: true },
      );
      onResume?.();
    };
    this.setups.push(setup);
    if (this.connected) await setup();
  }

  async subscribe(queue: string, subscriptions: Subscription[], opts: SubscribeOptions = {}): Promise<void> {
    const byName = subscriptionsByKey(subscriptions);
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
    const decoded = decodeEnvelope(parseBody(msg.content), byName);
    if (!decoded.ok) {
      this.log.error({ queue, reason: decoded.reason, messageId: msg.properties.messageId }, 'message fails its contract; dead-lettered');
      await this.forward(ch, `${queue}.dlq`, msg, { ...headers, 'x-death-reason': decoded.reason }).catch(() => undefined);
      return undefined;
    }
    const ctx = contextOf(decoded.envelope, { requestId: requestIdOf(headers), retries: Number(headers[RETRY_HEADER] ?? 0), parked: parkedOf(headers), redelivered: msg.fields.redelivered });
    return { sub: decoded.sub, envelope: decoded.envelope, ctx };
  }

  /** A handler failed: retry later with back-off; once the retries are spent, park it or dead-letter it. */
  private fail(ch: amqp.ConfirmChannel, queue: string, msg: amqp.ConsumeMessage, ctx: MessageContext, err: unknown, policy: FailurePolicy): Promise<void> {
    const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
    const log = this.log.child({ queue, messageId: ctx.id, event: ctx.name, requestId: ctx.requestId });
    return handleFailure(log, ctx, err, policy, {
      deadLetter: (reason) => this.forward(ch, `${queue}.dlq`, msg, { ...headers, 'x-death-reason': reason }).catch(() => undefined),
      retry: (delayMs, retries) => this.forward(ch, `${queue}.retry`, msg, { ...headers, [RETRY_HEADER]: retries }, String(delayMs)).catch(() => undefined),
      park: (delayMs, parked) => this.forward(ch, parkQueueName(queue, delayMs), msg, { ...headers, [PARKED_HEADER]: parked }).catch(() => undefined),
    });
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
    const byName = contractsByKey(contracts);
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
      let buffer: Delivery<amqp.ConsumeMessage>[] = [];
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
      // maxWaitMs 0 (group commit): the next batch is taken when the running one ends, from
      // whatever arrived meanwhile (after the messages of one socket read are all decoded)
      let taking = false;
      const takeWhenFree = () => {
        if (taking) return;
        taking = true;
        setImmediate(() => {
          chain = chain.then(() => {
            taking = false;
            const batch = buffer.splice(0, maxBatch);
            if (buffer.length > 0) takeWhenFree();
            return batch.length > 0 ? this.runBatch(ch, queue, batch, handler, policy) : undefined;
          });
        });
      };
      await ch.consume(queue, (msg) => {
        if (!msg) return;
        void this.decode(ch, queue, msg, byName).then((d) => {
          if (!d) return;
          buffer.push({ msg, item: { contract: d.sub.contract, payload: d.envelope.payload as never, ctx: d.ctx } });
          if (maxWaitMs === 0) takeWhenFree();
          else if (buffer.length >= maxBatch) flush();
          else timer ??= setTimeout(flush, maxWaitMs);
        });
      });
    };
    this.setups.push(setup);
    if (this.connected) await setup();
  }

  private runBatch(ch: amqp.ConfirmChannel, queue: string, batch: Delivery<amqp.ConsumeMessage>[], handler: BatchHandler, policy: FailurePolicy): Promise<void> {
    return deliverBatch(this.log.child({ queue }), batch, handler, {
      ack: (msgs) => {
        for (const m of msgs) ch.ack(m);
      },
      fail: (d, err) => this.fail(ch, queue, d.msg, d.item.ctx, err, policy),
    });
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
          const requestId = requestIdOf(msg.properties.headers as Record<string, unknown> | undefined);
          const request = parseBody(msg.content);
          const reply = await answerRpc(this.log, contract, handler, request, requestId);
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
