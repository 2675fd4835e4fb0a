import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import type { OutgoingSms, SendOutcome, SmsProvider } from '../domain/sms-provider';

interface Waiting {
  sms: OutgoingSms;
  done: (outcome: SendOutcome) => void;
}

/**
 * A provider that sends nothing: it takes `sendMs` of real time and records the message in
 * `simulated_outbox`, deduplicating on the message id as a well-behaved provider does with an
 * idempotency key (`requests` counts how often it was asked), so tests can count sends.
 *
 * Sends that arrive together (the sender hands it a claimed batch at once) are recorded with one
 * INSERT; each send still gets its own outcome.
 */
export class SimulatedProvider implements SmsProvider {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly db: DataSource,
    private readonly sendMs: number,
    private readonly maxBatch = 1000,
  ) {}

  async send(sms: OutgoingSms): Promise<SendOutcome> {
    if (this.sendMs > 0) await sleep(this.sendMs);
    return new Promise<SendOutcome>((done) => {
      this.waiting.push({ sms, done });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      const outcome = await this.record(batch.map((w) => w.sms));
      for (const w of batch) w.done(outcome);
    }
  }

  private async record(batch: OutgoingSms[]): Promise<SendOutcome> {
    // the same id twice in one INSERT … ON CONFLICT DO UPDATE is an error: count repeats instead
    const byId = new Map<string, { sms: OutgoingSms; n: number }>();
    for (const sms of batch) {
      const seen = byId.get(sms.messageId);
      if (seen) seen.n++;
      else byId.set(sms.messageId, { sms, n: 1 });
    }
    const rows = [...byId.values()];
    const col = <K extends keyof OutgoingSms>(k: K) => rows.map((r) => r.sms[k]);
    try {
      await this.db.query(
        `INSERT INTO simulated_outbox (message_id, tenant_id, task_id, phone, kind, sender_id, text, requests)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[])
         ON CONFLICT (message_id) DO UPDATE SET requests = simulated_outbox.requests + EXCLUDED.requests`,
        [col('messageId'), col('tenantId'), col('taskId'), col('to'), col('kind'), col('from'), col('text'), rows.map((r) => r.n)],
      );
      return { status: 'sent' };
    } catch (err) {
      // the database's own text stays out of failure_reason, which the API returns
      return { status: 'failed', retryable: true, reason: `simulated provider unavailable (${(err as { code?: string }).code ?? 'error'})` };
    }
  }
}
