import { taskErrors } from './errors';

// Exactly API.md's alphabet: ASCII letters, ASCII digits, Han characters, the plain space.
// Not \w (lets "_" through) and not \p{L} (lets "é" through).
const NAME = /^[A-Za-z0-9 \p{Script=Han}]{1,64}$/u;

/** The task name rule, for create and rename: returns the trimmed name or throws 400 TASK_NAME_INVALID. */
export function validateTaskName(raw: string): string {
  const name = trimSpaces(raw);
  // {1,64} counts code points under /u, so a Han character outside the BMP counts once.
  if (!NAME.test(name)) throw taskErrors.TASK_NAME_INVALID();
  return name;
}

export function isValidTaskName(raw: string): boolean {
  return NAME.test(trimSpaces(raw));
}

/** Only the plain space is trimmed (API.md): a tab, newline or no-break space at either end is refused, not hidden. */
function trimSpaces(raw: string): string {
  return raw.replace(/^ +| +$/g, '');
}
