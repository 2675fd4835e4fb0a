import type { SmsMessage } from '@autocall/contracts';
import type { MessageRow } from '../data/message.repository';

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
});

/** The public `sms.status` event's payload (API.md "Platform events"): the message as GET /v1/sms-messages shows it. */
export const statusEvent = (r: MessageRow) => ({ tenantId: r.tenant_id, message: messageView(r) });

/** The sms.sent / sms.failed payload of a message in its end state. */
export const resultEvent = (r: MessageRow) => ({
  tenantId: r.tenant_id,
  taskId: r.task_id,
  messageId: r.id,
  phone: r.phone,
  kind: r.kind,
  status: r.status as 'sent' | 'failed' | 'skipped',
  failureReason: r.failure_reason,
});
