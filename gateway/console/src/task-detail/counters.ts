import type { components } from '../api/schema';
import type { MessageKey } from '../i18n/languages';

/**
 * The progress object's counters in the order the chart shows them (API.md "Tasks": the final
 * outcomes, then cancelled and pending, which with them make up `total`). The page shows every one
 * the API's answer carries: `invalidNumber`, `suppressed` and `expired` are in API.md's progress but
 * arrive only with the issues that add those outcomes, and then appear without a console change.
 */
export const OUTCOME_COUNTERS = ['answered', 'noAnswer', 'busy', 'unavailable', 'invalidNumber', 'failed', 'suppressed', 'expired', 'cancelled', 'pending'] as const;
export const SMS_COUNTERS = ['smsSent', 'smsFailed'] as const;
export type Counter = (typeof OUTCOME_COUNTERS)[number] | (typeof SMS_COUNTERS)[number];

export const counterLabel = (c: Counter) => `detail.counter.${c}` as MessageKey;

export interface Count {
  counter: Counter;
  count: number;
}

/** The counters of `names` that this progress has, with their values. */
export function countsOf(progress: components['schemas']['Task']['progress'], names: readonly Counter[]): Count[] {
  const values = progress as unknown as Partial<Record<Counter, unknown>>;
  return names.flatMap((counter) => (typeof values[counter] === 'number' ? [{ counter, count: values[counter] }] : []));
}
