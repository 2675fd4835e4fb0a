import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Counter } from 'prom-client';
import { SystemActionRecorded } from '@autocall/contracts';
import { publishInTransaction, type OutboxRelay } from '@autocall/bus';
import type { Logger } from '@autocall/logger';
import { WorkLoop } from '@autocall/work-loop';
import { deliveryRepository, type ClaimedDelivery } from '../data/delivery.repository';
import { webhookRepository } from '../data/webhook.repository';
import { afterAttempt, disableReason, shareSlots, type AttemptOutcome, type WebhookSender } from '../domain/delivery';
import { signedHeaders } from '../domain/signature';

/** The most attempts one write settles. */
const SETTLE_BATCH = 500;

interface Settling {
  c: ClaimedDelivery;
  outcome: AttemptOutcome;
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface DeliveryWorkerOptions {
  /** Deliveries this replica sends at once. */
  concurrency: number;
  /** Deliveries in flight to one endpoint, across replicas. */
  perEndpoint: number;
  /** Deliveries in flight for one tenant, across replicas. */
  perTenant: number;
  leaseMs: number;
  pollMs: number;
  /** Waits before retries 1, 2, … */
  schedule: number[];
  disableAfterMs: number;
  attempts?: Counter<'result'>;
}

/**
 * Sends due deliveries. A turn claims, in one transaction, the endpoints with due deliveries and
 * room under their limit (least recently served first, locked so no other replica claims for them
 * meanwhile), shares this replica's free workers round them, and leases the deliveries (lease +
 * token). Each attempt is signed afresh with its own timestamp, posted, and settled fenced by the
 * token: a replica that died mid-send leaves a lease that lapses, and the delivery goes out again
 * with the same webhook-id. A slow endpoint holds at most `perEndpoint` workers and a tenant at most
 * `perTenant` (across replicas), whatever else waits.
 */
export class DeliveryWorker {
  private readonly loop: WorkLoop;
  private readonly inFlight = new Map<string, { token: string; abort: AbortController; done: Promise<void> }>();
  /** Attempts ended, waiting for the next write; and whether one is under way. */
  private readonly settling: Settling[] = [];
  private writing = false;

  constructor(
    private readonly db: DataSource,
    private readonly relay: OutboxRelay,
    private readonly sender: WebhookSender,
    private readonly logger: Logger,
    private readonly opts: DeliveryWorkerOptions,
  ) {
    this.loop = new WorkLoop({ name: 'webhook delivery', logger, intervalMs: opts.pollMs, turn: () => this.turn() });
  }

  start(): void {
    this.loop.start();
  }

  nudge(): void {
    this.loop.nudge();
  }

  /** Stops claiming, aborts the attempts in flight and gives their leases back (due again at once, for any replica). */
  async stop(): Promise<void> {
    await this.loop.stop();
    const open = [...this.inFlight.entries()];
    for (const [, f] of open) f.abort.abort();
    await Promise.all(open.map(([, f]) => f.done));
  }

  private async turn(): Promise<void> {
    const free = this.opts.concurrency - this.inFlight.size;
    if (free <= 0) return;
    const token = randomUUID();
    const claimed = await this.db.transaction(async (m): Promise<ClaimedDelivery[]> => {
      const endpoints = await deliveryRepository.lockDueEndpoints(m, free, this.opts.perEndpoint, this.opts.perTenant);
      if (endpoints.length === 0) return [];
      const share = shareSlots(endpoints, free);
      const byId = new Map(endpoints.map((e) => [e.id, e]));
      const rows = await deliveryRepository.lease(m, share, this.opts.leaseMs, token);
      return rows.map((r) => {
        const e = byId.get(r.webhook_id)!;
        return {
          id: r.id,
          webhookId: r.webhook_id,
          tenantId: r.tenant_id,
          eventId: r.event_id,
          body: r.body,
          attempts: r.attempts,
          retryBase: r.retry_base,
          url: e.url,
          secrets: e.previous ? [e.secret, e.previous] : [e.secret],
          token,
        };
      });
    });
    for (const c of claimed) this.launch(c);
  }

  private launch(c: ClaimedDelivery): void {
    const abort = new AbortController();
    const done = this.attempt(c, abort.signal)
      .catch((err: unknown) => this.logger.warn({ err: (err as Error).message, deliveryId: c.id, webhookId: c.webhookId }, 'delivery not settled; its lease will lapse and it is sent again'))
      .finally(() => {
        this.inFlight.delete(c.id);
        this.loop.nudge();
      });
    this.inFlight.set(c.id, { token: c.token, abort, done });
  }

  private async attempt(c: ClaimedDelivery, stop: AbortSignal): Promise<void> {
    const headers = signedHeaders(c.secrets, c.eventId, Math.floor(Date.now() / 1000), c.body);
    const outcome = await this.sender.post(c.url, headers, c.body, stop);
    if (stop.aborted) {
      await deliveryRepository.release(this.db.manager, [c.id], c.token);
      return;
    }
    this.opts.attempts?.inc({ result: outcome.delivered ? 'delivered' : 'failed' });
    await this.settle(c, outcome);
  }

  /**
   * Ends an attempt. Attempts that end while a write is under way wait for the next one, and each
   * write settles all that waited in one transaction (one statement per table), so the database
   * round trips per delivery fall as the load rises; the attempt's worker is free once its write
   * committed (its lease counts against the endpoint's limit until then).
   */
  private settle(c: ClaimedDelivery, outcome: AttemptOutcome): Promise<void> {
    return new Promise((resolve, reject) => {
      this.settling.push({ c, outcome, resolve, reject });
      void this.writeSettled();
    });
  }

  private async writeSettled(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.settling.length > 0) {
        const batch = this.settling.splice(0, SETTLE_BATCH);
        try {
          await this.writeBatch(batch);
          for (const b of batch) b.resolve();
        } catch (err) {
          for (const b of batch) b.reject(err as Error);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async writeBatch(batch: Settling[]): Promise<void> {
    const verdicts = batch.map((b) => afterAttempt(b.outcome, b.c.attempts + 1 - b.c.retryBase, this.opts.schedule));
    const disabled: { webhookId: string; reason: string }[] = [];
    await this.db.transaction(async (m) => {
      const settled = await deliveryRepository.settleMany(
        m,
        batch.map((b, i) => {
          const v = verdicts[i];
          return { id: b.c.id, token: b.c.token, status: v.status, statusCode: b.outcome.statusCode, error: b.outcome.error, retryInMs: v.status === 'pending' ? v.retryInMs : null };
        }),
      );
      // each endpoint's latest attempt of the batch says whether it is failing now
      const latest = new Map<string, Settling>();
      for (const b of batch) if (settled.has(b.c.id)) latest.set(b.c.webhookId, b);
      const hooks = await webhookRepository.recordAttempts(m, new Map([...latest].map(([id, b]) => [id, b.outcome.delivered])));
      const now = new Date();
      for (const [webhookId, b] of latest) {
        const hook = hooks.get(webhookId);
        if (!hook?.enabled) continue;
        const reason = disableReason(b.outcome, hook.failing_since, now, this.opts.disableAfterMs);
        if (!reason) continue;
        await webhookRepository.disable(m, webhookId, reason);
        await publishInTransaction(m, SystemActionRecorded, { tenantId: b.c.tenantId, action: 'webhook.disable', resource: { type: 'webhook', id: webhookId } });
        disabled.push({ webhookId, reason });
      }
    });
    for (const d of disabled) this.logger.info({ webhookId: d.webhookId, reason: d.reason }, 'webhook endpoint disabled');
    if (disabled.length > 0) this.relay.nudge();
    const retry = Math.min(...verdicts.map((v) => (v.status === 'pending' ? v.retryInMs : Infinity)));
    if (Number.isFinite(retry)) this.loop.nudge(retry);
  }
}
