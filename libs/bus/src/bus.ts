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
  redelivered: boolean;
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
  /** How long a partial batch waits for more messages. */
  maxWaitMs?: number;
}

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
  isConnected(): boolean;
  close(): Promise<void>;
}
