import type { DataSource, EntityManager } from 'typeorm';
import { isUuid, SmsStatusChanged, type DeliveryCallback } from '@autocall/contracts';
import type { Static } from '@sinclair/typebox';
import { outboxInsert, type OutboxRelay } from '@autocall/bus';
import type { Logger } from '@autocall/logger';
import { WorkLoop, type TurnResult } from '@autocall/work-loop';
import { receiptRepository, type NewReceipt } from '../data/receipt.repository';
import type { MessageRow } from '../data/message.repository';
import { deliveryState, simulatedReceipt } from '../domain/reply';
import { statusEvent } from './message.view';

/**
 * Applies the kept receipts of these messages where they are `sent` (a message still `queued` keeps
 * its receipts until its send settles, which calls this again): `undelivered` if any part is,
 * `delivered` when every part is. Returns the messages whose state changed. With `publish`, their
 * `sms.status` events are written in the same statement as the change (else the caller writes them).
 */
export async function applyReceipts(m: EntityManager, messageIds: string[], publish?: { requestId?: string }): Promise<MessageRow[]> {
  const found = await receiptRepository.sentWithReceipts(m, messageIds);
  const settle = found.flatMap(({ message, receipts }) => {
    const state = deliveryState(receipts, message.segments);
    if (!state) return [];
    const deciding = receipts.filter((r) => r.status === state);
    const last = deciding[deciding.length - 1];
    return [{ message, id: message.id, status: state, at: last.at, error: state === 'undelivered' ? (deciding.find((r) => r.error_code)?.error_code ?? null) : null }];
  });
  if (!publish) return receiptRepository.settle(m, settle);
  // the rows as the UPDATE leaves them: the messages are locked and `sent`, so each one changes
  const changed = settle.map((s): MessageRow => ({ ...s.message, status: s.status, delivered_at: s.status === 'delivered' ? s.at : null, delivery_error: s.error }));
  await receiptRepository.settleWithEvents(m, settle, outboxInsert(SmsStatusChanged, changed.map(statusEvent), publish.requestId, 5));
  return changed;
}

/**
 * Receipt transactions open at once. One: a batch then gathers every receipt that arrived while the
 * one before it ran (bench:sms-callbacks: 2 or 4 open made batches smaller and each receipt cost more
 * CPU, for no more receipts per second).
 */
const RECEIPT_TRANSACTIONS = 1;

export type DeliveryBody = Static<typeof DeliveryCallback>;

/** Delivery receipts: from a provider's callback, or the simulated provider's own. Stored before the 204. */
export class ReceiptService {
  constructor(
    private readonly db: DataSource,
    private readonly relay: OutboxRelay,
    private readonly logger: Logger,
  ) {}

  /** One receipt of the tenant (its callback token said whose): kept, and applied if its message has settled. */
  async receive(tenantId: string, body: DeliveryBody, requestId?: string): Promise<void> {
    if (!isUuid(body.messageId)) {
      this.logger.info({ tenantId }, 'delivery receipt for a message id that is not ours; ignored');
      return;
    }
    const part = body.part !== undefined && (body.parts ?? 2) > 1 ? body.part : 0;
    await this.batched({ tenantId, messageId: body.messageId, part, status: body.status, errorCode: body.errorCode ?? null, reportedAt: body.at ?? null }, requestId);
  }

  private waiting: { receipt: NewReceipt; requestId?: string; done: (err?: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;

  /**
   * Receipts that arrive together (a provider posting many at once) share one transaction: each
   * caller is answered when the commit that holds its receipt is done (so a 204 still means
   * stored). Up to RECEIPT_TRANSACTIONS such batches are open at once; a batch takes what arrived
   * meanwhile (at most 500). Should a
   * shared commit fail, each of its receipts is tried on its own, so one cannot sink the rest.
   */
  private batched(receipt: NewReceipt, requestId?: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ receipt, requestId, done: (err) => (err ? reject(err as Error) : resolve()) });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.waiting.length === 0 || this.inFlight >= RECEIPT_TRANSACTIONS) return;
    this.scheduled = true;
    // on the next turn of the loop: receipts whose requests were parsed in this one join the batch
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.waiting.length === 0 || this.inFlight >= RECEIPT_TRANSACTIONS) return;
    const batch = this.waiting.splice(0, 500);
    this.inFlight++;
    this.schedule(); // more than one batch waiting: the next one need not wait for this one
    try {
      await this.record(batch.map((w) => w.receipt), batch.length === 1 ? batch[0].requestId : undefined);
      for (const w of batch) w.done();
    } catch (err) {
      if (batch.length === 1) batch[0].done(err);
      else {
        for (const w of batch) {
          await this.record([w.receipt], w.requestId).then(
            () => w.done(),
            (e: unknown) => w.done(e),
          );
        }
      }
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }

  private async record(receipts: NewReceipt[], requestId?: string, m?: EntityManager): Promise<void> {
    const run = async (tx: EntityManager) => {
      const { fresh, foreign } = await receiptRepository.lockAndInsert(tx, receipts);
      if (foreign > 0) this.logger.info({ receipts: foreign }, 'delivery receipt for a message that is not this tenant\'s; ignored');
      const changed = await applyReceipts(tx, fresh, { requestId });
      return changed.length;
    };
    const changed = m ? await run(m) : await this.db.transaction(run);
    if (changed > 0) this.relay.nudge();
  }

  /** The simulated provider's receipts, reported `dlrMs` after each send: a loop (replicas share it by row locks). */
  simulatedReceipts(dlrMs: number): WorkLoop {
    return new WorkLoop({
      name: 'simulated delivery receipts',
      logger: this.logger,
      intervalMs: Math.max(50, Math.min(500, Math.floor(dlrMs / 2) || 50)),
      turn: async (): Promise<TurnResult> => {
        const n = await this.db.transaction(async (m) => {
          const due = await receiptRepository.takeSimulatedDue(m, dlrMs, 500);
          await this.record(due.map((d) => ({ tenantId: d.tenant_id, messageId: d.message_id, part: 0, status: simulatedReceipt(d.phone), errorCode: simulatedReceipt(d.phone) === 'undelivered' ? 'SIM_UNREACHABLE' : null, reportedAt: null })), undefined, m);
          return due.length;
        });
        return n === 500 ? 'again' : undefined;
      },
    });
  }
}
