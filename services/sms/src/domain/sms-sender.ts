import type { DataSource } from 'typeorm';
import { SmsFailed, SmsSent } from '@autocall/contracts';
import { publishManyInTransaction, type OutboxRelay } from '@autocall/bus';
import type { Logger } from '@autocall/logger';
import type { SmsProviders } from '../adapters/sms-provider';
import { accountRepository, type AccountRow } from '../data/account.repository';
import { messageRepository, type MessageRow } from '../data/message.repository';
import { retryDelayMs } from './follow-up';
import { resultEvent } from './message.view';

export interface SenderOptions {
  intervalMs: number;
  concurrency: number;
  maxAttempts: number;
  retryBaseMs: number;
  leaseMs: number;
}

type Settlement = { msg: MessageRow; status: 'sent' | 'failed' | 'skipped'; reason: string | null } | { msg: MessageRow; retryInMs: number; reason: string };

/**
 * Sends queued messages after the commit that created them. Messages are claimed with a lease
 * (FOR UPDATE SKIP LOCKED, so replicas share the work), each is sent through its tenant's provider
 * adapter, and the results are settled in batches: one transaction marks them sent/failed/skipped
 * (or due again later) and writes their sms.sent/sms.failed outbox rows.
 *
 * Crash window: a process that dies after a provider accepted a message and before its settlement
 * commits leaves it `queued`; when its lease expires it is sent again. Only messages in flight at
 * the crash (claimed and not yet settled, at most SMS_SEND_CONCURRENCY per replica) can be sent
 * twice, and every send carries the message id as its idempotency key, so a provider that honours
 * it (the simulated one does) delivers it once.
 */
export class SmsSender {
  private timer?: NodeJS.Timeout;
  private nudged?: NodeJS.Timeout;
  private stopped = true;
  private claiming = false;
  private again = false;
  /** claimed and not yet settled */
  private inFlight = 0;
  private settlements: Settlement[] = [];
  private settling = false;

  constructor(
    private readonly db: DataSource,
    private readonly relay: OutboxRelay,
    private readonly providers: SmsProviders,
    private readonly logger: Logger,
    private readonly opts: SenderOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.nudge(), this.opts.intervalMs);
    this.timer.unref();
    this.nudge();
  }

  /** Look for due messages soon (after committing new ones); nudges within a few ms share one claim. */
  nudge(): void {
    if (this.nudged || this.stopped) return;
    this.nudged = setTimeout(() => {
      this.nudged = undefined;
      void this.fill();
    }, 5);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.nudged);
    while (this.claiming || this.inFlight > 0) await new Promise((r) => setTimeout(r, 10));
  }

  private async fill(): Promise<void> {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = true;
    try {
      for (;;) {
        this.again = false;
        const room = this.opts.concurrency - this.inFlight;
        if (room <= 0 || this.stopped) break;
        const claimed = await messageRepository.claimDue(this.db.manager, room, this.opts.leaseMs);
        if (claimed.length > 0) {
          this.inFlight += claimed.length;
          const accounts = await accountRepository.findMany(this.db.manager, [...new Set(claimed.map((c) => c.tenant_id))]).catch((err: Error) => {
            this.inFlight -= claimed.length; // their leases expire and they are claimed again
            throw err;
          });
          const byTenant = new Map(accounts.map((a) => [a.tenant_id, a]));
          for (const msg of claimed) void this.send(msg, byTenant.get(msg.tenant_id));
        }
        if (claimed.length < room && !this.again) break;
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'sms sender: claiming failed; will retry');
    } finally {
      this.claiming = false;
    }
  }

  private async send(msg: MessageRow, account: AccountRow | undefined): Promise<void> {
    try {
      await this.sendOne(msg, account);
    } catch (err) {
      // adapters return failures rather than throw; should one throw anyway, treat it as retryable
      this.settle({ msg, retryInMs: retryDelayMs(msg.attempts, this.opts.retryBaseMs), reason: `provider adapter error: ${(err as Error).name}` });
    }
  }

  private async sendOne(msg: MessageRow, account: AccountRow | undefined): Promise<void> {
    if (!account || account.status !== 'active') return this.settle({ msg, status: 'skipped', reason: account ? 'SMS account inactive' : 'no SMS account' });
    const outcome = await this.providers[account.provider].send(
      { messageId: msg.id, tenantId: msg.tenant_id, taskId: msg.task_id, kind: msg.kind, to: msg.phone, from: account.sender_id, text: msg.text },
      account.settings ?? {},
    );
    if (outcome.status === 'sent') return this.settle({ msg, status: 'sent', reason: null });
    if (outcome.retryable && msg.attempts < this.opts.maxAttempts) return this.settle({ msg, retryInMs: retryDelayMs(msg.attempts, this.opts.retryBaseMs), reason: outcome.reason });
    return this.settle({ msg, status: 'failed', reason: outcome.retryable ? `${outcome.reason} (gave up after ${msg.attempts} attempts)` : outcome.reason });
  }

  /**
   * Queues a result; results of the same tick (a claimed batch the provider answered at once)
   * share a commit, and results that arrive while a batch commits go in the next one.
   */
  private settle(s: Settlement): void {
    this.settlements.push(s);
    if (this.settlements.length === 1) setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    if (this.settling) return;
    this.settling = true;
    try {
      while (this.settlements.length > 0) {
        const batch = this.settlements;
        this.settlements = [];
        try {
          await this.commit(batch);
        } catch (err) {
          // database trouble: these stay leased, and are claimed and sent again once the lease expires
          this.logger.error({ err: (err as Error).message, messages: batch.length }, 'sms sender: could not settle messages; retried when their lease expires');
        } finally {
          this.inFlight -= batch.length;
        }
      }
    } finally {
      this.settling = false;
    }
    if (this.inFlight <= this.opts.concurrency / 2) this.nudge();
  }

  private async commit(batch: Settlement[]): Promise<void> {
    const ends = batch.filter((s): s is Extract<Settlement, { status: string }> => 'status' in s);
    const retries = batch.filter((s): s is Extract<Settlement, { retryInMs: number }> => 'retryInMs' in s);
    const done = await this.db.transaction(async (m) => {
      const rows = await messageRepository.finishMany(m, ends.map((s) => ({ id: s.msg.id, status: s.status, reason: s.reason })));
      await publishManyInTransaction(m, SmsSent, rows.filter((r) => r.status === 'sent').map(resultEvent));
      await publishManyInTransaction(m, SmsFailed, rows.filter((r) => r.status !== 'sent').map(resultEvent));
      await messageRepository.retryLater(m, retries.map((s) => ({ id: s.msg.id, delayMs: s.retryInMs, reason: s.reason })));
      return rows;
    });
    if (done.length > 0) this.relay.nudge();
    for (const s of retries) this.logger.warn({ messageId: s.msg.id, taskId: s.msg.task_id, attempt: s.msg.attempts, reason: s.reason, retryInMs: s.retryInMs }, 'sms provider failed; will retry');
    for (const r of done) {
      const log = { messageId: r.id, taskId: r.task_id, kind: r.kind, attempts: r.attempts };
      if (r.status === 'sent') this.logger.debug(log, 'follow-up SMS sent');
      else this.logger.info({ ...log, status: r.status, reason: r.failure_reason }, `follow-up SMS ${r.status}`);
    }
  }
}
