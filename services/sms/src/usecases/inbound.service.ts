import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { commonErrors, decodeCursor, DncAdd, encodeCursor, isUuid, newId, NumberTagged, SmsInbound, SmsStatusChanged, type InboundCallback, type SmsInboundMessage } from '@autocall/contracts';
import type { Static } from '@sinclair/typebox';
import { publishInTransaction, publishManyInTransaction, type Bus, type OutboxRelay } from '@autocall/bus';
import type { Logger } from '@autocall/logger';
import type { PhoneNormalizer } from '@autocall/phone';
import { WorkLoop, type TurnResult } from '@autocall/work-loop';
import type { AccountRow } from '../data/account.repository';
import { inboundRepository, type InboundRow } from '../data/inbound.repository';
import { messageRepository, type NewMessage } from '../data/message.repository';
import { taskRepository, type TaskRow } from '../data/task.repository';
import { templateRepository } from '../data/template.repository';
import { retryDelayMs } from '../domain/follow-up';
import { decideReply, type MessageKind } from '../domain/reply';
import { measureSms, renderTemplate } from '../domain/template';
import { localDay } from '../domain/sms-caps';
import { capMessages } from './sms-caps';
import { smsErrors } from '../domain/errors';
import { optOutKeywordsOf } from './account.service';
import { statusEvent } from './message.view';

export type InboundBody = Static<typeof InboundCallback>;
const LIST = 'sms-inbound';
/** How long one try of an opt-out's dnc.add may take before another replica may try again. */
const DNC_LEASE_MS = 30_000;

export const inboundView = (r: InboundRow): SmsInboundMessage => ({
  id: r.id,
  from: r.phone,
  to: r.to_number,
  text: r.text,
  receivedAt: r.received_at.toISOString(),
  taskId: r.task_id,
  messageId: r.message_id,
  action: { type: r.action_type, tag: r.tag },
});

/**
 * Replies: stored, matched to the latest SMS the tenant sent to that number within
 * SMS_REPLY_MATCH_DAYS, and acted on in the same transaction — the `sms.inbound` event, a matched
 * rule's tag (`number.tagged`) and reply, an opt-out's local block, `number.tagged` and
 * confirmation. The one effect outside this schema, the DNC entry (`dnc.add`, served by the
 * dialer), is made after the commit by a loop that retries until the dialer answers; the 204 has
 * been sent by then, and the reply is never lost.
 */
export class InboundService {
  constructor(
    private readonly db: DataSource,
    private readonly relay: OutboxRelay,
    private readonly bus: Bus,
    private readonly phones: PhoneNormalizer,
    private readonly logger: Logger,
    /** platformZone: the day a reply's SMS counts on when its task has no zone (or there is no task) */
    private readonly opts: { matchDays: number; maxDelayMs: number; onQueued: () => void; platformZone: string },
  ) {}

  /** `from` as rosters read numbers: E.164, or 400 INVALID_PHONE. A valid foreign number keeps its digits. */
  private normalize(raw: string): string {
    const r = this.phones.normalize(raw);
    if (r.ok) return r.e164;
    const digits = raw.replace(/[\s\-.()]/g, '');
    if (r.reason === 'FOREIGN_NUMBER' && /^\+[1-9][0-9]{6,14}$/.test(digits)) return digits;
    throw smsErrors.INVALID_PHONE();
  }

  async receive(account: AccountRow, body: InboundBody, requestId?: string): Promise<SmsInboundMessage> {
    const tenantId = account.tenant_id;
    const phone = this.normalize(body.from);
    const at = body.at ?? null;
    const dedupeKey = body.id ? `id:${body.id}` : `h:${createHash('sha256').update(`${phone}\u0000${body.text}\u0000${at ?? ''}`).digest('hex')}`;
    let queued = false;
    const row = await this.db.transaction(async (m) => {
      const since = new Date(Date.now() - this.opts.matchDays * 86_400_000);
      const match = await messageRepository.latestSentTo(m, tenantId, phone, since);
      const task = match ? await taskRepository.find(m, match.task_id) : undefined;
      const decision = decideReply(body.text, optOutKeywordsOf(account), task?.sms.replyRules ?? []);
      const stored = await inboundRepository.insert(m, {
        id: newId(),
        tenant_id: tenantId,
        dedupe_key: dedupeKey,
        provider_id: body.id ?? null,
        phone,
        to_number: body.to ?? null,
        text: body.text,
        reported_at: at ? new Date(at) : null,
        task_id: match?.task_id ?? null,
        message_id: match?.id ?? null,
        action_type: decision.type,
        tag: decision.type === 'tag' ? decision.rule.tag : null,
        pending: decision.type === 'optOut',
      });
      if (!stored) return (await inboundRepository.findByKey(m, tenantId, dedupeKey))!; // the same reply again: stored once
      await publishInTransaction(m, SmsInbound, { tenantId, message: inboundView(stored) }, { requestId });
      if (decision.type === 'none') return stored;
      await publishInTransaction(m, NumberTagged, { tenantId, taskId: stored.task_id, phone, tag: stored.tag, source: 'sms-reply', optOut: decision.type === 'optOut' }, { requestId });
      const templateId = decision.type === 'optOut' ? account.opt_out_reply_template_id : (decision.rule.replyTemplateId ?? null);
      if (decision.type === 'optOut') await inboundRepository.addOptOut(m, tenantId, phone);
      if (templateId) queued = await this.queueReply(m, stored, decision.type === 'optOut' ? 'optOutReply' : 'reply', templateId, task, requestId);
      return stored;
    });
    this.relay.nudge();
    if (queued) this.opts.onQueued();
    if (row.pending) this.dncLoop?.nudge();
    this.logger.info({ tenantId, inboundId: row.id, taskId: row.task_id, action: row.action_type }, 'SMS reply received');
    return inboundView(row);
  }

  /** The reply template, once: per inbound message for a rule, per number for an opt-out confirmation. Whether one was queued. */
  private async queueReply(m: EntityManager, inbound: InboundRow, kind: MessageKind, templateId: string, task: TaskRow | undefined, requestId?: string): Promise<boolean> {
    const template = await templateRepository.find(m, inbound.tenant_id, templateId);
    const { text } = renderTemplate(template?.content ?? '', { phone: inbound.phone, taskName: task?.name ?? '' });
    const base: NewMessage = {
      id: newId(),
      tenant_id: inbound.tenant_id,
      task_id: inbound.task_id,
      phone: inbound.phone,
      kind,
      template_id: templateId,
      call_attempt_id: null,
      send_by: new Date(Date.now() + this.opts.maxDelayMs),
      status: 'queued',
      text,
      segments: text ? measureSms(text).segments : 0,
      failure_reason: null,
    };
    const reason = !template ? 'template deleted' : template.status !== 'approved' ? `template ${template.status}` : null;
    const [row] = await messageRepository.insertReplies(m, [{ ...base, ...(reason ? { status: 'skipped', failure_reason: reason } : {}), inbound_id: inbound.id }]);
    // a rule's reply counts against the caps as any SMS; an opt-out's confirmation never does (API.md)
    if (row && row.status === 'queued' && kind === 'reply') {
      const day = localDay(inbound.received_at, task?.time_zone ?? this.opts.platformZone, this.opts.platformZone);
      const refused = (await capMessages(m, [{ id: row.id, tenantId: row.tenant_id, phone: row.phone, day }])).get(row.id);
      if (refused) Object.assign(row, { status: 'skipped', failure_reason: refused });
    }
    if (row && row.status === 'skipped') await publishManyInTransaction(m, SmsStatusChanged, [statusEvent(row)], requestId);
    return row?.status === 'queued';
  }

  async list(tenantId: string, q: { limit: number; cursor?: string; taskId?: string; from?: string }) {
    const key = decodeCursor(LIST, q.cursor, 1);
    if (key && !isUuid(key[0])) throw commonErrors.INVALID_CURSOR();
    let from: string | undefined;
    if (q.from !== undefined) {
      try {
        from = this.normalize(q.from);
      } catch {
        return { items: [], nextCursor: null };
      }
    }
    const rows = await inboundRepository.list(this.db.manager, { tenantId, taskId: q.taskId, from, before: key ? (key[0] as string) : undefined, limit: q.limit + 1 });
    const page = rows.slice(0, q.limit);
    return { items: page.map(inboundView), nextCursor: rows.length > q.limit ? encodeCursor(LIST, [page[page.length - 1].id]) : null };
  }

  private dncLoop?: WorkLoop;

  /** The loop that puts opted-out numbers on the tenant's DNC list (dnc.add), retried until the dialer answers. */
  dncWorker(intervalMs: number): WorkLoop {
    this.dncLoop = new WorkLoop({ name: 'sms opt-outs → DNC', logger: this.logger, intervalMs, coalesceMs: 5, turn: () => this.addToDnc() });
    return this.dncLoop;
  }

  private async addToDnc(): Promise<TurnResult> {
    const claimed = await inboundRepository.claimPending(this.db.manager, 50, DNC_LEASE_MS);
    await Promise.all(
      claimed.map(async (r) => {
        try {
          await this.bus.request(DncAdd, { tenantId: r.tenant_id, phone: r.phone, source: 'sms-reply', reason: 'SMS opt-out reply', createdBy: 'sms-reply' });
          await inboundRepository.done(this.db.manager, r.id);
        } catch (err) {
          const delay = retryDelayMs(r.attempts, 1000);
          this.logger.warn({ inboundId: r.id, attempts: r.attempts, retryInMs: delay, err: (err as Error).message }, 'opt-out not on the DNC list yet; will retry');
          await inboundRepository.later(this.db.manager, r.id, delay).catch(() => undefined);
        }
      }),
    );
    return claimed.length === 50 ? 'again' : undefined;
  }
}
