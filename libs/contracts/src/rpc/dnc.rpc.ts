import { Type } from '@sinclair/typebox';
import { defineRpc, Uuid } from '../core';
import { DncEntry, DncSource } from '../http/policy';

/**
 * The only writer of the do-not-call list besides its API (API.md): the sms service's opt-out
 * replies (`sms-reply`) and a carrier's DTMF opt-outs (`dtmf`). Normalised as roster numbers are; a
 * number that is not valid answers the error INVALID_PHONE (400). Idempotent: an already listed
 * number answers its entry with `created: false`. The listing holds from the moment this answers:
 * no call of the tenant's tasks to that number starts after it.
 */
export const DncAdd = defineRpc(
  'dnc.add',
  1,
  Type.Object({ tenantId: Uuid, phone: Type.String({ minLength: 1, maxLength: 64 }), source: DncSource, reason: Type.Optional(Type.String({ maxLength: 500 })), createdBy: Type.Optional(Type.String({ maxLength: 200 })) }),
  Type.Object({ created: Type.Boolean(), entry: DncEntry }),
);
