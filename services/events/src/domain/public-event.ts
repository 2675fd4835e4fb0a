/** The public event (API.md "Platform events"): one shape for a webhook body and the stream. Pure. */
import { UNSUBSCRIBABLE_EVENT_TYPES, type CallCompletedT, type PublicEventType } from '@autocall/contracts';

export interface PublicEvent {
  id: string;
  type: PublicEventType;
  createdAt: string;
  tenantId: string;
  data: Record<string, unknown>;
}

/** An event before it is stored: its public form plus what the store indexes it by. */
export interface IncomingEvent {
  event: PublicEvent;
  /** the task it is about, for the stream's `taskId` filter */
  taskId: string | null;
}

/**
 * `call.completed` as the public event shows it: the call record of `GET /v1/tasks/{id}/calls`
 * plus `taskId` and `final`. The dialer's event has every field; the roster row's name, variables
 * and row number are left out (a projection: nothing is added or asked of anyone). Its follow-up
 * SMS is not decided yet when the call ends: `sms` is null here, and `number.completed` carries it.
 */
export function publicCall(c: CallCompletedT): Record<string, unknown> {
  return {
    id: c.attemptId,
    taskId: c.taskId,
    phone: c.phone,
    attempt: c.attempt,
    status: 'completed',
    outcome: c.outcome,
    hangupBy: c.hangupBy,
    sipCode: c.sipCode,
    failureReason: c.failureReason,
    answeredBy: c.answeredBy ?? null,
    dtmf: c.dtmf ?? null,
    tags: c.tags ?? [],
    startedAt: c.startedAt,
    answeredAt: c.answeredAt,
    endedAt: c.endedAt,
    durationMs: c.durationMs,
    sms: null,
    final: c.final,
  };
}

type AnyPayload = Record<string, any>;

/**
 * The public event of a bus message, by its name: the publisher already shaped `data`
 * (`task.status` carries the task view, `sms.status` the message…); only the envelope is made here.
 */
export function toPublicEvent(name: string, id: string, createdAt: string, p: AnyPayload): IncomingEvent | undefined {
  const make = (type: PublicEventType, data: Record<string, unknown>, taskId: string | null): IncomingEvent => ({
    event: { id, type, createdAt, tenantId: p.tenantId as string, data },
    taskId,
  });
  switch (name) {
    case 'call.completed':
      return make('call.completed', publicCall(p as CallCompletedT), p.taskId);
    case 'task.status':
      return make('task.status', p.task, p.task.id);
    case 'task.progress':
      return make('task.progress', { taskId: p.taskId, status: p.status, progress: p.progress }, p.taskId);
    case 'roster.status':
      return make('roster.status', p.roster, null);
    case 'sms.status':
      return make('sms.status', p.message, p.message.taskId ?? null);
    case 'sms.inbound':
      return make('sms.inbound', p.message, p.message.taskId ?? null);
    case 'number.tagged': {
      const { tenantId: _t, ...data } = p;
      return make('number.tagged', data, p.taskId ?? null);
    }
    case 'number.completed': {
      const { tenantId: _t, ...data } = p;
      return make('number.completed', data, p.taskId);
    }
    case 'dialer.number.settled':
      // a number the dialing policy ended without a call (suppressed, expired): final, no SMS, so
      // its number.completed is all in the dialer's event (a projection, as call.completed's)
      return make('number.completed', { taskId: p.taskId, phone: p.phone, outcome: p.outcome, attempts: p.attempts, variables: p.variables, sms: null }, p.taskId);
    default:
      return undefined;
  }
}

/** The exact bytes sent as a webhook body (and signed). */
export const eventBody = (e: PublicEvent): string => JSON.stringify({ id: e.id, type: e.type, createdAt: e.createdAt, tenantId: e.tenantId, data: e.data });

/** The event types a webhook may not subscribe to, among those asked for. */
export const unsubscribable = (types: readonly string[]): string[] => types.filter((t) => (UNSUBSCRIBABLE_EVENT_TYPES as readonly string[]).includes(t));

/** One Server-Sent Events frame of a stored event (its body is one line of JSON). */
export const sseFrame = (id: string, type: string, body: string): string => `id: ${id}\nevent: ${type}\ndata: ${body}\n\n`;

/** An SSE comment line: shown to no handler, keeps the connection alive or explains something. */
export const sseComment = (text: string): string => `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;

/** `types=a,b` of the stream: the types asked for, or the first one that is not a public type. */
export function parseTypes(raw: string | undefined, known: readonly string[]): { types: Set<string> | null } | { unknown: string } {
  if (raw === undefined || raw.trim() === '') return { types: null };
  const types = raw.split(',').map((t) => t.trim()).filter((t) => t !== '');
  const unknown = types.find((t) => !known.includes(t));
  return unknown !== undefined ? { unknown } : { types: new Set(types) };
}
