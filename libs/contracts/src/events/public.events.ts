import { Type, type Static } from '@sinclair/typebox';
import { defineEvent, Nullable, Uuid } from '../core';
import { Roster } from '../http/roster';
import { SmsInboundMessage, SmsMessage, SmsMessageV1 } from '../http/sms';
import { Task, TaskProgress } from '../http/task';

/**
 * The public events (API.md "Platform events"): published by the service that owns the state, in
 * the shape a webhook body or the stream shows as `data`, through that service's outbox. The
 * events service stores and delivers them and never enriches them. `call.completed` is the
 * dialer's own event (dialer.events.ts): its public `data` is a projection of it (fields dropped,
 * none added), made by the events service.
 */

/** Every public event type, as API.md lists them. */
export const PUBLIC_EVENT_TYPES = [
  'call.completed',
  'number.completed',
  'number.tagged',
  'task.status',
  'task.progress',
  'roster.status',
  'sms.status',
  'sms.inbound',
  'webhook.test',
] as const;
export type PublicEventType = (typeof PUBLIC_EVENT_TYPES)[number];

/** Types a webhook may not subscribe to: `task.progress` is for the stream only, `webhook.test` goes to one endpoint by request. */
export const UNSUBSCRIBABLE_EVENT_TYPES: readonly PublicEventType[] = ['task.progress', 'webhook.test'];

/** A task was started, paused, resumed, cancelled or completed: the task as `GET /v1/tasks/{id}` shows it. */
export const TaskStatusChanged = defineEvent('task.status', 1, Type.Object({ tenantId: Uuid, task: Task }));

/** A task's progress moved (at most one per task per folded batch; the stream coalesces further). */
export const TaskProgressChanged = defineEvent(
  'task.progress',
  1,
  Type.Object({ tenantId: Uuid, taskId: Uuid, status: Type.String(), progress: TaskProgress }),
);

/** A roster became `ready` or `failed`: the roster as `GET /v1/rosters/{id}` shows it. */
export const RosterStatusChanged = defineEvent('roster.status', 1, Type.Object({ tenantId: Uuid, roster: Roster }));

/** v1, before delivery receipts (kept for messages still in outboxes): the message without delivery fields. */
export const SmsStatusChangedV1 = defineEvent('sms.status', 1, Type.Object({ tenantId: Uuid, message: SmsMessageV1 }));
/** An SMS became `sent`, `delivered`, `undelivered`, `failed` or `skipped`: the message as `GET /v1/sms-messages` shows it. */
export const SmsStatusChanged = defineEvent('sms.status', 2, Type.Object({ tenantId: Uuid, message: SmsMessage }));

/** A reply arrived: the inbound message as `GET /v1/sms-inbound` shows it. */
export const SmsInbound = defineEvent('sms.inbound', 1, Type.Object({ tenantId: Uuid, message: SmsInboundMessage }));

/** A reply rule or a DTMF rule tagged a number, or it opted out (API.md "Platform events"). */
export const NumberTagged = defineEvent(
  'number.tagged',
  1,
  Type.Object({
    tenantId: Uuid,
    taskId: Nullable(Uuid),
    phone: Type.String(),
    tag: Nullable(Type.String()),
    source: Type.Union([Type.Literal('sms-reply'), Type.Literal('dtmf')]),
    optOut: Type.Boolean(),
  }),
);
export type NumberTaggedT = Static<typeof NumberTagged.payload>;

/**
 * A number's final outcome is known (after its retries) and its follow-up SMS decided: `sms` is the
 * message made for it (`queued`, or `skipped` with no send), or null when none is due.
 */
export const NumberCompleted = defineEvent(
  'number.completed',
  1,
  Type.Object({
    tenantId: Uuid,
    taskId: Uuid,
    phone: Type.String(),
    outcome: Type.String(),
    attempts: Type.Integer({ minimum: 0 }),
    variables: Type.Record(Type.String(), Type.String()),
    sms: Nullable(Type.Object({ kind: Type.String(), status: Type.String() })),
  }),
);
export type NumberCompletedT = Static<typeof NumberCompleted.payload>;
