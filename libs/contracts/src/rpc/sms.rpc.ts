import { Type } from '@sinclair/typebox';
import { defineRpc, Nullable, Uuid } from '../core';

/** For the task service: does the template exist for this tenant, is it approved, which variables. */
export const SmsTemplateGet = defineRpc(
  'sms-template.get',
  1,
  Type.Object({ tenantId: Uuid, templateId: Uuid }),
  Type.Object({ found: Type.Boolean(), status: Type.Optional(Type.String()), variables: Type.Optional(Type.Array(Type.String())) }),
);

/** Is the tenant's SMS account active (SMS can be enabled on a task only then). */
export const SmsAccountGet = defineRpc(
  'sms-account.get',
  1,
  Type.Object({ tenantId: Uuid }),
  // senderId and optOutKeywords: for checking reply rules (absent from responders of before them)
  Type.Object({ active: Type.Boolean(), senderId: Type.Optional(Nullable(Type.String())), optOutKeywords: Type.Optional(Type.Array(Type.String())) }),
);

/**
 * Records that a task uses these templates (each must exist and be approved); checked inside
 * delete/content-edit transactions. With `only`, the task's other templates are released.
 */
export const SmsTemplateReserve = defineRpc(
  'sms-template.reserve',
  1,
  Type.Object({ tenantId: Uuid, taskId: Uuid, templateIds: Type.Array(Uuid), only: Type.Optional(Type.Boolean()) }),
  Type.Object({ ok: Type.Boolean() }),
);
export const SmsTemplateRelease = defineRpc('sms-template.release', 1, Type.Object({ tenantId: Uuid, taskId: Uuid }), Type.Object({ ok: Type.Boolean() }));
