import { Type, type Static } from '@sinclair/typebox';
import { defineEvent, Uuid } from '../core';

/** Outcomes of numbers the dialing policy settled without a call (API.md "Call outcomes"). */
export const UndialledOutcome = Type.Union([Type.Literal('suppressed'), Type.Literal('expired')]);

/**
 * A number's turn came and the dialing policy ended it without a call: `suppressed` (on the
 * tenant's do-not-call list when its turn came, a first attempt or a retry) or `expired` (still
 * pending at the task's end time). Final: no call, no SMS. Numbers never dialled are not calls, so
 * this is not a `call.completed` (API.md); the task service counts it in its progress, and it
 * carries what `number.completed` needs. `attempts`: the calls placed to the number before (0 when
 * it was never dialled; a retry suppressed after a first call has 1).
 */
export const DialerNumberSettled = defineEvent(
  'dialer.number.settled',
  1,
  Type.Object({
    tenantId: Uuid,
    taskId: Uuid,
    /** the attempt row that ended (not a call) */
    attemptId: Uuid,
    phone: Type.String(),
    rowNumber: Type.Integer(),
    /** the attempt number that would have been dialled (1 = first) */
    attempt: Type.Integer({ minimum: 1 }),
    attempts: Type.Integer({ minimum: 0 }),
    outcome: UndialledOutcome,
    reason: Type.String(),
    settledAt: Type.String({ format: 'date-time' }),
    name: Type.Union([Type.String(), Type.Null()]),
    variables: Type.Record(Type.String(), Type.String()),
  }),
);
export type DialerNumberSettledT = Static<typeof DialerNumberSettled.payload>;

/**
 * A tenant's blackout dates were replaced (`PUT /v1/calendar`): the whole calendar, so a consumer
 * keeps the newest by `updatedAt` and never needs an older one. The task service keeps a copy for
 * `nextCallAt`; the dialer, which owns it, reads its own tables.
 */
export const CalendarUpdated = defineEvent(
  'calendar.updated',
  1,
  Type.Object({
    tenantId: Uuid,
    blackouts: Type.Array(Type.Object({ from: Type.String(), to: Type.String(), name: Type.String() })),
    updatedAt: Type.String({ format: 'date-time' }),
  }),
);
export type CalendarUpdatedT = Static<typeof CalendarUpdated.payload>;

/**
 * A tenant's contact policy was replaced (`PUT /v1/contact-policy`), whole: a consumer keeps the
 * newest by `updatedAt`. The dialer owns it and enforces the call cap itself; the sms service keeps
 * a copy for the SMS cap.
 */
export const ContactPolicyUpdated = defineEvent(
  'contact-policy.updated',
  1,
  Type.Object({
    tenantId: Uuid,
    maxCallsPerNumberPerDay: Type.Union([Type.Integer({ minimum: 1, maximum: 10 }), Type.Null()]),
    maxSmsPerNumberPerDay: Type.Union([Type.Integer({ minimum: 1, maximum: 10 }), Type.Null()]),
    updatedAt: Type.String({ format: 'date-time' }),
  }),
);
export type ContactPolicyUpdatedT = Static<typeof ContactPolicyUpdated.payload>;

/**
 * Numbers of a tenant were put on its do-not-call list (`listed: true`: the API, an import's chunk,
 * `dnc.add`, a DTMF opt-out) or taken off it (`listed: false`, `DELETE /v1/dnc/{phone}`). The dialer
 * owns the list and publishes each change through its outbox; the sms service keeps a copy, so an
 * SMS about to go out is checked against the list as it is then, without asking the dialer.
 * `version` grows with every change of the tenant's list (a sequence drawn under the list's lock):
 * a consumer keeps, per number, the change with the highest version, whatever order they arrive in.
 */
export const DncChanged = defineEvent(
  'dnc.changed',
  1,
  Type.Object({
    tenantId: Uuid,
    phones: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 5000 }),
    listed: Type.Boolean(),
    version: Type.Integer({ minimum: 1 }),
    changedAt: Type.String({ format: 'date-time' }),
  }),
);
export type DncChangedT = Static<typeof DncChanged.payload>;
