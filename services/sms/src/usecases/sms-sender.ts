import type { DataSource } from 'typeorm';
import { SmsFailed, SmsSent, SmsStatusChanged } from '@autocall/contracts';
import { publishManyInTransaction, type OutboxRelay } from '@autocall/bus';
import type { Logger } from '@autocall/logger';
import { WorkLoop, type TurnResult } from '@autocall/work-loop';
import type { SmsProviders } from '../domain/sms-provider';
import { accountRepository, type AccountRow } from '../data/account.repository';
import { messageRepository, type ClaimedRow } from '../data/message.repository';
import { dncKey, dncRepository } from '../data/dnc.repository';
import { retryDelayMs } from '../domain/follow-up';
import { followUps, resultEvent, statusEvent } from './message.view';
import { applyReceipts } from './receipt.service';

export interface SenderOptions {
  intervalMs: number;
  concurrency: number;
  /** Provider attempts before a retryable failure becomes `failed`; 0: no limit (retried until the message's deadline, then TOO_LATE). */
  maxAttempts: number;
  retryBaseMs: number;
  leaseMs: number;
  /** How long after its lease a claim that was never settled stays unclaimable (in doubt). */
  inDoubtMs: number;
  /** SMS_MAX_DELAY_HOURS in ms: the deadline of a message without send_by (queued before it existed) is its creation plus this. */
  maxDelayMs: number;
}

/**
 * The provider timeout for a lease: at most a third of it. A send starts within the first third of
 * its lease (or is given back unsent), its request ends within the second, and the last third is for
 * settling, so a lease cannot lapse while its send is in flight.
 */
export const sendTimeoutMs = (leaseMs: number) => Math.floor(leaseMs / 3);

/** Longest wait between two tries of settling results kept through a database outage: once it is back they commit within this. */
export const SETTLE_RETRY_MAX_MS = 1000;

/** The reason of a follow-up that could not be sent within SMS_MAX_DELAY_HOURS of its call (API.md). */
export const TOO_LATE = 'TOO_LATE';

/** The reason of an SMS not sent because its number is on the tenant's do-not-call list (API.md). */
export const DNC = 'DNC';

type Settlement =
  | { msg: ClaimedRow; status: 'sent' | 'failed' | 'skipped'; reason: string | null }
  | { msg: ClaimedRow; retryInMs: number; reason: string | null; sent: boolean };

/**
 * Sends queued messages after the commit that created them. Messages are claimed with a lease
 * (FOR UPDATE SKIP LOCKED, so replicas share the work) and a claim token, each is sent through its
 * tenant's provider adapter, and the results are settled in batches: one transaction marks them
 * sent/failed/skipped (or due again later) and writes their sms.sent/sms.failed outbox rows, each
 * only where the message's claim token is still the one this sender got (fencing).
 *
 * A lease cannot lapse while its send is in flight: a send that could not start within a third of
 * the lease is given back unsent, and the provider timeout is at most a third of it.
 *
 * Settling is retried until it commits (a database outage does not make a sent message look
 * unsent), at most SETTLE_RETRY_MAX_MS apart, and this sender claims nothing new while results of
 * its own are unsettled. A claim whose lease lapsed unsettled (its claim token still set) is in
 * doubt: no replica claims it again until SMS_SEND_IN_DOUBT_MS after its lease, so through a
 * database outage or stall shorter than that the holder's kept result is the one that counts and
 * no other replica sends the message again.
 *
 * Crash window: a process that dies (or stops, giving up on a database that stays away) after a
 * provider accepted a message and before its settlement commits leaves it `queued` and in doubt;
 * SMS_SEND_IN_DOUBT_MS after its lease it is sent again. Only messages in flight at the crash
 * (claimed and not yet settled, at most SMS_SEND_CONCURRENCY per replica) can be sent twice, and
 * every send carries the message id as its idempotency key, so a provider that honours it (the
 * simulated one does) delivers it once.
 */
export class SmsSender {
  private stopped = true;
  /** claims due messages (room permitting) and starts their sends */
  private readonly claims: WorkLoop;
  /** commits queued results; after a failed commit, tries again with back-off until it commits */
  private readonly settling: WorkLoop;
  /** claimed and not yet settled */
  private inFlight = 0;
  private settlements: Settlement[] = [];
  /** settlements whose commit failed: retried before anything new is claimed */
  private unsettled = 0;
  private settleDelayMs = 0;

  constructor(
    private readonly db: DataSource,
    private readonly relay: OutboxRelay,
    private readonly providers: SmsProviders,
    private readonly logger: Logger,
    private readonly opts: SenderOptions,
  ) {
    // nudges within a few ms (a batch of follow-ups committed one by one) share one claim
    this.claims = new WorkLoop({ name: 'sms sender', logger, intervalMs: opts.intervalMs, coalesceMs: 5, firstTurnMs: 5, turn: () => this.fill() });
    this.settling = new WorkLoop({ name: 'sms sender: settling', logger, intervalMs: Infinity, turn: () => this.flush() });
  }

  start(): void {
    this.stopped = false;
    this.claims.start();
    this.settling.start();
  }

  /** Look for due messages soon (after committing new ones); nudges within a few ms share one claim. */
  nudge(): void {
    this.claims.nudge();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // in-flight sends end within the provider timeout; settling them gets up to another third of the lease
    const giveUpAt = Date.now() + 2 * sendTimeoutMs(this.opts.leaseMs);
    let claiming = true;
    void this.claims.stop().then(() => (claiming = false));
    while ((claiming || this.inFlight > 0) && Date.now() < giveUpAt) await new Promise((r) => setTimeout(r, 10));
    void this.settling.stop(); // a commit running now may still land; no retry after it
    if (this.inFlight > 0) {
      const kept = this.settlements.map((x) => x.msg.id);
      this.logger.error(
        { messages: this.inFlight, unsettled: kept, inDoubtMs: this.opts.inDoubtMs },
        'sms sender: stopped with results it could not settle; those messages are in doubt and will be sent again once their lease and SMS_SEND_IN_DOUBT_MS have passed',
      );
    }
  }

  /** One claim of as many due messages as there is room for; a full claim looks again at once. */
  private async fill(): Promise<TurnResult> {
    const room = this.opts.concurrency - this.inFlight;
    if (room <= 0 || this.stopped || this.unsettled > 0) return;
    try {
      const claimedAt = performance.now(); // before the claim: the lease began after this
      const claimed = await messageRepository.claimDue(this.db.manager, room, this.opts.leaseMs, this.opts.inDoubtMs);
      if (claimed.length > 0) {
        this.inFlight += claimed.length;
        const doubtful = claimed.filter((c) => c.in_doubt);
        if (doubtful.length > 0) {
          this.logger.warn(
            { messages: doubtful.map((c) => c.id) },
            'sms sender: claimed messages whose earlier send was never settled (its sender crashed or lost the database); the provider may have them already',
          );
        }
        const [accounts, blocked] = await Promise.all([
          accountRepository.findMany(this.db.manager, [...new Set(claimed.map((c) => c.tenant_id))]),
          dncRepository.blocked(this.db.manager, claimed.map((c) => ({ tenantId: c.tenant_id, phone: c.phone }))),
        ]).catch((err: Error) => {
          // give them back unsent (clearing their claim tokens) once the database answers again, rather than leave them in doubt
          for (const msg of claimed) this.settle({ msg, retryInMs: 0, reason: null, sent: false });
          throw err;
        });
        const byTenant = new Map(accounts.map((a) => [a.tenant_id, a]));
        for (const msg of claimed) {
          // a number on the tenant's DNC list as it is now (listed after its call ended, too), or that
          // opted out, gets no SMS of any kind but its one opt-out confirmation
          if (msg.kind !== 'optOutReply' && blocked.has(dncKey(msg.tenant_id, msg.phone))) this.settle({ msg, status: 'skipped', reason: DNC });
          else void this.send(msg, byTenant.get(msg.tenant_id), claimedAt);
        }
      }
      return claimed.length < room ? undefined : 'again';
    } catch (err) {
      // tried again at the next tick or nudge, without a growing back-off (as the relay)
      this.logger.warn({ err: (err as Error).message }, 'sms sender: claiming failed; will retry');
      return undefined;
    }
  }

  private async send(msg: ClaimedRow, account: AccountRow | undefined, claimedAt: number): Promise<void> {
    try {
      await this.sendOne(msg, account, claimedAt);
    } catch (err) {
      // adapters return failures rather than throw; should one throw anyway, treat it as retryable
      this.settle({ msg, retryInMs: retryDelayMs(msg.attempts, this.opts.retryBaseMs), reason: `provider adapter error: ${(err as Error).name}`, sent: true });
    }
  }

  private async sendOne(msg: ClaimedRow, account: AccountRow | undefined, claimedAt: number): Promise<void> {
    const sendBy = msg.send_by?.getTime() ?? msg.created_at.getTime() + this.opts.maxDelayMs;
    if (sendBy <= Date.now()) return this.settle({ msg, status: 'skipped', reason: TOO_LATE });
    if (!account || account.status !== 'active') return this.settle({ msg, status: 'skipped', reason: account ? 'SMS account inactive' : 'no SMS account' });
    if (performance.now() - claimedAt > sendTimeoutMs(this.opts.leaseMs)) {
      // too slow to start: the request might outlive the lease. Give it back unsent, at once.
      this.logger.warn({ messageId: msg.id, taskId: msg.task_id }, 'sms sender: claim too old to send safely; given back');
      return this.settle({ msg, retryInMs: 0, reason: null, sent: false });
    }
    const outcome = await this.providers[account.provider].send(
      { messageId: msg.id, tenantId: msg.tenant_id, taskId: msg.task_id, kind: msg.kind, to: msg.phone, from: account.sender_id, text: msg.text },
      account.settings ?? {},
    );
    if (outcome.status === 'sent') return this.settle({ msg, status: 'sent', reason: null });
    const limited = this.opts.maxAttempts > 0 && msg.attempts >= this.opts.maxAttempts;
    if (outcome.retryable && !limited) return this.settle({ msg, retryInMs: retryDelayMs(msg.attempts, this.opts.retryBaseMs), reason: outcome.reason, sent: true });
    return this.settle({ msg, status: 'failed', reason: outcome.retryable ? `${outcome.reason} (gave up after ${msg.attempts} attempts)` : outcome.reason });
  }

  /**
   * Queues a result; results of the same tick (a claimed batch the provider answered at once)
   * share a commit, and results that arrive while a batch commits go in the next one. While a
   * failed commit waits for its retry, new results join it.
   */
  private settle(s: Settlement): void {
    this.settlements.push(s);
    if (this.settlements.length === 1 && this.unsettled === 0) this.settling.nudge();
  }

  /** Commits the queued results; after a failure waits (100 ms doubling, up to SETTLE_RETRY_MAX_MS) and tries again. */
  private async flush(): Promise<TurnResult> {
    while (this.settlements.length > 0) {
      const batch = this.settlements;
      this.settlements = [];
      try {
        await this.commit(batch);
        this.inFlight -= batch.length;
      } catch (err) {
        // database trouble: keep the results and commit them once it is back. Until then this
        // sender claims nothing (so it never re-sends what it has not settled yet).
        this.settlements = [...batch, ...this.settlements];
        this.unsettled = this.settlements.length;
        this.settleDelayMs = Math.min(SETTLE_RETRY_MAX_MS, Math.max(100, this.settleDelayMs * 2));
        this.logger.error({ err: (err as Error).message, messages: this.settlements.length, retryInMs: this.settleDelayMs }, 'sms sender: could not settle messages; will retry');
        return this.settleDelayMs;
      }
    }
    if (this.unsettled > 0) this.logger.info({ messages: this.unsettled }, 'sms sender: settled the results it had kept');
    this.unsettled = 0;
    this.settleDelayMs = 0;
    if (this.inFlight <= this.opts.concurrency / 2) this.nudge();
  }

  private async commit(batch: Settlement[]): Promise<void> {
    const ends = batch.filter((s): s is Extract<Settlement, { status: string }> => 'status' in s);
    const retries = batch.filter((s): s is Extract<Settlement, { retryInMs: number }> => 'retryInMs' in s);
    const { done, retried } = await this.db.transaction(async (m) => {
      const rows = await messageRepository.finishMany(m, ends.map((s) => ({ id: s.msg.id, token: s.msg.claim_token, status: s.status, reason: s.reason })));
      await publishManyInTransaction(m, SmsSent, followUps(rows.filter((r) => r.status === 'sent')).map(resultEvent));
      await publishManyInTransaction(m, SmsFailed, followUps(rows.filter((r) => r.status !== 'sent')).map(resultEvent));
      await publishManyInTransaction(m, SmsStatusChanged, rows.map(statusEvent));
      // receipts that came before the send settled are applied now
      const receipted = await applyReceipts(m, rows.filter((r) => r.status === 'sent').map((r) => r.id));
      await publishManyInTransaction(m, SmsStatusChanged, receipted.map(statusEvent));
      const n = await messageRepository.retryLater(m, retries.map((s) => ({ id: s.msg.id, token: s.msg.claim_token, delayMs: s.retryInMs, reason: s.reason, sent: s.sent })));
      return { done: rows, retried: n };
    });
    if (done.length > 0) this.relay.nudge();
    const lost = batch.length - done.length - retried;
    if (lost > 0) this.logger.warn({ messages: lost }, 'sms sender: results not settled: their claim had passed to another sender');
    for (const s of retries) {
      if (s.sent) this.logger.warn({ messageId: s.msg.id, taskId: s.msg.task_id, attempt: s.msg.attempts, reason: s.reason, retryInMs: s.retryInMs }, 'sms provider failed; will retry');
    }
    for (const r of done) {
      const log = { messageId: r.id, taskId: r.task_id, kind: r.kind, attempts: r.attempts };
      if (r.status === 'sent') this.logger.debug(log, 'follow-up SMS sent');
      else this.logger.info({ ...log, status: r.status, reason: r.failure_reason }, `follow-up SMS ${r.status}`);
    }
  }
}
