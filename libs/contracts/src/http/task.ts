import { AmdSettings, DtmfSettings, RetryPolicy, TaskDialingSettings } from '../events/task.events';
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, defineRoutes, IdParams, Nullable, Page, PageQuery, Problem, Uuid } from '../core';

export const TaskStatus = Type.Union(['scheduled', 'running', 'paused', 'completed', 'cancelled'].map((s) => Type.Literal(s)));

const HHMM = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
const HHMM_END = '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$';

/**
 * `name` is only typed here: the name rule (trimmed; 1–64 of A–Z a–z 0–9, Han, space) is the task
 * service's own check so that a bad name answers 400 TASK_NAME_INVALID, not VALIDATION_FAILED.
 */
const TaskNameInput = Type.String({ description: 'Trimmed; then 1–64 characters: A–Z a–z 0–9, Han characters, spaces. Else 400 TASK_NAME_INVALID.' });

export const TaskStartInput = Type.Object(
  {
    mode: Type.Union([Type.Literal('immediate'), Type.Literal('scheduled')]),
    at: Type.Optional(
      Type.String({
        maxLength: 40,
        description:
          'Required for scheduled, refused for immediate. YYYY-MM-DDTHH:mm[:ss[.sss]] = platform time (WIB); with Z or ±HH:mm = as given. Not a real date: 400 VALIDATION_FAILED (field start.at); in the past: 422 SCHEDULE_IN_PAST.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** Create documents (and applies) defaults; PATCH must not, or an omitted field would reset a stored one. */
const d = <T>(withDefaults: boolean, value: T) => (withDefaults ? { default: value } : {});

const smsRuleBase = { enabled: Type.Boolean(), templateId: Type.Optional(Nullable(Uuid)) };
const OnDisconnectInput = Type.Object(
  {
    ...smsRuleBase,
    when: Type.Optional(
      Type.Union([Type.Literal('anyAnswered'), Type.Literal('calleeHangup'), Type.Literal('humanAnswered')], {
        description: 'default anyAnswered; calleeHangup: only when the callee hung up; humanAnswered: answered and not detected as a machine (dialing.amd)',
      }),
    ),
  },
  { additionalProperties: false },
);
const OnUnansweredInput = Type.Object(
  {
    ...smsRuleBase,
    includeInvalid: Type.Optional(Type.Boolean({ description: 'default false: an invalid_number (no such subscriber) gets no unanswered SMS; true: it gets one like any other unanswered number' })),
  },
  { additionalProperties: false },
);

export const ReplyRuleInput = Type.Object(
  {
    keywords: Type.Array(Type.String({ minLength: 1, maxLength: 20 }), { minItems: 1, maxItems: 10, description: 'compared with the reply\'s first word, case-insensitive and width-folded' }),
    action: Type.Literal('tag'),
    tag: Type.String({ minLength: 1, maxLength: 50 }),
    replyTemplateId: Type.Optional(Nullable(Uuid)),
  },
  { additionalProperties: false },
);

export const TaskSmsInput = Type.Object(
  {
    onDisconnect: Type.Optional(OnDisconnectInput),
    onUnanswered: Type.Optional(OnUnansweredInput),
    /** up to 10; the first rule whose keyword matches a reply applies. Given: replaces the stored rules. */
    replyRules: Type.Optional(Type.Array(ReplyRuleInput, { maxItems: 10 })),
  },
  { additionalProperties: false, description: 'Each rule defaults to {enabled:false}; enabled:true needs templateId.' },
);

const callingWindowInput = (withDefaults: boolean) =>
  Type.Object(
    {
      start: Type.Optional(Type.String({ pattern: HHMM, ...d(withDefaults, '08:00'), description: 'HH:mm platform time' })),
      end: Type.Optional(Type.String({ pattern: HHMM_END, ...d(withDefaults, '20:00'), description: 'HH:mm, exclusive, may be 24:00; after start' })),
      days: Type.Optional(
        Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7, uniqueItems: true, ...d(withDefaults, [1, 2, 3, 4, 5, 6, 7]), description: 'ISO weekdays, 1 = Monday' }),
      ),
    },
    { additionalProperties: false },
  );

const retryRuleInput = Type.Object(
  {
    maxAttempts: Type.Integer({ minimum: 1, maximum: 10, description: 'attempts in all for a number whose latest attempt ended so (1 = no retry)' }),
    delayMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1440, description: 'after each such attempt; default retryDelayMinutes' })),
  },
  { additionalProperties: false },
);
const retryInput = Type.Object(
  { no_answer: Type.Optional(retryRuleInput), busy: Type.Optional(retryRuleInput), unavailable: Type.Optional(retryRuleInput) },
  { additionalProperties: false, description: 'Retries per outcome; an outcome left out uses maxAttempts and retryDelayMinutes. A PATCH replaces the whole.' },
);

const dtmfInput = Type.Object(
  {
    enabled: Type.Boolean(),
    rules: Type.Optional(
      Type.Array(
        Type.Object(
          {
            digits: Type.String({ pattern: '^[0-9*#]{1,8}$', description: '1–8 of 0–9 * #; matched when the keys pressed so far end with them' }),
            action: Type.Union([Type.Literal('tag'), Type.Literal('optOut')], { description: 'tag: the number gets `tag`; optOut: it goes on the DNC list (source dtmf)' }),
            tag: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'required for action tag' })),
            hangup: Type.Optional(Type.Boolean({ description: 'end the call on this match (default false)' })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 20 },
      ),
    ),
  },
  { additionalProperties: false, description: 'DTMF on a SIP carrier: RFC 4733 telephone-events, in-band tones as fallback; one key press counts once. A PATCH replaces the whole.' },
);

const amdInput = Type.Object(
  {
    enabled: Type.Boolean(),
    onMachine: Type.Optional(
      Type.Union([Type.Literal('hangup'), Type.Literal('play'), Type.Literal('playAfterBeep')], {
        description: 'a machine answered: hangup (default) ends the call; play plays the recording anyway; playAfterBeep starts it after the beep (or after AMD_MAX_MS of silence)',
      }),
    ),
  },
  { additionalProperties: false, description: 'Answering-machine detection on a SIP carrier (a heuristic): answered calls carry answeredBy human|machine|unknown. A PATCH replaces the whole.' },
);

const dialingInput = (withDefaults: boolean) =>
  Type.Object(
    {
      maxConcurrentCalls: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, ...d(withDefaults, 10) })),
      callsPerSecond: Type.Optional(Type.Number({ minimum: 0.1, maximum: 10000, ...d(withDefaults, 5) })),
      ringTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 120, ...d(withDefaults, 30) })),
      maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, ...d(withDefaults, 1) })),
      retryDelayMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1440, ...d(withDefaults, 30) })),
      callerId: Type.Optional(Nullable(Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'E.164; null (default) = carrier default' }))),
      callingWindow: Type.Optional(callingWindowInput(withDefaults)),
      timeZone: Type.Optional(
        Type.String({ minLength: 1, maxLength: 64, description: "IANA zone (default the platform's, Asia/Jakarta; e.g. Asia/Makassar, Asia/Jayapura): the calling window, a zone-less start.at and the blackouts are read in it. Unknown: 400." }),
      ),
      skipBlackouts: Type.Optional(Type.Boolean({ ...d(withDefaults, true), description: "Honour the tenant's blackout dates (GET /v1/calendar)" })),
      retry: Type.Optional(retryInput),
      dtmf: Type.Optional(dtmfInput),
      amd: Type.Optional(amdInput),
      endAt: Type.Optional(
        Nullable(
          Type.String({
            maxLength: 40,
            description: 'When numbers still pending end expired (no call, no SMS) and the task completes; as start.at (no offset: the task zone). Not after the start: 422 END_BEFORE_START. null: no end.',
          }),
        ),
      ),
    },
    { additionalProperties: false },
  );

export const TaskDialingInput = dialingInput(true);
export const TaskDialingPatch = dialingInput(false);

export const CreateTask = Type.Object(
  {
    name: TaskNameInput,
    recordingId: Uuid,
    rosterId: Uuid,
    start: TaskStartInput,
    sms: Type.Optional(TaskSmsInput),
    dialing: Type.Optional(TaskDialingInput),
  },
  { additionalProperties: false },
);

/** PATCH merges: `dialing` fields (and `callingWindow` fields) and `sms` rules given replace the stored ones. */
export const UpdateTask = Type.Object(
  { name: Type.Optional(TaskNameInput), start: Type.Optional(TaskStartInput), sms: Type.Optional(TaskSmsInput), dialing: Type.Optional(TaskDialingPatch) },
  { additionalProperties: false, minProperties: 1 },
);

/** The dialing settings as a task shows them: every field set, the zone and blackout switch included. */
export const TaskDialingView = Type.Object({
  ...TaskDialingSettings.properties,
  timeZone: Type.String(),
  skipBlackouts: Type.Boolean(),
  retry: RetryPolicy,
  /** UTC, or null: no end time */
  endAt: Nullable(DateTime),
  /** endAt in the task's zone with its offset */
  endAtLocal: Nullable(Type.String()),
  dtmf: DtmfSettings,
  amd: AmdSettings,
});

const SmsRuleView = Type.Object({
  enabled: Type.Boolean(),
  templateId: Nullable(Uuid),
  when: Type.Optional(Type.Union([Type.Literal('anyAnswered'), Type.Literal('calleeHangup'), Type.Literal('humanAnswered')])),
  /** onUnanswered only */
  includeInvalid: Type.Optional(Type.Boolean()),
});

/** A task's progress: numbers by their latest outcome (API.md "Tasks"). */
export const TaskProgress = Type.Object({
  total: Type.Integer(),
  pending: Type.Integer(),
  answered: Type.Integer(),
  noAnswer: Type.Integer(),
  busy: Type.Integer(),
  unavailable: Type.Integer(),
  /** no such subscriber (SIP 404/410/484/604, Q.850 1/3/22/28, a vacant-code or intercept SIT): never retried */
  invalidNumber: Type.Integer(),
  failed: Type.Integer(),
  /** on the do-not-call list when their turn came: never dialled */
  suppressed: Type.Integer(),
  /** still pending at the task's end time: never dialled again */
  expired: Type.Integer(),
  cancelled: Type.Integer(),
  smsSent: Type.Integer(),
  smsFailed: Type.Integer(),
  /** final numbers / total × 100, two decimals */
  percent: Type.Number(),
});

/** The fields of a task as the API shows it; a dry run's draft has all but those made at creation. */
const taskFields = {
  id: Uuid,
  name: Type.String(),
  status: TaskStatus,
  recordingId: Uuid,
  rosterId: Uuid,
  start: Type.Object({
    mode: Type.Union([Type.Literal('immediate'), Type.Literal('scheduled')]),
    /** UTC; for an immediate task the time it was created */
    at: DateTime,
    /** the same instant in platform time with its offset, e.g. 2026-01-15T09:00:00+07:00 */
    atLocal: Type.String(),
  }),
  sms: Type.Object({
    onDisconnect: SmsRuleView,
    onUnanswered: SmsRuleView,
    replyRules: Type.Optional(Type.Array(Type.Object({ keywords: Type.Array(Type.String()), action: Type.Literal('tag'), tag: Type.String(), replyTemplateId: Nullable(Uuid) }))),
  }),
  dialing: TaskDialingView,
  progress: TaskProgress,
  /** running but outside the calling window or on a blackout day: when it may dial next (UTC); else null */
  nextCallAt: Nullable(DateTime),
  /** nextCallAt in the task's time zone with its offset (2026-01-15T08:00:00+09:00); null with it */
  nextCallAtLocal: Nullable(Type.String()),
  startedAt: Nullable(DateTime),
  pausedAt: Nullable(DateTime),
  completedAt: Nullable(DateTime),
  cancelledAt: Nullable(DateTime),
  createdAt: DateTime,
  updatedAt: DateTime,
};

export const Task = Type.Object(taskFields, { $id: 'Task' });

const { id: _id, createdAt: _createdAt, updatedAt: _updatedAt, nextCallAt: _nextCallAt, nextCallAtLocal: _nextCallAtLocal, ...draftFields } = taskFields;

/** What `POST /v1/tasks?dryRun=true` answers: the task that would be created (no id: nothing is). */
export const TaskDryRun = Type.Object(
  {
    valid: Type.Literal(true),
    task: Type.Object({
      ...draftFields,
      /** unlike a task's, always set: the first instant at or after the start when the calling window is open (UTC) */
      nextCallAt: Type.String({ format: 'date-time', description: "When the first call would go out (UTC): the start, or the calling window's next opening after it on a day that is not a blackout." }),
      nextCallAtLocal: Type.String({ description: "nextCallAt in the task's time zone with its offset" }),
    }),
  },
  { $id: 'TaskDryRun' },
);

const problems = { 400: Problem, 404: Problem, 409: Problem, 422: Problem, 503: Problem };

export const taskRoutes = defineRoutes({
  createTask: {
    method: 'POST', url: '/v1/tasks', operationId: 'createTask', summary: 'Create a task (starts now or at a WIB time)', tags: ['Tasks'],
    schema: {
      querystring: Type.Object(
        { dryRun: Type.Optional(Type.Boolean({ description: 'true: check everything a create checks (the same 4xx) and answer 200 with the task that would be created; nothing is created, reserved or published, and not audited.' })) },
        { additionalProperties: false },
      ),
      body: CreateTask,
      response: { 200: TaskDryRun, 201: Task, ...problems },
    },
  },
  listTasks: {
    method: 'GET', url: '/v1/tasks', operationId: 'listTasks', summary: 'List tasks (newest first)', tags: ['Tasks'],
    schema: {
      querystring: Type.Object({ ...PageQuery, status: Type.Optional(TaskStatus), name: Type.Optional(Type.String({ maxLength: 100, description: 'substring, case-insensitive' })) }, { additionalProperties: false }),
      response: { 200: Page(Task), 400: Problem },
    },
  },
  getTask: {
    method: 'GET', url: '/v1/tasks/:id', operationId: 'getTask', summary: 'Get a task with live progress', tags: ['Tasks'],
    schema: { params: IdParams, response: { 200: Task, ...problems } },
  },
  updateTask: {
    method: 'PATCH', url: '/v1/tasks/:id', operationId: 'updateTask', summary: 'Edit a task (name always; start until started; sms/dialing until completed/cancelled)', tags: ['Tasks'],
    schema: { params: IdParams, body: UpdateTask, response: { 200: Task, ...problems } },
  },
  deleteTask: {
    method: 'DELETE', url: '/v1/tasks/:id', operationId: 'deleteTask', summary: 'Delete a completed or cancelled task', tags: ['Tasks'],
    schema: { params: IdParams, response: { 204: Type.Null(), ...problems } },
  },
  pauseTask: {
    method: 'POST', url: '/v1/tasks/:id/pause', operationId: 'pauseTask', summary: 'Pause: no new call once this answers', tags: ['Tasks'],
    schema: { params: IdParams, response: { 200: Task, ...problems } },
  },
  resumeTask: {
    method: 'POST', url: '/v1/tasks/:id/resume', operationId: 'resumeTask', summary: 'Resume a paused task', tags: ['Tasks'],
    schema: { params: IdParams, response: { 200: Task, ...problems } },
  },
  cancelTask: {
    method: 'POST', url: '/v1/tasks/:id/cancel', operationId: 'cancelTask', summary: 'Cancel: pending numbers become cancelled', tags: ['Tasks'],
    schema: { params: IdParams, response: { 200: Task, ...problems } },
  },
});

/** The response body, as the schema above says (a view built by hand beside it would drift). */
export type Task = Static<typeof Task>;
export type TaskDryRun = Static<typeof TaskDryRun>;
