import { Type } from '@sinclair/typebox';
import { AppError, defineEvent, defineRpc } from '@autocall/contracts';
import { createLogger } from '@autocall/logger';
import { answerRpc, contextOf, decodeEnvelope, deliverBatch, envelopeOf, failureAction, NOT_JSON, on, parseBody, resultOf, subscriptionsByKey, DeadLetterError, type BatchItem, type Delivery } from '../src';

/** The delivery policy's pure parts, without a transport (bus.test.ts runs them through both). */
const logger = createLogger('delivery-test', 'silent');
const Ping = defineEvent('deliverytest.ping', 1, Type.Object({ n: Type.Integer() }));
const Echo = defineRpc('deliverytest.echo', 1, Type.Object({ text: Type.String() }), Type.Object({ text: Type.String() }));
const byKey = subscriptionsByKey([on(Ping, async () => undefined)]);
const id = '0192f0c0-0000-7000-8000-000000000001';

describe('envelopeOf', () => {
  it('when the payload fits its contract, then it is wrapped with an id, name, version and time', () => {
    const e = envelopeOf(Ping, { n: 1 }, { id, occurredAt: '2026-01-01T00:00:00.000Z' });
    expect(e).toEqual({ id, name: 'deliverytest.ping', version: 1, occurredAt: '2026-01-01T00:00:00.000Z', payload: { n: 1 } });
  });
  it('when it does not, then publishing throws', () => {
    expect(() => envelopeOf(Ping, { n: 'x' } as never)).toThrow(/does not match its contract/);
  });
});

describe('decodeEnvelope: poison reasons', () => {
  it.each([
    ['a body that is not JSON', NOT_JSON, 'body is not JSON'],
    ['a JSON string', 'not json', 'envelope has no id'],
    ['an envelope without id', { name: 'deliverytest.ping', version: 1, payload: { n: 1 } }, 'envelope has no id'],
    ['an unknown name@version', { id, name: 'deliverytest.ping', version: 2, payload: { n: 1 } }, 'no handler for deliverytest.ping v2'],
    ['a payload that breaks the contract', { id, name: 'deliverytest.ping', version: 1, payload: { n: 'x' } }, expect.stringContaining('/n')],
  ])('when it gets %s, then it is poison', (_what, body, reason) => {
    expect(decodeEnvelope(body, byKey)).toEqual({ ok: false, reason });
  });
  it('when the envelope is valid, then it finds its subscription by name@version', () => {
    const d = decodeEnvelope(parseBody(Buffer.from(JSON.stringify({ id, name: 'deliverytest.ping', version: 1, payload: { n: 1 } }))), byKey);
    expect(d.ok && d.sub.contract).toBe(Ping);
  });
  it('parseBody answers NOT_JSON for bytes that do not parse', () => {
    expect(parseBody(Buffer.from('{'))).toBe(NOT_JSON);
  });
});

describe('failureAction: retry or dead-letter with back-off', () => {
  const policy = { maxRetries: 2, retryBaseMs: 100 };
  it('when retries are left, then it retries after base · 2^retries', () => {
    expect(failureAction(new Error('x'), { retries: 0, parked: 0 }, policy)).toEqual({ kind: 'retry', delayMs: 100, retries: 1 });
    expect(failureAction(new Error('x'), { retries: 1, parked: 0 }, policy)).toEqual({ kind: 'retry', delayMs: 200, retries: 2 });
  });
  it('when they are spent, then it dead-letters, or parks (doubling, capped) if the policy parks', () => {
    expect(failureAction(new Error('x'), { retries: 2, parked: 0 }, policy)).toEqual({ kind: 'dead-letter', reason: 'x', why: 'retries spent' });
    const park = { baseMs: 1000, maxMs: 3000 };
    expect(failureAction(new Error('x'), { retries: 2, parked: 0 }, { ...policy, park })).toEqual({ kind: 'park', delayMs: 1000, parked: 1 });
    expect(failureAction(new Error('x'), { retries: 2, parked: 2 }, { ...policy, park })).toEqual({ kind: 'park', delayMs: 3000, parked: 3 });
  });
  it('when the handler throws DeadLetterError, then it dead-letters at once, parking or not', () => {
    expect(failureAction(new DeadLetterError('meaningless'), { retries: 0, parked: 0 }, { ...policy, park: { baseMs: 1, maxMs: 1 } })).toEqual({ kind: 'dead-letter', reason: 'meaningless', why: 'cannot be handled' });
  });
});

describe('deliverBatch: batch, then one by one', () => {
  const item = (n: number): Delivery<number> => ({ msg: n, item: { contract: Ping, payload: { n }, ctx: contextOf(envelopeOf(Ping, { n }), { retries: 0, parked: 0, redelivered: false }) } as BatchItem });
  it('when the batch succeeds, then all of it is acknowledged at once', async () => {
    const acks: number[][] = [];
    await deliverBatch(logger, [item(1), item(2)], async () => undefined, { ack: (m) => void acks.push(m), fail: async () => undefined });
    expect(acks).toEqual([[1, 2]]);
  });
  it('when the batch fails, then each message is tried alone and only the failing one fails', async () => {
    const acks: number[][] = [];
    const failed: number[] = [];
    const handler = async (items: BatchItem[]) => {
      if (items.some((i) => (i.payload as { n: number }).n === 2)) throw new Error('2 is poison');
    };
    await deliverBatch(logger, [item(1), item(2), item(3)], handler, { ack: (m) => void acks.push(m), fail: async (d) => void failed.push(d.msg) });
    expect(acks).toEqual([[1], [3]]);
    expect(failed).toEqual([2]);
  });
  it('when a batch of one fails, then it fails without a second try', async () => {
    const failed: number[] = [];
    let tries = 0;
    await deliverBatch(logger, [item(1)], async () => { tries++; throw new Error('x'); }, { ack: () => undefined, fail: async (d) => void failed.push(d.msg) });
    expect(tries).toBe(1);
    expect(failed).toEqual([1]);
  });
});

describe('answerRpc and resultOf: the error mapping of respond', () => {
  const echo = async (q: { text: string }) => ({ text: q.text.toUpperCase() });
  it('when the handler answers, then the caller gets the result', async () => {
    expect(resultOf(await answerRpc(logger, Echo, echo, { text: 'hi' }))).toEqual({ text: 'HI' });
  });
  it('when the request breaks the contract, then it is 400 RPC_INVALID_REQUEST', async () => {
    expect(await answerRpc(logger, Echo, echo, { text: 1 })).toEqual({ ok: false, error: { code: 'RPC_INVALID_REQUEST', status: 400, message: expect.stringContaining('deliverytest.echo: ') } });
  });
  it('when the handler throws an AppError, then the caller gets it with its code, status and message', async () => {
    const reply = await answerRpc(logger, Echo, async () => { throw new AppError('NOT_FOUND', 404, 'no such thing'); }, { text: 'x' });
    expect(() => resultOf(reply)).toThrow(expect.objectContaining({ code: 'NOT_FOUND', status: 404, message: 'no such thing' }));
  });
  it('when it throws anything else, or the request is not JSON, then it is 500 INTERNAL_ERROR and its message stays here', async () => {
    const internal = { ok: false, error: { code: 'INTERNAL_ERROR', status: 500, message: 'RPC handler failed' } };
    expect(await answerRpc(logger, Echo, async () => { throw new Error('password=secret'); }, { text: 'x' })).toEqual(internal);
    expect(await answerRpc(logger, Echo, echo, NOT_JSON)).toEqual(internal);
  });
});
