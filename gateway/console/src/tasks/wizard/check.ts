import { api, ApiError, unwrap, type Task } from '../../api/client';
import type { MessageKey } from '../../i18n/languages';
import { nameProblem } from '../taskName';
import { retryOutcomes, toBody, type Draft, type Step } from './draft';
import { minutesOf, zonedToUtc } from './wib';

/** The places in the dialog an error can be shown at; `form` is the step's own alert. */
export type Field =
  | 'name'
  | 'recordingId'
  | 'rosterId'
  | 'start'
  | 'sms'
  | 'onDisconnect'
  | 'onUnanswered'
  | 'windowStart'
  | 'windowEnd'
  | 'maxConcurrentCalls'
  | 'maxAttempts'
  | 'retryDelayMinutes'
  | 'timeZone'
  | 'endAt'
  | 'retry_busy'
  | 'retry_no_answer'
  | 'retry_unavailable'
  | 'form';

/** An error in words: a dictionary key (the console's own check) or the API's text. */
export type Said = { key: MessageKey; values?: Record<string, string | number> } | { text: string };
export type Errors = Partial<Record<Field, Said>>;

const STEP_OF: Record<Field, Step> = {
  name: 1,
  recordingId: 2,
  rosterId: 3,
  start: 3,
  sms: 3,
  onDisconnect: 3,
  onUnanswered: 3,
  windowStart: 3,
  windowEnd: 3,
  maxConcurrentCalls: 3,
  maxAttempts: 3,
  retryDelayMinutes: 3,
  timeZone: 3,
  endAt: 3,
  retry_busy: 3,
  retry_no_answer: 3,
  retry_unavailable: 3,
  form: 4,
};
export const stepOf = (f: Field): Step => STEP_OF[f];

/** Where the API's answer belongs: by its code, else by each `errors[].field` (a JSON pointer or a dotted path). */
export function placeApiError(err: ApiError): Errors {
  const byCode: Partial<Record<string, Field>> = {
    TASK_NAME_INVALID: 'name',
    RECORDING_NOT_FOUND: 'recordingId',
    RECORDING_NOT_READY: 'recordingId',
    ROSTER_NOT_FOUND: 'rosterId',
    ROSTER_NOT_READY: 'rosterId',
    ROSTER_EMPTY: 'rosterId',
    SCHEDULE_IN_PAST: 'start',
    TEMPLATE_NOT_FOUND: 'sms',
    TEMPLATE_NOT_APPROVED: 'sms',
    TEMPLATE_VARIABLES_MISSING: 'sms',
    SMS_ACCOUNT_INACTIVE: 'sms',
    END_BEFORE_START: 'endAt',
  };
  const text = err.message;
  const code = err.problem.code ?? '';
  const direct = byCode[code];
  if (direct) return { [direct]: { text } };
  const out: Errors = {};
  for (const e of err.problem.errors ?? []) {
    const f = fieldOfPath(e.field);
    out[f] ??= { text: e.message };
  }
  return Object.keys(out).length > 0 ? out : { form: { text } };
}

function fieldOfPath(raw: string): Field {
  const p = raw.replace(/^body[./]?/, '').replace(/^\//, '').replace(/\//g, '.');
  if (p === 'name') return 'name';
  if (p === 'recordingId') return 'recordingId';
  if (p === 'rosterId') return 'rosterId';
  if (p.startsWith('start')) return 'start';
  if (p.startsWith('sms.onDisconnect')) return 'onDisconnect';
  if (p.startsWith('sms.onUnanswered')) return 'onUnanswered';
  if (p.startsWith('sms')) return 'sms';
  if (p === 'dialing.callingWindow.end') return 'windowEnd';
  if (p.startsWith('dialing.callingWindow')) return 'windowStart';
  if (p === 'dialing.maxConcurrentCalls') return 'maxConcurrentCalls';
  if (p === 'dialing.maxAttempts') return 'maxAttempts';
  if (p === 'dialing.retryDelayMinutes') return 'retryDelayMinutes';
  if (p.startsWith('dialing.timeZone')) return 'timeZone';
  if (p.startsWith('dialing.endAt')) return 'endAt';
  if (p.startsWith('dialing.retry.busy')) return 'retry_busy';
  if (p.startsWith('dialing.retry.no_answer')) return 'retry_no_answer';
  if (p.startsWith('dialing.retry.unavailable')) return 'retry_unavailable';
  return 'form';
}

/** The console's own checks of one step: the same rules as the API, so the user hears at once. */
export function localErrors(step: Step, d: Draft, now = Date.now()): Errors {
  const e: Errors = {};
  if (step === 1) {
    const p = nameProblem(d.name);
    if (p) e.name = p;
  }
  if (step === 2 && !d.recordingId) e.recordingId = { key: 'tasks.recording.required' };
  if (step === 3) {
    if (!d.rosterId) e.rosterId = { key: 'tasks.roster.required' };
    if (d.startMode === 'scheduled') {
      const at = zonedToUtc(d.startAt, d.timeZone);
      if (!at) e.start = { key: 'tasks.start.required' };
      else if (Date.parse(at) <= now) e.start = { key: 'tasks.start.past' };
    }
    if (d.onDisconnect.enabled && !d.onDisconnect.templateId) e.onDisconnect = { key: 'tasks.sms.templateRequired' };
    if (d.onUnanswered.enabled && !d.onUnanswered.templateId) e.onUnanswered = { key: 'tasks.sms.templateRequired' };
    const ws = minutesOf(d.windowStart);
    const we = minutesOf(d.windowEnd);
    if (ws === undefined || ws >= 24 * 60) e.windowStart = { key: 'tasks.window.invalid' };
    if (we === undefined) e.windowEnd = { key: 'tasks.window.invalid' };
    else if (ws !== undefined && we <= ws) e.windowEnd = { key: 'tasks.window.order' };
    const whole = (v: string, lo: number, hi: number) => /^\d+$/.test(v) && Number(v) >= lo && Number(v) <= hi;
    if (!whole(d.maxConcurrentCalls, 1, 10000)) e.maxConcurrentCalls = { key: 'tasks.number.invalid' };
    if (!whole(d.maxAttempts, 1, 10)) e.maxAttempts = { key: 'tasks.number.invalid' };
    if (!whole(d.retryDelayMinutes, 0, 1440)) e.retryDelayMinutes = { key: 'tasks.number.invalid' };
    for (const o of retryOutcomes) {
      const r = d.retry[o];
      if (r.maxAttempts.trim() === '' && r.delayMinutes.trim() !== '') e[`retry_${o}`] = { key: 'tasks.retry.attemptsFirst' };
      else if (r.maxAttempts.trim() !== '' && (!whole(r.maxAttempts, 1, 10) || (r.delayMinutes.trim() !== '' && !whole(r.delayMinutes, 0, 1440)))) e[`retry_${o}`] = { key: 'tasks.retry.invalid' };
    }
    if (d.endAt) {
      const end = zonedToUtc(d.endAt, d.timeZone);
      const start = d.startMode === 'scheduled' ? Date.parse(zonedToUtc(d.startAt, d.timeZone) ?? '') : now;
      if (!end) e.endAt = { key: 'tasks.endAt.invalid' };
      else if (!Number.isNaN(start) && Date.parse(end) <= start) e.endAt = { key: 'tasks.endAt.beforeStart' };
    }
  }
  return e;
}

/** `POST /v1/tasks?dryRun=true`: the API's verdict and the task it would make (its `nextCallAt`), nothing created. */
export const dryRunTask = (d: Draft) => unwrap(api.POST('/v1/tasks', { params: { query: { dryRun: true } }, body: toBody(d) })) as Promise<{ valid: boolean; task: Task }>;

/**
 * The check of one step before "Next Step": the console's own rules, then the API's verdict on the
 * whole draft (`?dryRun=true`), of which only the errors of this step and the ones before it count
 * (later steps are not filled in yet).
 */
export async function checkStep(step: Step, d: Draft): Promise<Errors> {
  const local = localErrors(step, d);
  if (Object.keys(local).length > 0) return local;
  try {
    await dryRunTask(d);
    return {};
  } catch (err) {
    if (!(err instanceof ApiError) || err.status === 0 || err.status >= 500 || err.status === 401) throw err;
    const placed = placeApiError(err);
    return Object.fromEntries(Object.entries(placed).filter(([f]) => stepOf(f as Field) <= step || step === 4)) as Errors;
  }
}
