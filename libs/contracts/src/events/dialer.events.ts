import { Type, type Static } from '@sinclair/typebox';
import { defineEvent, Nullable, Uuid } from '../core';

export const CallOutcome = Type.Union(['answered', 'no_answer', 'busy', 'unavailable', 'failed'].map((s) => Type.Literal(s)));

/** One call attempt ended. `final` is true when the number gets no further attempt. */
export const CallCompleted = defineEvent(
  'call.completed',
  1,
  Type.Object({
    tenantId: Uuid,
    taskId: Uuid,
    attemptId: Uuid,
    phone: Type.String(),
    rowNumber: Type.Integer(),
    attempt: Type.Integer(),
    outcome: CallOutcome,
    hangupBy: Nullable(Type.Union([Type.Literal('callee'), Type.Literal('system')])),
    sipCode: Nullable(Type.Integer()),
    failureReason: Nullable(Type.String()),
    startedAt: Type.String({ format: 'date-time' }),
    answeredAt: Nullable(Type.String({ format: 'date-time' })),
    endedAt: Type.String({ format: 'date-time' }),
    durationMs: Type.Integer(),
    name: Nullable(Type.String()),
    variables: Type.Record(Type.String(), Type.String()),
    final: Type.Boolean(),
    /**
     * The number was on the tenant's do-not-call list when this result was committed (listed
     * while its call rang): its follow-up SMS is `skipped`, reason `DNC`. Absent from dialers of
     * before the list: not listed. (Optional, so v1 consumers are unaffected.)
     */
    dnc: Type.Optional(Type.Boolean()),
  }),
);
export type CallCompletedT = Static<typeof CallCompleted.payload>;

/**
 * Every number of the task is final (or cancelled): `finalCount` numbers in all. The task service
 * completes the task in the transaction where its own counters reach this number.
 */
/**
 * The dialer holds nothing more of the task. `finalCount` = numbers settled + `cancelled` + `unreached`;
 * `unreached`: numbers never loaded because the roster's owner refused the roster (they count as failed).
 */
export const DialerTaskDrained = defineEvent(
  'dialer.task.drained',
  1,
  Type.Object({
    tenantId: Uuid,
    taskId: Uuid,
    finalCount: Type.Integer(),
    cancelled: Type.Integer(),
    unreached: Type.Optional(Type.Integer({ minimum: 0 })),
    /** numbers never loaded from the roster when the task's end time came: they count as expired (those loaded came as dialer.number.settled) */
    expired: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
);
