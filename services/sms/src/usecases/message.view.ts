import type { SmsMessage } from '@autocall/contracts';
import type { MessageRow } from '../data/message.repository';
import type { SmsKind } from '../domain/follow-up';
import { isFollowUp } from '../domain/reply';

/** A message as GET /v1/sms-messages shows it: the contract's schema, not a copy of it. */
export type MessageView = SmsMessage;

export const messageView = (r: MessageRow): MessageView => ({
  id: r.id,
  taskId: r.task_id,
  phone: r.phone,
  kind: r.kind,
  status: r.status,
  text: r.text,
  segments: r.segments,
  templateId: r.template_id,
  failureReason: r.failure_reason,
  createdAt: r.created_at.toISOString(),
  sentAt: r.sent_at ? r.sent_at.toISOString() : null,
  deliveredAt: r.delivered_at ? r.delivered_at.toISOString() : null,
  deliveryError: r.delivery_error,
});

/** The public `sms.status` event's payload (API.md "Platform events"): the message as GET /v1/sms-messages shows it. */
export const statusEvent = (r: MessageRow) => ({ tenantId: r.tenant_id, message: messageView(r) });

/** Rows that are a call's follow-up (sms.sent / sms.failed are about those only: replies have no call). */
export const followUps = (rows: MessageRow[]): (MessageRow & { task_id: string; kind: SmsKind })[] =>
  rows.filter((r): r is MessageRow & { task_id: string; kind: SmsKind } => isFollowUp(r.kind) && r.task_id !== null);

/** The sms.sent / sms.failed payload of a follow-up in its end state. */
export const resultEvent = (r: MessageRow & { task_id: string; kind: SmsKind }) => ({
  tenantId: r.tenant_id,
  taskId: r.task_id,
  messageId: r.id,
  phone: r.phone,
  kind: r.kind,
  status: r.status as 'sent' | 'failed' | 'skipped',
  failureReason: r.failure_reason,
});
