import { Type } from '@sinclair/typebox';
import { defineEvent, Nullable, Uuid } from '../core';

/**
 * Something the platform did by itself (no request asked for it), for the tenant's audit log with
 * actor `system`: e.g. a webhook endpoint disabled after failures. The gateway records it once per
 * message. Task starts by the scheduler and completions need no such event: the gateway reads them
 * from `task.started` (without a request id) and `task.completed`.
 */
export const SystemActionRecorded = defineEvent(
  'audit.system-action',
  1,
  Type.Object({
    tenantId: Uuid,
    /** A verb as in the audit log: `webhook.disable`. */
    action: Type.String({ minLength: 1, maxLength: 100 }),
    resource: Type.Object({ type: Type.String({ minLength: 1, maxLength: 100 }), id: Nullable(Type.String({ maxLength: 200 })) }),
  }),
);
