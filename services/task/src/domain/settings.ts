import type { Static } from '@sinclair/typebox';
import { replyKeywordProblems, type ReplyRule, type TaskDialingInput, type TaskDialingSettings, type TaskSmsInput, type TaskSmsSettings } from '@autocall/contracts';
import { isTimeZone } from '@autocall/dialing-time';
import { invalidField, taskErrors } from './errors';
import { parseStartAt } from './time';
import { assertWindow } from './time';

/** As stored: rows of before reply rules have none (`replyRules` absent). */
export type SmsSettings = Static<typeof TaskSmsSettings> & { replyRules?: Static<typeof ReplyRule>[] };
export type DialingSettings = Static<typeof TaskDialingSettings>;
type SmsInput = Static<typeof TaskSmsInput>;
type DialingInput = Static<typeof TaskDialingInput>;

export const DEFAULT_DIALING: DialingSettings = Object.freeze({
  maxConcurrentCalls: 10,
  callsPerSecond: 5,
  ringTimeoutSeconds: 30,
  maxAttempts: 1,
  retryDelayMinutes: 30,
  callerId: null,
  callingWindow: Object.freeze({ start: '08:00', end: '20:00', days: [1, 2, 3, 4, 5, 6, 7] }),
}) as DialingSettings;

export const DEFAULT_SMS: SmsSettings = {
  onDisconnect: { enabled: false, templateId: null, when: 'anyAnswered' },
  onUnanswered: { enabled: false, templateId: null, includeInvalid: false },
};

/**
 * Applies an input (create: over the defaults; PATCH: over the stored settings). Given fields
 * replace stored ones; a given rule replaces the stored rule (its omitted fields take defaults).
 */
export function mergeSms(base: SmsSettings, input: SmsInput | undefined): SmsSettings {
  const out: SmsSettings = { onDisconnect: { ...base.onDisconnect }, onUnanswered: { ...base.onUnanswered } };
  if (input?.onDisconnect) {
    const r = input.onDisconnect;
    out.onDisconnect = { enabled: r.enabled, templateId: r.templateId ?? null, when: r.when ?? 'anyAnswered' };
  }
  if (input?.onUnanswered) {
    const r = input.onUnanswered;
    out.onUnanswered = { enabled: r.enabled, templateId: r.templateId ?? null, includeInvalid: r.includeInvalid ?? false };
  }
  const rules = input?.replyRules
    ? input.replyRules.map((r) => ({ keywords: r.keywords, action: r.action, tag: r.tag, replyTemplateId: r.replyTemplateId ?? null }))
    : (base.replyRules ?? []);
  const [clash] = replyKeywordProblems(rules, []);
  if (clash) throw invalidField(clash.field, clash.message);
  if (rules.length > 0) out.replyRules = rules;
  for (const key of ['onDisconnect', 'onUnanswered'] as const) {
    if (out[key].enabled && !out[key].templateId) throw invalidField(`sms.${key}.templateId`, 'is required when enabled is true');
  }
  return out;
}

/**
 * `timeZone` defaults to the stored one, else the platform's (`platformZone`); an unknown zone is
 * 400 naming `dialing.timeZone`. `skipBlackouts` defaults to the stored one, else true.
 */
export function mergeDialing(base: DialingSettings, input: DialingInput | undefined, platformZone: string): DialingSettings {
  const out: DialingSettings = {
    ...base,
    callingWindow: { ...base.callingWindow, days: [...base.callingWindow.days] },
    timeZone: input?.timeZone ?? base.timeZone ?? platformZone,
    skipBlackouts: input?.skipBlackouts ?? base.skipBlackouts ?? true,
  };
  if (!isTimeZone(out.timeZone!)) throw invalidField('dialing.timeZone', 'is not a known IANA time zone (e.g. Asia/Jakarta, Asia/Makassar, Asia/Jayapura)');
  if (!input) return out;
  // read in the task's zone (as it is after this change) when it has no offset
  if (input.endAt !== undefined) out.endAt = input.endAt === null ? null : parseStartAt(input.endAt, out.timeZone!, 'dialing.endAt').toISOString();
  for (const k of ['maxConcurrentCalls', 'callsPerSecond', 'ringTimeoutSeconds', 'maxAttempts', 'retryDelayMinutes'] as const) {
    if (input[k] !== undefined) out[k] = input[k];
  }
  if (input.callerId !== undefined) out.callerId = input.callerId;
  if (input.retry !== undefined) {
    // each outcome's delay defaults to the task's retryDelayMinutes as it is after this change
    const retry: NonNullable<DialingSettings['retry']> = {};
    for (const k of ['no_answer', 'busy', 'unavailable'] as const) {
      const r = input.retry[k];
      if (r) retry[k] = { maxAttempts: r.maxAttempts, delayMinutes: r.delayMinutes ?? out.retryDelayMinutes };
    }
    out.retry = retry;
  }
  if (input.dtmf !== undefined) {
    const rules = (input.dtmf.rules ?? []).map((r, i) => {
      if (r.action === 'tag' && !r.tag) throw invalidField(`dialing.dtmf.rules.${i}.tag`, 'is required for action tag');
      return { digits: r.digits, action: r.action, ...(r.tag ? { tag: r.tag } : {}), hangup: r.hangup ?? false };
    });
    out.dtmf = { enabled: input.dtmf.enabled, rules };
  }
  if (input.amd !== undefined) out.amd = { enabled: input.amd.enabled, onMachine: input.amd.onMachine ?? 'hangup' };
  if (input.callingWindow) {
    const w = input.callingWindow;
    out.callingWindow = { start: w.start ?? out.callingWindow.start, end: w.end ?? out.callingWindow.end, days: w.days ? [...w.days].sort((a, b) => a - b) : out.callingWindow.days };
  }
  assertWindow(out.callingWindow);
  return out;
}

/** A task's end time must come after its start (422 END_BEFORE_START). */
export function assertEndAfterStart(dialing: DialingSettings, startAt: Date): void {
  if (dialing.endAt && Date.parse(dialing.endAt) <= startAt.getTime()) throw taskErrors.END_BEFORE_START();
}

/** Template ids of the enabled rules, distinct. */
export function enabledTemplates(sms: SmsSettings): string[] {
  const replies = (sms.replyRules ?? []).flatMap((r) => (r.replyTemplateId ? [r.replyTemplateId] : []));
  return [...new Set([...[sms.onDisconnect, sms.onUnanswered].filter((r) => r.enabled && r.templateId).map((r) => r.templateId as string), ...replies])];
}
