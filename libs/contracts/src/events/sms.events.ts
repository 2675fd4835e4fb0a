import { Type } from '@sinclair/typebox';
import { defineEvent, Nullable, Uuid } from '../core';

const TemplateRef = Type.Object({ tenantId: Uuid, templateId: Uuid, status: Type.String(), variables: Type.Array(Type.String()) });

export const SmsTemplateCreated = defineEvent('sms-template.created', 1, TemplateRef);
export const SmsTemplateUpdated = defineEvent('sms-template.updated', 1, TemplateRef);
export const SmsTemplateDeleted = defineEvent('sms-template.deleted', 1, Type.Object({ tenantId: Uuid, templateId: Uuid }));

/** A follow-up SMS reached its end state: the dialer shows it per call, the task counts it. */
const SmsResult = Type.Object({
  tenantId: Uuid,
  taskId: Uuid,
  messageId: Uuid,
  phone: Type.String(),
  kind: Type.Union([Type.Literal('disconnect'), Type.Literal('unanswered')]),
  status: Type.Union([Type.Literal('sent'), Type.Literal('failed'), Type.Literal('skipped')]),
  failureReason: Nullable(Type.String()),
});
export const SmsSent = defineEvent('sms.sent', 1, SmsResult);
export const SmsFailed = defineEvent('sms.failed', 1, SmsResult);
