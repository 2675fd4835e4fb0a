import type { CallCompletedT } from '@autocall/contracts';
import type { CallOutcome, CallResult } from './carrier';

/**
 * Whether an attempt's result ends its number (API.md "Call outcomes, retries and SMS"): answered and
 * failed never retry (a failed call may have rung), nor does anything the carrier marks not
 * retryable (404/410/604), nor the last allowed attempt, nor anything of a cancelled task.
 */
export function isFinal(result: Pick<CallResult, 'outcome' | 'retryable'>, attempt: number, maxAttempts: number, taskCancelled: boolean): boolean {
  if (taskCancelled) return true;
  if (result.outcome === 'answered' || result.outcome === 'failed') return true;
  if (!result.retryable) return true;
  return attempt >= maxAttempts;
}

/** A task's retry settings as the dialer keeps them (`dialing.retry` per outcome, else the task-wide ones). */
export interface RetrySettings {
  maxAttempts: number;
  retryDelayMinutes: number;
  perOutcome?: Partial<Record<'no_answer' | 'busy' | 'unavailable', { maxAttempts: number; delayMinutes: number }>>;
}

/**
 * The retry rule for a number whose latest attempt ended with `outcome` (API.md "Retries"): that
 * outcome's own `dialing.retry` entry, else `maxAttempts` / `retryDelayMinutes`.
 */
export function retryRuleFor(outcome: string, s: RetrySettings): { maxAttempts: number; delayMinutes: number } {
  const own = outcome === 'no_answer' || outcome === 'busy' || outcome === 'unavailable' ? s.perOutcome?.[outcome] : undefined;
  return own ?? { maxAttempts: s.maxAttempts, delayMinutes: s.retryDelayMinutes };
}

/** Answer to end; 0 when the call was never answered. */
export function durationMs(result: Pick<CallResult, 'answeredAt' | 'endedAt'>): number {
  return result.answeredAt ? Math.max(0, result.endedAt.getTime() - result.answeredAt.getTime()) : 0;
}

export interface SimulatedPlan {
  outcome: CallOutcome;
  hangupBy: 'callee' | 'system' | null;
  sipCode: number | null;
  failureReason: string | null;
  retryable: boolean;
  /** Real-time ring before the answer or the end, before scaling. */
  ringMs: number;
  /** Real-time talk after the answer, before scaling. */
  talkMs: number;
}

/** The simulated carrier's table (ARCHITECTURE.md): the outcome follows the number's last digit. */
export function simulatedPlan(phone: string, attempt: number, ringTimeoutSeconds: number, recordingMs: number): SimulatedPlan {
  const digit = phone.charAt(phone.length - 1);
  const answered = (hangupBy: 'callee' | 'system'): SimulatedPlan => ({
    outcome: 'answered',
    hangupBy,
    sipCode: 200,
    failureReason: null,
    retryable: false,
    ringMs: 3000,
    talkMs: hangupBy === 'callee' ? Math.round(recordingMs / 2) : recordingMs,
  });
  const noAnswer: SimulatedPlan = { outcome: 'no_answer', hangupBy: null, sipCode: 487, failureReason: 'ring timeout', retryable: true, ringMs: ringTimeoutSeconds * 1000, talkMs: 0 };
  switch (digit) {
    case '0':
    case '1':
    case '2':
      return answered('callee');
    case '3':
    case '4':
      return answered('system');
    case '5':
      return noAnswer;
    case '6':
      return { outcome: 'busy', hangupBy: null, sipCode: 486, failureReason: '486 Busy Here', retryable: true, ringMs: 1000, talkMs: 0 };
    case '7':
      return { outcome: 'unavailable', hangupBy: null, sipCode: 480, failureReason: 'powered off', retryable: true, ringMs: 1000, talkMs: 0 };
    case '8':
      return attempt <= 1 ? noAnswer : answered('system');
    default:
      return { outcome: 'failed', hangupBy: null, sipCode: 500, failureReason: 'carrier error', retryable: false, ringMs: 2000, talkMs: 0 };
  }
}

/** How long the simulated carrier's answering-machine detection takes to hear a machine. */
export const SIMULATED_AMD_MS = 3000;

/**
 * The simulated carrier's answering-machine detection (a task with dialing.amd), predictable as
 * its outcomes are: an answered number ending in 4 reached a machine, any other a person. A
 * machine with `onMachine: hangup` is hung up once heard (SIMULATED_AMD_MS, or the recording if
 * shorter), by the system.
 */
export function simulatedAmd(
  phone: string,
  plan: SimulatedPlan,
  amd: { enabled: boolean; onMachine: 'hangup' | 'play' | 'playAfterBeep' } | null | undefined,
): { answeredBy: 'human' | 'machine' | null; talkMs: number; hangupBy: SimulatedPlan['hangupBy'] } {
  if (!amd?.enabled || plan.outcome !== 'answered') return { answeredBy: null, talkMs: plan.talkMs, hangupBy: plan.hangupBy };
  if (!phone.endsWith('4')) return { answeredBy: 'human', talkMs: plan.talkMs, hangupBy: plan.hangupBy };
  if (amd.onMachine === 'hangup') return { answeredBy: 'machine', talkMs: Math.min(plan.talkMs, SIMULATED_AMD_MS), hangupBy: 'system' };
  return { answeredBy: 'machine', talkMs: plan.talkMs, hangupBy: plan.hangupBy };
}

/** An attempt the dialer settles `failed` itself (no call result): what its call.completed says. */
export interface SettledFailedRow {
  id: string;
  phone: string;
  row_number: number;
  attempt: number;
  name: string | null;
  variables: Record<string, string> | null;
  started_at?: Date | null;
  ended_at: Date;
}

/** The final call.completed of an attempt settled `failed` without a call result (never placed, interrupted). */
export function settledFailedEvent(r: SettledFailedRow, tenantId: string, taskId: string, reason: string): CallCompletedT {
  return {
    tenantId,
    taskId,
    attemptId: r.id,
    phone: r.phone,
    rowNumber: r.row_number,
    attempt: r.attempt,
    outcome: 'failed',
    hangupBy: null,
    sipCode: null,
    failureReason: reason,
    startedAt: (r.started_at ?? r.ended_at).toISOString(), // the contract requires one: a call never placed carries its end
    answeredAt: null,
    endedAt: r.ended_at.toISOString(),
    durationMs: 0,
    name: r.name,
    variables: r.variables ?? {},
    final: true,
  };
}
