import { Type, type Static } from '@sinclair/typebox';
import { defineEvent, Nullable, Uuid } from '../core';

export const SmsRule = Type.Object({
  enabled: Type.Boolean(),
  templateId: Nullable(Uuid),
  /** onDisconnect only: anyAnswered | calleeHangup | humanAnswered */
  when: Type.Optional(Type.Union([Type.Literal('anyAnswered'), Type.Literal('calleeHangup'), Type.Literal('humanAnswered')])),
  /** onUnanswered only: an invalid_number gets the unanswered SMS too (absent: false) */
  includeInvalid: Type.Optional(Type.Boolean()),
});
export const TaskSmsSettings = Type.Object({ onDisconnect: SmsRule, onUnanswered: SmsRule });
/** A reply rule (API.md): a reply whose first word is one of `keywords` tags the number and may be answered with `replyTemplateId`. */
export const ReplyRule = Type.Object({
  keywords: Type.Array(Type.String()),
  action: Type.Literal('tag'),
  tag: Type.String(),
  replyTemplateId: Nullable(Uuid),
});
/** The SMS settings of snapshot v2: v1's and the reply rules. */
export const TaskSmsSettingsV2 = Type.Object({ onDisconnect: SmsRule, onUnanswered: SmsRule, replyRules: Type.Array(ReplyRule) });
export const CallingWindow = Type.Object({
  /** HH:mm platform time */
  start: Type.String(),
  /** HH:mm, exclusive, may be 24:00 */
  end: Type.String(),
  /** ISO weekdays 1 (Mon) – 7 (Sun) */
  days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 })),
});
/** One outcome's retries: attempts in all (1 = none) and the delay after each. */
export const RetryRule = Type.Object({ maxAttempts: Type.Integer(), delayMinutes: Type.Integer() });
/** Retries per outcome (API.md `dialing.retry`); an outcome left out uses maxAttempts / retryDelayMinutes. */
export const RetryPolicy = Type.Object({ no_answer: Type.Optional(RetryRule), busy: Type.Optional(RetryRule), unavailable: Type.Optional(RetryRule) });

/** One DTMF rule (API.md `dialing.dtmf`): keys that, pressed while the recording plays, tag the number or opt it out. */
export const DtmfRule = Type.Object({
  digits: Type.String(),
  action: Type.Union([Type.Literal('tag'), Type.Literal('optOut')]),
  /** action tag: the tag set */
  tag: Type.Optional(Type.String()),
  /** end the call on this match */
  hangup: Type.Optional(Type.Boolean()),
});
/** DTMF capture on a SIP carrier (absent: off). */
export const DtmfSettings = Type.Object({ enabled: Type.Boolean(), rules: Type.Array(DtmfRule) });

/** What a call detected as an answering machine does (API.md `dialing.amd.onMachine`). */
export const AmdOnMachine = Type.Union([Type.Literal('hangup'), Type.Literal('play'), Type.Literal('playAfterBeep')]);
/** Answering-machine detection on a SIP carrier (absent: off). */
export const AmdSettings = Type.Object({ enabled: Type.Boolean(), onMachine: AmdOnMachine });

export const TaskDialingSettings = Type.Object({
  maxConcurrentCalls: Type.Integer(),
  callsPerSecond: Type.Number(),
  ringTimeoutSeconds: Type.Integer(),
  maxAttempts: Type.Integer(),
  retryDelayMinutes: Type.Integer(),
  callerId: Nullable(Type.String()),
  callingWindow: CallingWindow,
  /** IANA zone the calling window and blackouts are read in (absent in snapshots of before it: the snapshot's `timezone`). */
  timeZone: Type.Optional(Type.String()),
  /** Honour the tenant's blackout dates (absent: true). */
  skipBlackouts: Type.Optional(Type.Boolean()),
  /** Retries per outcome (absent: none of its own). */
  retry: Type.Optional(RetryPolicy),
  /** When numbers still pending end `expired` (UTC); absent or null: no end. */
  endAt: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
  /** Keys pressed while the recording plays (absent: off). */
  dtmf: Type.Optional(DtmfSettings),
  /** Answering-machine detection (absent: off). */
  amd: Type.Optional(AmdSettings),
});

/**
 * Everything the dialer and the sms service need to know about a task, carried by every task.*
 * event except deleted (no cross-schema reads): tenant, roster, recording, dialing and SMS settings.
 */
export const TaskSnapshot = Type.Object({
  tenantId: Uuid,
  taskId: Uuid,
  name: Type.String(),
  status: Type.Union(['scheduled', 'running', 'paused', 'completed', 'cancelled'].map((s) => Type.Literal(s))),
  recordingId: Uuid,
  recordingDurationMs: Type.Integer(),
  rosterId: Uuid,
  /** valid numbers in the roster at creation */
  total: Type.Integer(),
  sms: TaskSmsSettings,
  dialing: TaskDialingSettings,
  /** IANA zone the calling window is read in */
  timezone: Type.String(),
  startAt: Nullable(Type.String({ format: 'date-time' })),
});
export type TaskSnapshotT = Static<typeof TaskSnapshot>;

/** Snapshot v2 (issue 17): v1 with the reply rules in `sms`. The task service publishes both versions; v1 for the consumers that need no reply rules. */
export const TaskSnapshotV2 = Type.Object({ ...TaskSnapshot.properties, sms: TaskSmsSettingsV2 });
export type TaskSnapshotV2T = Static<typeof TaskSnapshotV2>;

export const TaskCreated = defineEvent('task.created', 1, TaskSnapshot);
export const TaskStarted = defineEvent('task.started', 1, TaskSnapshot);
export const TaskUpdated = defineEvent('task.updated', 1, TaskSnapshot);
export const TaskPaused = defineEvent('task.paused', 1, TaskSnapshot);
export const TaskResumed = defineEvent('task.resumed', 1, TaskSnapshot);
export const TaskCancelled = defineEvent('task.cancelled', 1, TaskSnapshot);
export const TaskCompleted = defineEvent('task.completed', 1, TaskSnapshot);
export const TaskCreatedV2 = defineEvent('task.created', 2, TaskSnapshotV2);
export const TaskStartedV2 = defineEvent('task.started', 2, TaskSnapshotV2);
export const TaskUpdatedV2 = defineEvent('task.updated', 2, TaskSnapshotV2);
export const TaskPausedV2 = defineEvent('task.paused', 2, TaskSnapshotV2);
export const TaskResumedV2 = defineEvent('task.resumed', 2, TaskSnapshotV2);
export const TaskCancelledV2 = defineEvent('task.cancelled', 2, TaskSnapshotV2);
export const TaskCompletedV2 = defineEvent('task.completed', 2, TaskSnapshotV2);
export const TaskDeleted = defineEvent('task.deleted', 1, Type.Object({ tenantId: Uuid, taskId: Uuid }));
