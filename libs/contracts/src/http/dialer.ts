import { Type, type Static } from '@sinclair/typebox';
import { CursorPage, CursorQuery, DateTime, defineRoutes, IdParams, Nullable, Problem, Uuid } from '../core';
import { AnsweredBy, CallOutcome } from '../events/dialer.events';
import { FollowUpKind, SmsMessageStatus } from './sms';

/** One attempt to call a number (a retry is another attempt of the same number). */
export const CallAttempt = Type.Object(
  {
    id: Uuid,
    /** E.164 */
    phone: Type.String(),
    attempt: Type.Integer(),
    status: Type.Union([Type.Literal('queued'), Type.Literal('dialing'), Type.Literal('completed')]),
    outcome: Nullable(CallOutcome),
    hangupBy: Nullable(Type.Union([Type.Literal('callee'), Type.Literal('system')])),
    sipCode: Nullable(Type.Integer()),
    failureReason: Nullable(Type.String()),
    /** answered calls with answering-machine detection on (dialing.amd): who answered; else null */
    answeredBy: Nullable(AnsweredBy),
    /** keys pressed while the recording played (dialing.dtmf), in order; null when none */
    dtmf: Nullable(Type.String()),
    /** tags the task's DTMF rules set on the number during this call */
    tags: Type.Array(Type.String()),
    startedAt: Nullable(DateTime),
    answeredAt: Nullable(DateTime),
    endedAt: Nullable(DateTime),
    /** Answer to end; 0 when unanswered; null until the call ended. */
    durationMs: Nullable(Type.Integer()),
    /** The follow-up SMS of the number, shown on its final attempt. */
    sms: Nullable(Type.Object({ kind: FollowUpKind, status: SmsMessageStatus })),
  },
  { $id: 'CallAttempt' },
);

export const ListCallsQuery = Type.Object({ ...CursorQuery, outcome: Type.Optional(CallOutcome) }, { additionalProperties: false });
export const ReportQuery = Type.Object({ format: Type.Union([Type.Literal('xlsx'), Type.Literal('csv')], { default: 'xlsx' }) }, { additionalProperties: false });

/** Public routes served by the dialer service (documented by the gateway's OpenAPI). */
export const dialerRoutes = defineRoutes({
  listCalls: {
    method: 'GET',
    url: '/v1/tasks/:id/calls',
    operationId: 'listTaskCalls',
    summary: "The task's call attempts, oldest first (cursor list; a task not started yet has none)",
    tags: ['Tasks'],
    schema: { params: IdParams, querystring: ListCallsQuery, response: { 200: CursorPage(CallAttempt), 400: Problem, 404: Problem } },
  },
  report: {
    method: 'GET',
    url: '/v1/tasks/:id/report',
    operationId: 'getTaskReport',
    summary: 'One row per number: final outcome, attempts, times, SMS kind and status (xlsx or csv)',
    tags: ['Tasks'],
    produces: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'text/csv'],
    schema: { params: IdParams, querystring: ReportQuery, response: { 400: Problem, 404: Problem } },
  },
});

/** The response body, as the schema above says (a view built by hand beside it would drift). */
export type CallAttempt = Static<typeof CallAttempt>;
