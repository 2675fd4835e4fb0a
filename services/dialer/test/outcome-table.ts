/**
 * The simulated carrier's outcome and hang-up side by a number's last digit (ARCHITECTURE.md), as
 * the tests expect them; `8` is its first attempt (it answers on a later one). Shared with the
 * end-to-end tests (test/e2e), so it imports nothing.
 */
export const OUTCOME_BY_DIGIT: Record<string, [string, string | null]> = {
  '0': ['answered', 'callee'],
  '1': ['answered', 'callee'],
  '2': ['answered', 'callee'],
  '3': ['answered', 'system'],
  '4': ['answered', 'system'],
  '5': ['no_answer', null],
  '6': ['busy', null],
  '7': ['unavailable', null],
  '8': ['no_answer', null],
  '9': ['failed', null],
};
