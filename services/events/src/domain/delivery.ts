/** Delivery rules: what an attempt's answer means, when the next one is due, when an endpoint is disabled. Pure. */

/** What one POST to a receiver came to. */
export interface AttemptOutcome {
  /** a 2xx within the timeout, its body read */
  delivered: boolean;
  statusCode: number | null;
  /** why it failed, in words (status, timeout, redirect, body cap, connection…); null when delivered */
  error: string | null;
}

/** The port the delivery worker posts through (adapters/webhook-sender.ts). */
export interface WebhookSender {
  post(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<AttemptOutcome>;
  close(): Promise<void>;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `5s,5m,30m` → [5000, 300000, 1800000]. */
export function parseSchedule(text: string): number[] {
  return text.split(',').map((part) => {
    const m = /^\s*(\d+)(ms|s|m|h)\s*$/.exec(part);
    if (!m) throw new Error(`not a duration: ${part}`);
    return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  });
}

export type Verdict =
  | { status: 'delivered' }
  | { status: 'pending'; retryInMs: number }
  | { status: 'failed' };

/**
 * After a failed attempt: retried after the schedule's wait for the attempts made since the
 * delivery was (re)started, or `failed` once the schedule is spent. A 410 ends it at once.
 */
export function afterAttempt(outcome: AttemptOutcome, attemptsInCycle: number, schedule: number[]): Verdict {
  if (outcome.delivered) return { status: 'delivered' };
  if (outcome.statusCode === 410) return { status: 'failed' };
  const wait = schedule[attemptsInCycle - 1];
  return wait === undefined ? { status: 'failed' } : { status: 'pending', retryInMs: wait };
}

/** Why the platform disabled an endpoint, when it does. */
export function disableReason(outcome: AttemptOutcome, failingSince: Date | null, now: Date, disableAfterMs: number): string | null {
  if (outcome.delivered) return null;
  if (outcome.statusCode === 410) return 'The endpoint answered 410 Gone.';
  if (failingSince && now.getTime() - failingSince.getTime() >= disableAfterMs) {
    return `Every delivery failed for ${Math.round(disableAfterMs / 3_600_000)} h (since ${failingSince.toISOString()}).`;
  }
  return null;
}

/**
 * Each webhook's share of `budget` free workers: one at a time round the endpoints, none past its
 * room nor its tenant's (`tenantRoom`, the same for every endpoint of a tenant).
 */
export function shareSlots(rooms: { id: string; room: number; tenantId?: string; tenantRoom?: number }[], budget: number): Map<string, number> {
  const share = new Map<string, number>();
  const tenantHas = new Map<string, number>();
  let left = budget;
  let progress = true;
  while (left > 0 && progress) {
    progress = false;
    for (const r of rooms) {
      if (left === 0) break;
      const have = share.get(r.id) ?? 0;
      const tenant = r.tenantId ?? r.id;
      const tenantHave = tenantHas.get(tenant) ?? 0;
      if (have < r.room && tenantHave < (r.tenantRoom ?? Infinity)) {
        share.set(r.id, have + 1);
        tenantHas.set(tenant, tenantHave + 1);
        left--;
        progress = true;
      }
    }
  }
  return share;
}

/** A receiver's text as an error excerpt: control characters folded, at most `max` characters. */
export function excerpt(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
