import { randomUUID } from 'node:crypto';
import { AppError, type Envelope, type EventContract, type EventPayload, type RpcContract, type RpcRequest } from '@autocall/contracts';
import type { Logger } from '@autocall/logger';
import { DeadLetterError, parkDelayMs, type BatchHandler, type BatchItem, type FailurePolicy, type MessageContext, type PublishOptions, type RpcHandler, type Subscription } from './bus';
import { firstError } from './validation';

/*
 * The delivery policy, one for both transports (RabbitBus and PgBus): what an envelope is, when a
 * message is poison, what happens when a handler fails, how a failed batch is retried, and what an
 * RPC caller gets back. The transports only move bytes and rows; every decision is made here.
 */

/** What decodeEnvelope gets for a body that does not parse. */
export const NOT_JSON: unique symbol = Symbol('not JSON');

export const REQUEST_ID_HEADER = 'x-request-id';
export const RETRY_HEADER = 'x-retries';
export const PARKED_HEADER = 'x-parked';

/** Builds the envelope of an event, checked against its contract (a publisher's bug throws here). */
export function envelopeOf<C extends EventContract>(contract: C, payload: EventPayload<C>, opts: PublishOptions = {}): Envelope {
  const problem = firstError(contract.payload, payload);
  if (problem) throw new Error(`event ${contract.name} v${contract.version} does not match its contract: ${problem}`);
  return { id: opts.id ?? randomUUID(), name: contract.name, version: contract.version, occurredAt: opts.occurredAt ?? new Date().toISOString(), payload };
}

/** The key a subscription is found by: `name@version`. */
export const subscriptionKey = (c: { name: string; version: number }) => `${c.name}@${c.version}`;

export const subscriptionsByKey = (subscriptions: Subscription[]) => new Map(subscriptions.map((s) => [subscriptionKey(s.contract), s]));

/** For a batch consumer: one contract each, no per-message handler. */
export const contractsByKey = (contracts: EventContract[]) => subscriptionsByKey(contracts.map((contract) => ({ contract, handler: async () => undefined })));

export type Decoded = { ok: true; sub: Subscription; envelope: Envelope } | { ok: false; reason: string };

/**
 * Decides whether a body is a message this consumer can handle. Poison (a reason) when: it is not
 * JSON (`NOT_JSON`, for a transport that gets bytes), its envelope has no id, no subscription has
 * its `name@version`, or its payload fails the contract (the first error).
 */
export function decodeEnvelope(body: unknown, byKey: Map<string, Subscription>): Decoded {
  if (body === NOT_JSON) return { ok: false, reason: 'body is not JSON' };
  const envelope = body as Partial<Envelope> | null;
  if (!envelope || typeof envelope !== 'object' || typeof envelope.id !== 'string') return { ok: false, reason: 'envelope has no id' };
  const sub = byKey.get(`${String(envelope.name)}@${String(envelope.version)}`);
  if (!sub) return { ok: false, reason: `no handler for ${String(envelope.name)} v${String(envelope.version)}` };
  const problem = firstError(sub.contract.payload, envelope.payload);
  if (problem) return { ok: false, reason: problem };
  return { ok: true, sub, envelope: envelope as Envelope };
}

/** Parses a message body; NOT_JSON when it does not parse. */
export function parseBody(content: Buffer | string): unknown {
  try {
    return JSON.parse(content.toString()) as unknown;
  } catch {
    return NOT_JSON;
  }
}

export const requestIdOf = (headers: Record<string, unknown> | null | undefined): string | undefined => (typeof headers?.[REQUEST_ID_HEADER] === 'string' ? headers[REQUEST_ID_HEADER] : undefined);

export const parkedOf = (headers: Record<string, unknown> | null | undefined): number => Number(headers?.[PARKED_HEADER] ?? 0);

/** The context a handler gets, from the envelope and what the transport counted. */
export function contextOf(envelope: Envelope, trip: { requestId?: string; retries: number; parked: number; redelivered: boolean }): MessageContext {
  return { id: envelope.id, name: envelope.name, version: envelope.version, occurredAt: envelope.occurredAt, ...trip };
}

/** What a transport does with a message whose handler failed. */
export type FailureAction =
  | { kind: 'dead-letter'; reason: string; why: 'cannot be handled' | 'retries spent' }
  | { kind: 'retry'; delayMs: number; retries: number }
  | { kind: 'park'; delayMs: number; parked: number };

/**
 * A handler failed: a DeadLetterError dead-letters at once; otherwise the message is retried after
 * retryBaseMs · 2^retries until maxRetries retries are spent, then parked (if the policy parks,
 * without limit, base · 2^parked capped) or dead-lettered.
 */
export function failureAction(err: unknown, trip: { retries: number; parked: number }, policy: FailurePolicy): FailureAction {
  const reason = (err as Error)?.message ?? String(err);
  if (err instanceof DeadLetterError) return { kind: 'dead-letter', reason, why: 'cannot be handled' };
  if (trip.retries < policy.maxRetries) return { kind: 'retry', delayMs: policy.retryBaseMs * 2 ** trip.retries, retries: trip.retries + 1 };
  if (policy.park) return { kind: 'park', delayMs: parkDelayMs(policy.park, trip.parked), parked: trip.parked + 1 };
  return { kind: 'dead-letter', reason, why: 'retries spent' };
}

/** The moves a transport makes for the failure path. */
export interface FailureMoves {
  deadLetter(reason: string): Promise<void>;
  retry(delayMs: number, retries: number): Promise<void>;
  park(delayMs: number, parked: number): Promise<void>;
}

/** Decides (failureAction), logs and makes the move; calls the policy's onPark once parked. */
export async function handleFailure(log: Logger, ctx: MessageContext, err: unknown, policy: FailurePolicy, moves: FailureMoves): Promise<void> {
  const action = failureAction(err, ctx, policy);
  const reason = (err as Error)?.message ?? String(err);
  switch (action.kind) {
    case 'dead-letter':
      if (action.why === 'cannot be handled') log.error({ err: reason }, 'message cannot be handled; dead-lettered');
      else log.error({ err: reason, retries: ctx.retries }, 'handler failed for good; dead-lettered');
      return moves.deadLetter(action.reason);
    case 'retry':
      log.warn({ err: reason, retries: ctx.retries, delay: action.delayMs }, 'handler failed; will retry');
      return moves.retry(action.delayMs, action.retries);
    case 'park':
      log.warn({ err: reason, parked: action.parked, nextTryInMs: action.delayMs }, 'handler failed; message parked until its next try');
      await moves.park(action.delayMs, action.parked);
      policy.park?.onPark?.(ctx, action.delayMs);
      return;
  }
}

/** One decoded message of a batch with what the transport needs to settle it. */
export interface Delivery<M> {
  msg: M;
  item: BatchItem;
}

/**
 * Hands a batch to its handler and acknowledges all of it; if the batch fails, its messages are
 * tried again one by one, so one poison message does not take its neighbours down with it. A
 * message that fails alone goes down the failure path.
 */
export async function deliverBatch<M>(
  log: Logger,
  batch: Delivery<M>[],
  handler: BatchHandler,
  settle: { ack(msgs: M[]): Promise<void> | void; fail(d: Delivery<M>, err: unknown): Promise<void> },
): Promise<void> {
  if (batch.length === 0) return;
  try {
    await handler(batch.map((b) => b.item));
    await settle.ack(batch.map((b) => b.msg));
    return;
  } catch (err) {
    if (batch.length === 1) return settle.fail(batch[0], err);
    log.warn({ err: (err as Error).message, size: batch.length }, 'batch failed; retrying its messages one by one');
  }
  for (const b of batch) {
    try {
      await handler([b.item]);
      await settle.ack([b.msg]);
    } catch (err) {
      await settle.fail(b, err);
    }
  }
}

/** An RPC answer as it crosses the transport. */
export type RpcReply = { ok: true; result?: unknown } | { ok: false; error: { code: string; status: number; message: string } };

/**
 * Runs a responder's handler and maps the outcome to a reply: a request that fails the contract
 * is 400 RPC_INVALID_REQUEST (one that is not JSON at all is a 500, as any other failure), an AppError keeps its code, status and message, and anything else is
 * logged here and answered 500 INTERNAL_ERROR without its message (callers never see internals).
 */
export async function answerRpc<C extends RpcContract>(log: Logger, contract: C, handler: RpcHandler<C>, request: unknown, requestId?: string): Promise<RpcReply> {
  try {
    if (request === NOT_JSON) throw new Error('RPC request is not JSON');
    const problem = firstError(contract.request, request);
    if (problem) throw new AppError('RPC_INVALID_REQUEST', 400, `${contract.name}: ${problem}`);
    return { ok: true, result: await handler(request as RpcRequest<C>, { requestId }) };
  } catch (err) {
    if (err instanceof AppError) return { ok: false, error: { code: err.code, status: err.status, message: err.message } };
    log.error({ err, rpc: contract.name, requestId }, 'rpc handler failed');
    return { ok: false, error: { code: 'INTERNAL_ERROR', status: 500, message: 'RPC handler failed' } };
  }
}

/** What the caller of request() gets from a reply: the result, or the AppError it carries. */
export function resultOf(reply: Partial<RpcReply>): unknown {
  if (reply.ok) return reply.result;
  const error = (reply as { error?: { code?: string; status?: number; message?: string } }).error;
  throw new AppError(error?.code ?? 'INTERNAL_ERROR', error?.status ?? 500, error?.message ?? 'RPC failed');
}
