import type { paths } from '../../api/schema';
import { platformTimeZone } from '../../time/zone';
import { zonedToUtc } from './wib';

export type Step = 1 | 2 | 3 | 4;
export type CreateTaskBody = paths['/v1/tasks']['post']['requestBody']['content']['application/json'];

/** The outcomes a number is retried after (API.md `dialing.retry`), each with its own rule or, left empty, the general one. */
export const retryOutcomes = ['busy', 'no_answer', 'unavailable'] as const;
export type RetryOutcome = (typeof retryOutcomes)[number];
/** What a call a machine answered does (API.md `dialing.amd.onMachine`). */
export const onMachineChoices = ['hangup', 'play', 'playAfterBeep'] as const;
export type OnMachine = (typeof onMachineChoices)[number];

export interface RetryRule {
  maxAttempts: string;
  delayMinutes: string;
}

export interface SmsRule {
  enabled: boolean;
  templateId?: string;
}

/** A reply rule as typed: keywords comma-separated; no template: the number is tagged, nothing is sent back. */
export interface ReplyRuleDraft {
  keywords: string;
  tag: string;
  replyTemplateId?: string;
}

/**
 * Everything the "Add" dialog holds, as typed (strings for numbers and times, so a half-typed value
 * survives), and the `Idempotency-Key` of this opening of the dialog: a double click on "Submit",
 * or a retry after a lost answer, makes one task.
 */
export interface Draft {
  step: Step;
  idempotencyKey: string;
  name: string;
  recordingId?: string;
  rosterId?: string;
  startMode: 'immediate' | 'scheduled';
  /** `YYYY-MM-DDTHH:mm` in the task's zone */
  startAt: string;
  /** the task's IANA zone: the start, the end, the calling window and blackouts are read in it */
  timeZone: string;
  skipBlackouts: boolean;
  /** answering-machine detection on a SIP trunk (API.md `dialing.amd`), and what a machine gets */
  amd: boolean;
  onMachine: OnMachine;
  /** `YYYY-MM-DDTHH:mm` in the task's zone, or empty: no end */
  endAt: string;
  /** per outcome; an empty `maxAttempts` leaves the outcome to `maxAttempts`/`retryDelayMinutes` */
  retry: Record<RetryOutcome, RetryRule>;
  onDisconnect: SmsRule;
  onUnanswered: SmsRule;
  /** what a reply to the task's SMS does (API.md `sms.replyRules`) */
  replyRules: ReplyRuleDraft[];
  windowStart: string;
  windowEnd: string;
  maxConcurrentCalls: string;
  maxAttempts: string;
  retryDelayMinutes: string;
}

/** The API's defaults (API.md `dialing`), shown in the folded advanced settings. */
export function newDraft(): Draft {
  return {
    step: 1,
    idempotencyKey: crypto.randomUUID(),
    name: '',
    startMode: 'immediate',
    startAt: '',
    timeZone: platformTimeZone,
    skipBlackouts: true,
    amd: false,
    onMachine: 'hangup',
    endAt: '',
    retry: { busy: { maxAttempts: '', delayMinutes: '' }, no_answer: { maxAttempts: '', delayMinutes: '' }, unavailable: { maxAttempts: '', delayMinutes: '' } },
    onDisconnect: { enabled: false },
    onUnanswered: { enabled: false },
    replyRules: [],
    windowStart: '08:00',
    windowEnd: '20:00',
    maxConcurrentCalls: '10',
    maxAttempts: '1',
    retryDelayMinutes: '30',
  };
}

const NIL = '00000000-0000-0000-0000-000000000000';

/** The create request the draft stands for; the scheduled time goes as UTC (09:00 WIB → 02:00Z), whatever the browser's zone. */
export function toBody(d: Draft): CreateTaskBody {
  const retry: NonNullable<CreateTaskBody['dialing']>['retry'] = {};
  for (const o of retryOutcomes) {
    const r = d.retry[o];
    if (r.maxAttempts.trim() !== '') retry[o] = { maxAttempts: Number(r.maxAttempts), ...(r.delayMinutes.trim() !== '' ? { delayMinutes: Number(r.delayMinutes) } : {}) };
  }
  const rule = (r: SmsRule) => (r.enabled ? { enabled: true, templateId: r.templateId ?? null } : { enabled: false });
  return {
    name: d.name,
    // a step's dry run comes before the later steps are chosen: the nil UUID passes the schema, so the
    // API judges what is filled in (the name) and answers "not found" for the rest, which the step ignores
    recordingId: d.recordingId ?? NIL,
    rosterId: d.rosterId ?? NIL,
    start: d.startMode === 'immediate' ? { mode: 'immediate' } : { mode: 'scheduled', at: zonedToUtc(d.startAt, d.timeZone) ?? d.startAt },
    sms: {
      onDisconnect: rule(d.onDisconnect),
      onUnanswered: rule(d.onUnanswered),
      ...(d.replyRules.length > 0
        ? {
            replyRules: d.replyRules.map((r) => ({
              keywords: r.keywords.split(',').map((k) => k.trim()).filter((k) => k !== ''),
              action: 'tag' as const,
              tag: r.tag.trim(),
              ...(r.replyTemplateId ? { replyTemplateId: r.replyTemplateId } : {}),
            })),
          }
        : {}),
    },
    dialing: {
      maxConcurrentCalls: Number(d.maxConcurrentCalls),
      maxAttempts: Number(d.maxAttempts),
      retryDelayMinutes: Number(d.retryDelayMinutes),
      callingWindow: { start: d.windowStart, end: d.windowEnd },
      timeZone: d.timeZone,
      skipBlackouts: d.skipBlackouts,
      retry,
      ...(d.amd ? { amd: { enabled: true, onMachine: d.onMachine } } : {}),
      ...(d.endAt ? { endAt: zonedToUtc(d.endAt, d.timeZone) ?? d.endAt } : {}),
    },
  };
}

/**
 * The draft is kept in sessionStorage while the dialog is open: a session that expires mid-wizard
 * sends the user to the login page, and after logging in the Scheduler opens the dialog again with
 * what was typed. Closing the dialog (or creating the task) forgets it.
 */
const KEY = 'autocall.console.taskDraft';

export function savedDraft(): Draft | undefined {
  try {
    const raw = window.sessionStorage.getItem(KEY);
    if (!raw) return undefined;
    const d = JSON.parse(raw) as Partial<Draft>;
    const fresh = newDraft();
    return typeof d.idempotencyKey === 'string' ? { ...fresh, ...d, retry: { ...fresh.retry, ...d.retry } } : undefined;
  } catch {
    return undefined;
  }
}

export function saveDraft(d: Draft): void {
  try {
    window.sessionStorage.setItem(KEY, JSON.stringify(d));
  } catch {
    /* storage full or refused: the draft lives as long as the page */
  }
}

export function forgetDraft(): void {
  try {
    window.sessionStorage.removeItem(KEY);
  } catch {
    /* nothing kept */
  }
}
