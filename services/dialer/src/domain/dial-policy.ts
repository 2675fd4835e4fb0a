import { addDays, blackoutEnd, insideWindow as openAt, localTime, nextDialableAt, zonedInstant, type BlackoutRanges } from '@autocall/dialing-time';
import type { NotPlacedReason } from './carrier';

/**
 * The one answer to "may this number be called now?" (issue 12). Every place that asks goes
 * through `mayDial`:
 * - the claim (`AttemptRepository.claim`): its SQL filters the same rules set-based, for speed —
 *   a fast pre-filter of this function, which is the rule (control state, calling window, due);
 * - the pre-INVITE check (`TaskRepository.whileDialable`, the carrier's `beforeSend`): the task's
 *   committed control state and whether the attempt is still this replica's, read under row locks;
 * - an attempt the carrier did not place (`usecases/dial-attempt.ts`): back
 *   to the queue after a back-off, or settled once unplaced tries keep failing.
 *
 * `DialContext` is the facts a checkpoint has; each rule applies where its fact is given and is
 * skipped where it is absent (the pre-INVITE check does not re-judge the calling window: a call
 * claimed inside it is placed even if the window closes while its recording loads). The next
 * dialing rules are more optional facts and one more rule each, in the order below: the
 * do-not-call list (`dnc?: {listed, source}` → settle), blackout dates (`blackouts?` → wait until
 * the blackout ends), the contact cap per number per local day (`caps?` → wait for the next day's opening), the task's end time
 * (`endsAt?` → settle). A checkpoint that must enforce a rule passes its fact; where the context
 * is built is named in the README ("adding a dialing rule touches these files").
 *
 * After the claim, not-placed and control rules, the dialing rules apply in this order (README):
 * do-not-call list → end time → blackout → calling window → caps → limits (due time last).
 */

/** What the policy knows of the attempt itself. */
export interface DialAttempt {
  /** 1 for a number's first attempt, 2 for its first retry… */
  attempt: number;
  /** When the attempt is due (after a retry delay or a not-placed back-off); absent: due now. */
  dueAt?: Date;
  /** Times this attempt already went back to the queue unplaced (its back-off grows with it). */
  notPlaced: number;
  /** Of those, the tries that failed (recording, setup) rather than waited for capacity or a hold. */
  notPlacedFailed: number;
}

/** The task's calling window, as the task service sends it: local wall times in `timezone`. */
export interface CallingWindowFact {
  /** 'HH:MM' (or 'HH:MM:SS'), inclusive */
  start: string;
  /** 'HH:MM', exclusive; '24:00' is the end of the day */
  end: string;
  /** ISO days of the week, 1 = Monday … 7 = Sunday */
  days: number[];
  /** IANA time zone, e.g. 'Asia/Jakarta' */
  timezone: string;
}

/** The task's control state as committed in the dialer's schema (hold = pause, cancel, delete). */
export interface ControlFact {
  started?: boolean;
  held: boolean;
  cancelled: boolean;
  deleted: boolean;
}

/** The carrier gave up on the last try before anything was sent toward the callee. */
export interface NotPlacedFact {
  reason: NotPlacedReason;
  message: string;
}

/** How long unplaced attempts wait and when they end (DIALER_NOT_PLACED_*). */
export interface NotPlacedLimits {
  backoffMs: number;
  maxBackoffMs: number;
  maxTries: number;
}

/** The number is on the tenant's do-not-call list (read when its turn comes). */
export interface DncFact {
  listed: boolean;
}

/** The tenant's blackout dates, when the task honours them (`dialing.skipBlackouts`), read in the task's zone. */
export interface BlackoutFact {
  ranges: BlackoutRanges;
  timezone: string;
}

/**
 * The tenant's cap on calls per number per local day (contact policy), across all of its tasks:
 * whether the number's calls of today, in the calling task's zone, were already at the cap when its
 * turn came (the claim counts them on a per-(tenant, number, day) row it takes).
 */
export interface CallCapFact {
  reached: boolean;
  /** the calling task's zone: the day is its local calendar day */
  timezone: string;
}

export interface DialContext {
  now: Date;
  /** Whether this replica still holds the attempt (`dialing`, claimed by it); absent before a claim. */
  claimedByMe?: boolean;
  control?: ControlFact;
  dnc?: DncFact;
  /** The task's end time (`dialing.endAt`): at or after it, pending numbers end `expired`. */
  endsAt?: Date | null;
  blackouts?: BlackoutFact;
  window?: CallingWindowFact;
  caps?: CallCapFact;
  /** The previous try was not placed (set with `limits`). */
  notPlaced?: NotPlacedFact;
  limits?: NotPlacedLimits;
}

export type WaitReason = 'not-started' | 'held' | 'cancelled' | 'deleted' | 'blackout' | 'outside-window' | 'contact-cap' | 'not-due' | 'not-placed';

/** The reason a listed number's attempt ends `suppressed`. */
export const DNC_REASON = 'DNC';
/** The reason a number still pending at the task's end time ends `expired`. */
export const END_TIME_REASON = 'END_TIME';

export type DialDecision =
  | { kind: 'dial' }
  /**
   * Not now: the attempt stays (or goes back) in the queue until `until`. A held task waits for its
   * release (`until` is now: the hold itself keeps it from being claimed). `failedTry`: the wait
   * follows a failed unplaced try (it counts toward the limit), not a wait for capacity or a hold.
   */
  | { kind: 'wait'; until: Date; reason: WaitReason; detail?: string; failedTry?: boolean }
  /**
   * Never: the attempt ends with this outcome (nothing was sent, so a final failed is safe).
   * `suppressed` (listed) and `expired` end the number without a call: not a call.completed.
   */
  | { kind: 'settle'; outcome: 'failed' | 'suppressed' | 'expired'; reason: string }
  /** Not this replica's any more: whoever took it (the sweeper, a cancel) has settled it; nothing is owed. */
  | { kind: 'drop'; reason: 'settled-elsewhere' };

/**
 * Unplaced tries that failed: the recording could not be loaded, the carrier could not be set up.
 * The others wait for something that comes back by itself — a free channel or RTP port (the
 * carrier's own calls end), the next process (shutdown), the release of a hold.
 */
export const isFailedTry = (reason: NotPlacedReason): boolean => reason === 'recording' || reason === 'setup';

/**
 * When an unplaced attempt is due again: at once when the task was held (the hold itself keeps it
 * from being claimed until released), else doubling per unplaced try from `backoffMs` up to
 * `maxBackoffMs`, so a carrier or recording outage is not hammered.
 */
export function notPlacedBackoffMs(attempt: Pick<DialAttempt, 'notPlaced'>, reason: NotPlacedReason, limits: NotPlacedLimits): number {
  if (reason === 'held') return 0;
  return Math.min(limits.maxBackoffMs, limits.backoffMs * 2 ** Math.min(attempt.notPlaced, 20));
}

export function mayDial(attempt: DialAttempt, ctx: DialContext): DialDecision {
  const now = ctx.now;
  if (ctx.claimedByMe === false) return { kind: 'drop', reason: 'settled-elsewhere' };
  if (ctx.notPlaced) {
    const limits = ctx.limits ?? { backoffMs: 0, maxBackoffMs: 0, maxTries: Infinity };
    const failedTry = isFailedTry(ctx.notPlaced.reason);
    const reason = `not placed: ${ctx.notPlaced.message}`;
    // never placed, try after try: settled, so a recording that never loads cannot keep a task from draining
    if (failedTry && attempt.notPlacedFailed + 1 >= limits.maxTries) return { kind: 'settle', outcome: 'failed', reason };
    return { kind: 'wait', until: new Date(now.getTime() + notPlacedBackoffMs(attempt, ctx.notPlaced.reason, limits)), reason: 'not-placed', detail: reason, failedTry };
  }
  const c = ctx.control;
  if (c) {
    if (c.deleted) return { kind: 'wait', until: now, reason: 'deleted' };
    if (c.cancelled) return { kind: 'wait', until: now, reason: 'cancelled' };
    if (c.held) return { kind: 'wait', until: now, reason: 'held' };
    if (c.started === false) return { kind: 'wait', until: now, reason: 'not-started' };
  }
  if (ctx.dnc?.listed) return { kind: 'settle', outcome: 'suppressed', reason: DNC_REASON };
  if (ctx.endsAt && now.getTime() >= ctx.endsAt.getTime()) return { kind: 'settle', outcome: 'expired', reason: END_TIME_REASON };
  if (ctx.blackouts) {
    const end = blackoutEnd(ctx.blackouts.ranges, ctx.blackouts.timezone, now);
    if (end) return { kind: 'wait', until: end, reason: 'blackout' };
  }
  if (ctx.window && !insideWindow(ctx.window, now)) return { kind: 'wait', until: nextWindowOpening(ctx.window, now), reason: 'outside-window' };
  // at its cap: never dropped, it waits for the next local day's first dialable instant
  if (ctx.caps?.reached) return { kind: 'wait', until: nextDayOpening(ctx.caps.timezone, now, ctx.window, ctx.blackouts?.ranges), reason: 'contact-cap' };
  if (attempt.dueAt && attempt.dueAt.getTime() > now.getTime()) return { kind: 'wait', until: attempt.dueAt, reason: 'not-due' };
  return { kind: 'dial' };
}

/** As the claim SQL: today is one of `days` and start ≤ local time < end. */
export function insideWindow(w: CallingWindowFact, at: Date): boolean {
  return openAt(w, w.timezone, at);
}

/**
 * The next instant the window opens after `at` (today's start if it is still ahead, else the next
 * allowed day's), in the zone's offset of that day (DST-safe). A window with no days never opens: `at` + 7 days.
 */
export function nextWindowOpening(w: CallingWindowFact, at: Date): Date {
  return nextDialableAt(w, w.timezone, at) ?? new Date(at.getTime() + 7 * 86_400_000);
}

/**
 * The first instant of the local day after `at`'s (in `timezone`, DST-safe) at which the task may
 * dial: its window's opening that day or a later allowed one, skipping blackouts.
 */
export function nextDayOpening(timezone: string, at: Date, window?: CallingWindowFact, blackouts: BlackoutRanges = []): Date {
  const tomorrow = zonedInstant(addDays(localTime(timezone, at).date, 1), 0, timezone);
  if (window) return nextDialableAt(window, timezone, tomorrow, blackouts) ?? new Date(tomorrow.getTime() + 7 * 86_400_000);
  return blackoutEnd(blackouts, timezone, tomorrow) ?? tomorrow;
}
