import type { operations } from '../api/schema';

/** Rows per page of the calls table: a page is one request of `limit` rows, whatever the task's size. */
export const CALLS_PAGE_SIZE = 25;

export type Outcome = NonNullable<operations['listTaskCalls']['parameters']['query']['outcome']>;
/** The outcomes the calls list filters by (its `outcome` query parameter). */
export const CALL_OUTCOMES: readonly Outcome[] = ['answered', 'no_answer', 'busy', 'unavailable', 'invalid_number', 'failed'];
export const isOutcome = (v: string): v is Outcome => CALL_OUTCOMES.includes(v as Outcome);
