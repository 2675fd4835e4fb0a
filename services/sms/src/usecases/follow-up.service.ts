import type { DataSource, EntityManager } from 'typeorm';
import { NumberCompleted, SmsFailed, SmsStatusChanged, commonErrors, decodeCursor, encodeCursor, newId, type CallCompletedT, type ContactPolicyUpdatedT, type NumberCompletedT, type TaskSnapshotT, type TaskSnapshotV2T } from '@autocall/contracts';
import { DeadLetterError, handleBatchOnce, publishManyInTransaction, type BatchItem, type OutboxRelay } from '@autocall/bus';
import type { Logger } from '@autocall/logger';
import { messageRepository, type MessageRow, type NewMessage } from '../data/message.repository';
import { taskRepository } from '../data/task.repository';
import { capsRepository } from '../data/caps.repository';
import { localDay } from '../domain/sms-caps';
import { capMessages } from './sms-caps';
import { dncKey, dncRepository } from '../data/dnc.repository';
import { followUpFor, mayNeedSms, messageVariables, type SmsKind } from '../domain/follow-up';
import { followUps, messageView, resultEvent, statusEvent } from './message.view';
import { measureSms, renderTemplate } from '../domain/template';
import { DNC, TOO_LATE } from './sms-sender';

export { DNC };


/** Thrown when a call result arrives before its task's snapshot: the bus retries it later. */
export class TaskNotKnownYet extends Error {
  constructor(readonly taskId: string) {
    super(`task ${taskId} is not known to the sms service yet (no task.* event seen)`);
    this.name = 'TaskNotKnownYet';
  }
}

/** A call.completed delivery: its message id (the inbox key), request id and how often it was tried. */
interface CallMessage {
  id: string;
  requestId?: string;
  retries: number;
  parked: number;
}

interface DueSms {
  item: BatchItem;
  call: CallCompletedT;
  msg: CallMessage;
  taskName: string;
  kind: SmsKind;
  templateId: string | null;
  /** the task's time zone: the SMS caps count per its calendar day */
  timeZone: string;
}

export const CALL_COMPLETED_CONSUMER = 'sms.call-completed';
const LIST = 'sms-messages';
const smsKey = (taskId: string | null, phone: string, kind: string) => `${taskId}\u0000${phone}\u0000${kind}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Turns call results into follow-up messages: one per (task, phone, kind), recorded in the same
 * transaction as the inbox row, sent later by the SmsSender. Keeps each task's SMS settings from
 * the task events.
 */
export class FollowUpService {
  constructor(
    private readonly db: DataSource,
    private readonly relay: OutboxRelay,
    private readonly logger: Logger,
    private readonly onQueued: () => void,
    /** SMS_MAX_DELAY_HOURS in ms: a follow-up is never sent later than this after its call ended. */
    private readonly maxDelayMs: number,
    /** PLATFORM_TIMEZONE: the day of a task whose snapshot carried no zone. */
    private readonly platformZone = 'Asia/Jakarta',
  ) {}

  /** Until when a follow-up of this call may be sent. */
  private sendBy(call: CallCompletedT): Date {
    return new Date(Date.parse(call.endedAt) + this.maxDelayMs);
  }

  /** A v1 snapshot (no reply rules): stored only when newer than the stored one, and never drops its reply rules. */
  recordTaskV1(t: TaskSnapshotT, occurredAt: string): Promise<void> {
    return this.storeTask(t, occurredAt, 'v1');
  }

  /** Stores a task snapshot (v2); an older one (by the event's time) never replaces a newer one. */
  recordTask(t: TaskSnapshotV2T, occurredAt: string): Promise<void> {
    return this.storeTask(t, occurredAt, 'v2');
  }

  private async storeTask(t: TaskSnapshotT | TaskSnapshotV2T, occurredAt: string, version: 'v1' | 'v2'): Promise<void> {
    const row = { task_id: t.taskId, tenant_id: t.tenantId, name: t.name, sms: t.sms, time_zone: t.dialing.timeZone ?? t.timezone, occurred_at: occurredAt };
    const stored = version === 'v1' ? await taskRepository.upsertV1IfNewer(this.db.manager, row) : await taskRepository.upsertIfNewer(this.db.manager, row);
    if (!stored) this.logger.debug({ taskId: t.taskId, occurredAt, version }, 'task snapshot not newer than the stored one; ignored');
  }

  /**
   * Handles a batch of call.completed messages in one transaction: the inbox rows, the rendered
   * messages (one INSERT, ON CONFLICT (task_id, phone, kind) DO NOTHING), the sms.failed and
   * sms.status outbox rows of the skipped ones, and a `number.completed` for every number whose
   * final call this is — its follow-up decided (the message made, or none). A call result whose task
   * snapshot has not arrived yet fails the batch: the bus then retries its messages one by one, so
   * only that one waits for the snapshot (parked in the broker for as long as it takes). One handled
   * more than SMS_MAX_DELAY_HOURS after its call ended is recorded `skipped`, reason TOO_LATE, and
   * never sent.
   */
  async onCallCompletedBatch(batch: BatchItem[]): Promise<void> {
    const items = batch.map((item) => ({ item, call: item.payload as CallCompletedT, msg: { id: item.ctx.id, requestId: item.ctx.requestId, retries: item.ctx.retries, parked: item.ctx.parked } }));
    const candidates = items.filter((i) => mayNeedSms(i.call));
    const finals = items.filter((i) => i.call.final);
    if (candidates.length === 0 && finals.length === 0) return;
    const tasks = new Map(
      candidates.length === 0 ? [] : (await taskRepository.findMany(this.db.manager, [...new Set(candidates.map((i) => i.call.taskId))])).map((t) => [t.task_id, t]),
    );
    const unknown = candidates.filter((i) => !tasks.has(i.call.taskId));
    if (unknown.length > 0) {
      const now = Date.now();
      for (const { call, msg } of unknown) {
        const log = { taskId: call.taskId, messageId: msg.id, retries: msg.retries, parked: msg.parked };
        // past its deadline nothing would be sent anyway, and without the task there is nothing to record
        if (this.sendBy(call).getTime() <= now) {
          this.logger.error(log, 'call.completed for a task never seen, past SMS_MAX_DELAY_HOURS: dead-lettered');
          if (unknown.length === 1 && batch.length === 1) throw new DeadLetterError(`task ${call.taskId} never seen and the follow-up is too late`);
        } else this.logger.warn(log, 'call.completed before its task snapshot; waiting for it');
      }
      throw new TaskNotKnownYet(unknown[0].call.taskId);
    }
    const due: DueSms[] = [];
    const ignored = new Set<string>();
    for (const { item, call, msg } of candidates) {
      const task = tasks.get(call.taskId)!;
      if (task.tenant_id !== call.tenantId) {
        this.logger.error({ taskId: call.taskId, messageId: msg.id }, 'call.completed names another tenant than its task; ignored');
        ignored.add(msg.id);
        continue;
      }
      const rule = followUpFor(call, task.sms);
      if (rule) due.push({ item, call, msg, taskName: task.name, kind: rule.kind, templateId: rule.templateId, timeZone: task.time_zone ?? this.platformZone });
    }
    const announced = finals.filter((f) => !ignored.has(f.msg.id));
    if (due.length === 0 && announced.length === 0) return;
    const byId = new Map(due.map((d) => [d.msg.id, d]));
    const inboxItems = new Map([...due.map((d) => d.item), ...announced.map((f) => f.item)].map((i) => [i.ctx.id, i]));
    let queued = 0;
    await handleBatchOnce(this.db, CALL_COMPLETED_CONSUMER, [...inboxItems.values()], async (m, fresh) => {
      const todo = fresh.flatMap((f) => byId.get(f.ctx.id) ?? []);
      const made = todo.length === 0 ? [] : await this.makeMessages(m, todo);
      queued += made.filter((r) => r.status === 'queued').length;
      const freshIds = new Set(fresh.map((f) => f.ctx.id));
      await this.announceNumbers(m, announced.filter((f) => freshIds.has(f.msg.id)), byId, made);
    });
    this.relay.nudge();
    if (queued > 0) this.onQueued();
  }

  /** One message per (task, phone, kind) of the due follow-ups; the skipped ones' sms.failed and sms.status. Returns the rows made. */
  private async makeMessages(m: EntityManager, todo: DueSms[]): Promise<MessageRow[]> {
    const { templates, accounts } = await messageRepository.templatesAndAccounts(
      m,
      [...new Set(todo.map((d) => d.call.tenantId))],
      [...new Set(todo.flatMap((d) => (d.templateId ? [d.templateId] : [])))],
    );
    // the tenant's DNC list as this service knows it now: a number listed after its call ended is not texted
    const blocked = await dncRepository.blocked(m, todo.map((d) => ({ tenantId: d.call.tenantId, phone: d.call.phone })));
    // one message per (task, phone, kind): the first call result of the batch makes it
    const messages = new Map<string, { message: NewMessage; requestId?: string }>();
    for (const d of todo) {
      const key = smsKey(d.call.taskId, d.call.phone, d.kind);
      if (!messages.has(key)) messages.set(key, { message: this.prepare(d, templates, accounts, blocked.has(dncKey(d.call.tenantId, d.call.phone))), requestId: d.msg.requestId });
    }
    const requestOf = new Map([...messages.values()].map((x) => [x.message.id, x.requestId]));
    const rows = await messageRepository.insertMany(m, [...messages.values()].map((x) => x.message)); // conflicting ones already have their SMS
    const dueOf = new Map(todo.map((d) => [smsKey(d.call.taskId, d.call.phone, d.kind), d]));
    await this.applyCaps(m, rows, (r) => dueOf.get(smsKey(r.task_id, r.phone, r.kind))!);
    const skippedByRequest = new Map<string | undefined, MessageRow[]>();
    for (const row of rows) {
      if (row.status !== 'skipped') continue;
      const requestId = requestOf.get(row.id);
      const group = skippedByRequest.get(requestId);
      if (group) group.push(row);
      else skippedByRequest.set(requestId, [row]);
    }
    for (const [requestId, skipped] of skippedByRequest) {
      await publishManyInTransaction(m, SmsFailed, followUps(skipped).map(resultEvent), requestId);
      await publishManyInTransaction(m, SmsStatusChanged, skipped.map(statusEvent), requestId);
    }
    for (const row of [...skippedByRequest.values()].flat()) {
      this.logger.info({ messageId: row.id, taskId: row.task_id, kind: row.kind, reason: row.failure_reason }, 'follow-up SMS skipped');
    }
    return rows;
  }

  /**
   * The SMS caps (capMessages) on the messages just inserted `queued`, per calendar day of the
   * task's time zone at the call's end; a refused message becomes `skipped` with the reason, in place.
   */
  private async applyCaps(m: EntityManager, rows: MessageRow[], dueOf: (r: MessageRow) => DueSms): Promise<void> {
    const queued = rows.filter((r) => r.status === 'queued');
    const refused = await capMessages(
      m,
      queued.map((r) => {
        const d = dueOf(r);
        return { id: r.id, tenantId: r.tenant_id, phone: r.phone, day: localDay(new Date(d.call.endedAt), d.timeZone, this.platformZone) };
      }),
    );
    for (const r of queued) {
      const reason = refused.get(r.id);
      if (reason) Object.assign(r, { status: 'skipped', failure_reason: reason });
    }
  }

  /** contact-policy.updated: the tenant's maxSmsPerNumberPerDay, the newest (by updatedAt) kept. */
  async storePolicy(e: ContactPolicyUpdatedT): Promise<void> {
    await capsRepository.storePolicy(this.db.manager, e.tenantId, e.maxSmsPerNumberPerDay, e.updatedAt);
  }

  /** `number.completed` for each final call: its outcome and attempts, and the follow-up made for it (or an earlier one of the same kind), else null. */
  private async announceNumbers(m: EntityManager, finals: { item: BatchItem; call: CallCompletedT; msg: CallMessage }[], due: Map<string, DueSms>, made: MessageRow[]): Promise<void> {
    if (finals.length === 0) return;
    const rows = new Map(made.map((r) => [smsKey(r.task_id, r.phone, r.kind), r]));
    const missing = finals.flatMap((f) => {
      const d = due.get(f.msg.id);
      return d && !rows.has(smsKey(f.call.taskId, f.call.phone, d.kind)) ? [{ taskId: f.call.taskId, phone: f.call.phone, kind: d.kind }] : [];
    });
    for (const r of await messageRepository.findByKeys(m, missing)) rows.set(smsKey(r.task_id, r.phone, r.kind), r);
    const byRequest = new Map<string | undefined, NumberCompletedT[]>();
    for (const f of finals) {
      const d = due.get(f.msg.id);
      const row = d ? rows.get(smsKey(f.call.taskId, f.call.phone, d.kind)) : undefined;
      const event: NumberCompletedT = {
        tenantId: f.call.tenantId,
        taskId: f.call.taskId,
        phone: f.call.phone,
        outcome: f.call.outcome,
        attempts: f.call.attempt,
        variables: f.call.variables,
        sms: row ? { kind: row.kind, status: row.status } : null,
      };
      byRequest.set(f.msg.requestId, [...(byRequest.get(f.msg.requestId) ?? []), event]);
    }
    for (const [requestId, events] of byRequest) await publishManyInTransaction(m, NumberCompleted, events, requestId);
  }

  /** Renders the message; an SMS that is due but cannot be sent is `skipped` with the reason. */
  private prepare(
    d: DueSms,
    templates: Map<string, { tenant_id: string; content: string; status: string }>,
    accounts: Map<string, { status: string }>,
    listed: boolean,
  ): NewMessage {
    const { call, kind, templateId } = d;
    const sendBy = this.sendBy(call);
    const base = { id: newId(), tenant_id: call.tenantId, task_id: call.taskId, phone: call.phone, kind, template_id: templateId, call_attempt_id: call.attemptId, send_by: sendBy };
    const skipped = (reason: string, text = ''): NewMessage => ({ ...base, status: 'skipped', text, segments: text ? measureSms(text).segments : 0, failure_reason: reason });
    if (sendBy.getTime() <= Date.now()) return skipped(TOO_LATE);
    // the dialer found the number on the tenant's do-not-call list when the call ended, or it was listed (or opted out) since
    if (call.dnc || listed) return skipped(DNC);
    if (!templateId) return skipped('no template set for this kind');
    const template = templates.get(templateId);
    if (!template || template.tenant_id !== call.tenantId) return skipped('template deleted');
    const { text } = renderTemplate(template.content, messageVariables(call, d.taskName));
    if (template.status !== 'approved') return skipped(`template ${template.status}`, text);
    const account = accounts.get(call.tenantId);
    if (!account) return skipped('no SMS account', text);
    if (account.status !== 'active') return skipped('SMS account inactive', text);
    return { ...base, status: 'queued', text, segments: measureSms(text).segments, failure_reason: null };
  }

  /** Cursor list, newest first: keyset on the UUIDv7 id. */
  async list(tenantId: string, q: { limit: number; cursor?: string; taskId?: string; status?: string; kind?: string }) {
    const key = decodeCursor(LIST, q.cursor, 1);
    if (key && (typeof key[0] !== 'string' || !UUID.test(key[0]))) throw commonErrors.INVALID_CURSOR();
    const before = key ? (key[0] as string) : undefined;
    const rows = await messageRepository.list(this.db.manager, { tenantId, taskId: q.taskId, status: q.status, kind: q.kind, before, limit: q.limit + 1 });
    const page = rows.slice(0, q.limit);
    return { items: page.map(messageView), nextCursor: rows.length > q.limit ? encodeCursor(LIST, [page[page.length - 1].id]) : null };
  }
}
