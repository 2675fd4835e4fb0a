/** The follow-up SMS rules: which kind of SMS (if any) a finished call gets. Pure, no I/O. */

export type SmsKind = 'disconnect' | 'unanswered';

export interface SmsRuleSettings {
  enabled: boolean;
  templateId: string | null;
  when?: 'anyAnswered' | 'calleeHangup' | 'humanAnswered';
  /** onUnanswered only: an invalid_number gets the SMS too */
  includeInvalid?: boolean;
}

export interface TaskSmsSettings {
  onDisconnect: SmsRuleSettings;
  onUnanswered: SmsRuleSettings;
  /** what a reply to this task's SMS does (task snapshot v2; absent before) */
  replyRules?: import('./reply').ReplyRule[];
}

export interface CallResult {
  /** answered | no_answer | busy | unavailable | invalid_number | failed */
  outcome: string;
  hangupBy: 'callee' | 'system' | null;
  /** AMD's verdict (dialing.amd); absent or null when it did not run */
  answeredBy?: 'human' | 'machine' | 'unknown' | null;
  final: boolean;
}

/**
 * Whether a call can lead to an SMS at all, before the task's settings are known: `failed` never
 * does (it may have rung), an unanswered attempt that will be retried does not yet.
 */
export function mayNeedSms(call: CallResult): boolean {
  if (call.outcome === 'answered') return true;
  if (call.outcome === 'no_answer' || call.outcome === 'busy' || call.outcome === 'unavailable' || call.outcome === 'invalid_number') return call.final;
  return false;
}

/**
 * answered → onDisconnect when enabled and its `when` holds: anyAnswered (the default) always,
 * calleeHangup when the callee hung up, humanAnswered unless AMD heard a machine; no_answer | busy
 * | unavailable on the number's last attempt → onUnanswered when enabled; invalid_number (no such
 * subscriber) likewise, but only with onUnanswered.includeInvalid; failed and non-final attempts →
 * nothing.
 */
export function followUpFor(call: CallResult, sms: TaskSmsSettings): { kind: SmsKind; templateId: string | null } | null {
  if (!mayNeedSms(call)) return null;
  if (call.outcome === 'answered') {
    const rule = sms.onDisconnect;
    if (!rule.enabled) return null;
    const when = rule.when ?? 'anyAnswered';
    if (when === 'calleeHangup' && call.hangupBy !== 'callee') return null;
    if (when === 'humanAnswered' && call.answeredBy === 'machine') return null;
    return { kind: 'disconnect', templateId: rule.templateId };
  }
  const rule = sms.onUnanswered;
  if (call.outcome === 'invalid_number' && rule.includeInvalid !== true) return null;
  return rule.enabled ? { kind: 'unanswered', templateId: rule.templateId } : null;
}

/**
 * Template variables of one message: every roster column, then the built-ins (which win over a
 * column of the same name): the roster name, the number as dialled (E.164) and the task's name.
 */
export function messageVariables(call: { phone: string; name: string | null; variables: Record<string, string> }, taskName: string): Record<string, string | null> {
  return { ...call.variables, name: call.name ?? call.variables.name ?? null, phone: call.phone, taskName };
}

/** Delay before provider attempt `attempts + 1`: base · 2^(attempts − 1), capped at 10 minutes. */
export function retryDelayMs(attempts: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), 600_000);
}
