import type { CallOutcome } from '../../domain/carrier';
import { headerParam } from './sip-message';

export interface MappedOutcome {
  outcome: CallOutcome;
  retryable: boolean;
  failureReason: string | null;
}

/** The Q.850 cause of `Reason: Q.850;cause=19;text="…"` headers, if any (RFC 3326). */
export function q850Cause(reasonHeaders: string[]): number | null {
  for (const value of reasonHeaders) {
    if (!/^\s*Q\.850\b/i.test(value)) continue;
    const cause = Number(headerParam(value, 'cause'));
    if (Number.isInteger(cause)) return cause;
  }
  return null;
}

const noAnswer: MappedOutcome = { outcome: 'no_answer', retryable: true, failureReason: null };
const busy: MappedOutcome = { outcome: 'busy', retryable: true, failureReason: null };

/**
 * API.md's outcome table for a final non-2xx response to our INVITE. A Q.850 cause, where the
 * carrier sends one, describes the callee better than the SIP status (carriers squeeze many
 * causes into 480/503), so it wins; otherwise the status decides. `cancelled` says we sent CANCEL
 * after the ring timeout, which makes the 487 a ring-out rather than a carrier error.
 */
export function mapFinalResponse(status: number, reasonPhrase: string, reasonHeaders: string[], cancelled: boolean): MappedOutcome {
  const text = `${status} ${reasonPhrase}`.trim();
  const cause = q850Cause(reasonHeaders);
  const said = cause === null ? text : `${text} (Q.850 cause ${cause})`;
  const unavailable: MappedOutcome = { outcome: 'unavailable', retryable: true, failureReason: said };
  const invalid: MappedOutcome = { outcome: 'invalid_number', retryable: false, failureReason: said };
  switch (cause ?? -1) {
    case 1: // unallocated (unassigned) number
    case 3: // no route to destination
    case 22: // number changed
    case 28: // invalid number format (address incomplete)
      return invalid;
    case 17: // user busy
    case 21: // call rejected
      return busy;
    case 18: // no user responding
    case 20: // subscriber absent
      return unavailable;
    case 19: // no answer from user (rang out)
      return noAnswer;
    default:
      break;
  }
  switch (status) {
    case 487:
      return cancelled ? noAnswer : { outcome: 'failed', retryable: false, failureReason: said };
    case 408:
      return noAnswer;
    case 486:
    case 600:
    case 603:
      return busy;
    case 480:
    case 503:
      return unavailable;
    case 404: // not found
    case 410: // gone
    case 484: // address incomplete
    case 604: // does not exist anywhere
      return invalid;
    default:
      // A failed call is never retried: a 5xx can come after the phone already rang.
      return { outcome: 'failed', retryable: false, failureReason: said };
  }
}
