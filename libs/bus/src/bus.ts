import type { Envelope, EventContract, EventPayload, RpcContract, RpcRequest, RpcResponse } from '@autocall/contracts';

export const EVENTS_EXCHANGE = 'autocall.events';

/** Raised when an RPC gets no answer within its timeout; the HTTP layer maps it to 503. */
export class RpcTimeoutError extends Error {
  readonly code = 'DEPENDENCY_UNAVAILABLE';
  constructor(readonly rpc: string, readonly timeoutMs: number) {
    super(`RPC ${rpc} got no answer within ${timeoutMs} ms`);
    this.name = 'RpcTimeoutError';
  }
}

/** Raised when the broker is not connected; callers retry later (the outbox relay) or answer 503. */
export class BusUnavailableError extends Error {
  readonly code = 'DEPENDENCY_UNAVAILABLE';
  constructor(message = 'message bus is not connected') {
    super(message);
    this.name = 'BusUnavailableError';
  }
}

export interface MessageContext {
  id: string;
  name: string;
  version: number;
  /** When the event happened (its publisher's clock): consumers order snapshots by it. */
  occurredAt?: string;
  requestId?: string;
  /** 0 on the first delivery, then the number of retries so far. */
  retries: number;
  /** How many times it was parked so far (see SubscribeOptions.park). */
  parked: number;
  redelivered: boolean;
}

/**
 * Thrown by a handler for a message that can never be handled (valid by its contract, but
 * meaningless here): it goes to the dead-letter queue at once, without retries or parking.
 */
export class DeadLetterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeadLetterError';
  }
}

export type EventHandler<C extends EventContract = EventContract> = (payload: EventPayload<C>, ctx: MessageContext) => Promise<void>;

export interface Subscription {
  contract: EventContract;
  handler: EventHandler<any>;
}

/** Pairs a contract with its handler, typed. */
export const on = <C extends EventContract>(contract: C, handler: EventHandler<C>): Subscription => ({ contract, handler });

export interface SubscribeOptions {
  /** Unacknowledged messages in flight per consumer. */
  prefetch?: number;
  /** Attempts after the first before a message goes to the dead-letter queue. */
  maxRetries?: number;
  /** First retry delay; doubles each retry. */
  retryBaseMs?: number;
  /**
   * Once the retries are spent, park the message instead of dead-lettering it: it waits durably
   * in the broker (the original message and headers kept) and is tried again after `baseMs`,
   * doubling up to `maxMs`, without limit. For messages that must wait as long as it takes (a
   * dependency down for hours); a message that fails its contract is still dead-lettered at once.
   */
  park?: ParkOptions;
}

export interface ParkOptions {
  baseMs: number;
  maxMs: number;
  /** Called each time a message is parked (metrics). */
  onPark?: (ctx: MessageContext, delayMs: number) => void;
}

/** What a transport does when a handler fails: quick retries, then the dead-letter queue or parking. */
export interface FailurePolicy {
  maxRetries: number;
  retryBaseMs: number;
  park?: ParkOptions;
}

export const policyOf = (opts: SubscribeOptions): FailurePolicy => ({ maxRetries: opts.maxRetries ?? 5, retryBaseMs: opts.retryBaseMs ?? 500, park: opts.park });

/** The wait before try `parked + 1` of a parked message: base · 2^parked, capped. */
export function parkDelayMs(park: ParkOptions, parked: number): number {
  return Math.min(park.baseMs * 2 ** Math.min(parked, 30), park.maxMs);
}

/** The distinct waits a parked message can get (one RabbitMQ parking queue each). */
export function parkLevels(park: ParkOptions): number[] {
  const levels: number[] = [];
  for (let n = 0; ; n++) {
    const ms = parkDelayMs(park, n);
    if (!levels.includes(ms)) levels.push(ms);
    if (ms >= park.maxMs) return levels;
  }
}

/** One message of a batch: its contract, payload and context. */
export interface BatchItem<C extends EventContract = EventContract> {
  contract: C;
  payload: EventPayload<C>;
  ctx: MessageContext;
}

export type BatchHandler = (items: BatchItem[]) => Promise<void>;

export interface BatchOptions extends SubscribeOptions {
  /** Most messages handed to the handler at once. */
  maxBatch?: number;
  /**
   * How long a partial batch waits for more messages. 0: none — a batch is what arrived while the
   * one before it ran (group commit: one message alone at a quiet time, large batches under load).
   */
  maxWaitMs?: number;
}

export type BroadcastHandler = (body: string) => void;

/** Topic names a broadcast may use (a routing key and a NOTIFY payload prefix alike). */
export const BROADCAST_TOPIC = /^[a-z0-9][a-z0-9._-]{0,99}$/;

export interface RequestOptions {
  timeoutMs?: number;
  requestId?: string;
}

export interface PublishOptions {
  id?: string;
  requestId?: string;
  occurredAt?: string;
}

export type RpcHandler<C extends RpcContract = RpcContract> = (request: RpcRequest<C>, ctx: { requestId?: string }) => Promise<RpcResponse<C>>;

/**
 * The platform's message bus. RabbitBus implements it over RabbitMQ; an in-process transport can
 * implement the same contract. Services depend on this interface only.
 */
export interface Bus {
  /** Publishes one event and resolves once the broker confirmed it. */
  publish<C extends EventContract>(contract: C, payload: EventPayload<C>, opts?: PublishOptions): Promise<void>;
  /** Publishes already-built envelopes (the outbox relay) and resolves once all are confirmed. */
  publishEnvelopes(items: { envelope: Envelope; requestId?: string }[]): Promise<void>;
  /** Declares a durable queue bound to the subscriptions' event names and consumes it. */
  subscribe(queue: string, subscriptions: Subscription[], opts?: SubscribeOptions): Promise<void>;
  /**
   * Like subscribe, but hands the handler many messages at once (one transaction for a batch is
   * what makes high-volume consumers fast). If a batch fails, its messages are retried one by one,
   * so one poison message does not take its neighbours to the dead-letter queue.
   */
  subscribeBatch(queue: string, contracts: EventContract[], handler: BatchHandler, opts?: BatchOptions): Promise<void>;
  request<C extends RpcContract>(contract: C, payload: RpcRequest<C>, opts?: RequestOptions): Promise<RpcResponse<C>>;
  respond<C extends RpcContract>(contract: C, handler: RpcHandler<C>, opts?: { prefetch?: number }): Promise<void>;
  /**
   * Best-effort fan-out through the broker: `body` reaches the handlers that every process
   * connected at the time registered with onBroadcast(topic) — every replica, not only this one
   * (RabbitMQ: non-persistent messages to one exclusive, bounded queue per process; in-process
   * transport: NOTIFY). Never stored, retried or acknowledged: a process that was disconnected
   * misses what went meanwhile and is told through onBroadcast's `onResume`. For hints whose loss
   * the receiver detects and repairs (sequence numbers and a read from the store, say); a body
   * over `broadcastMaxBytes` (UTF-8) is not sent: the caller sends less.
   */
  broadcast(topic: string, body: string): void;
  /** The largest broadcast body the transport carries. */
  readonly broadcastMaxBytes: number;
  /** Receives the topic's broadcasts; `onResume` runs whenever broadcasts may have been missed (after each (re)connection). */
  onBroadcast(topic: string, handler: BroadcastHandler, onResume?: () => void): Promise<void>;
  /** Messages of a consumer queue parked now, waiting for their next try (metrics). */
  parkedCount(queue: string): Promise<number>;
  isConnected(): boolean;
  close(): Promise<void>;
}
