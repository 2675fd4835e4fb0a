import { Type, type Static } from '@sinclair/typebox';
import { defineEvent, Nullable, Uuid } from '../core';

/** The outcomes of call.completed v1 (before `invalid_number`); kept for v1 messages still in flight. */
export const CallOutcomeV1 = Type.Union(['answered', 'no_answer', 'busy', 'unavailable', 'failed'].map((s) => Type.Literal(s)));

/** How a call attempt ended (API.md "Call outcomes, retries and SMS"). */
export const CallOutcome = Type.Union(['answered', 'no_answer', 'busy', 'unavailable', 'invalid_number', 'failed'].map((s) => Type.Literal(s)));

/** Who answered, when answering-machine detection ran (`dialing.amd.enabled`). */
export const AnsweredBy = Type.Union([Type.Literal('human'), Type.Literal('machine'), Type.Literal('unknown')]);

const callCompletedV1Fields = {
  tenantId: Uuid,
  taskId: Uuid,
  attemptId: Uuid,
  phone: Type.String(),
  rowNumber: Type.Integer(),
  attempt: Type.Integer(),
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
};

/**
 * call.completed v1: one call attempt ended (`final`: the number gets no further attempt). No
 * dialer publishes it any more; consumers still take it, so messages sent before v2 are not lost.
 */
export const CallCompletedV1 = defineEvent('call.completed', 1, Type.Object({ ...callCompletedV1Fields, outcome: CallOutcomeV1 }));

/**
 * call.completed v2, what the dialer publishes: v1's fields (a v1 payload is a valid v2 one), the
 * `invalid_number` outcome (no such subscriber: SIP 404/410/484/604, Q.850 1/3/22/28, a Telcordia
 * vacant-code/intercept SIT) and what the SIP carrier heard: `answeredBy` (AMD), the DTMF `dtmf`
 * keys and the `tags` they set. Absent = not detected (v1, or a carrier that does not listen).
 */
export const CallCompleted = defineEvent(
  'call.completed',
  2,
  Type.Object({
    ...callCompletedV1Fields,
    outcome: CallOutcome,
    /** AMD's verdict on an answered call; null or absent when AMD did not run */
    answeredBy: Type.Optional(Nullable(AnsweredBy)),
    /** the keys pressed while the recording played, in order (e.g. "19"); null or absent: none captured */
    dtmf: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
    /** tags the task's DTMF rules set on the number during this call */
    tags: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 32 })),
  }),
);
export type CallCompletedT = Static<typeof CallCompleted.payload>;

/** Every version of call.completed a consumer subscribes to: a v1 payload reads as a v2 one. */
export const CALL_COMPLETED_VERSIONS = [CallCompleted, CallCompletedV1] as const;
export const isCallCompleted = (contract: unknown): boolean => contract === CallCompleted || contract === CallCompletedV1;

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
