import type { MessageKey } from '../i18n/languages';

/**
 * The task name rule of API.md (services/task/src/domain/task-name.ts), checked as the user types
 * so the dialog says what is wrong before anything is sent: only the plain space is trimmed; then
 * 1–64 code points, each an ASCII letter or digit, a Han character or a space.
 */
const ALLOWED = /[A-Za-z0-9 \p{Script=Han}]/u;
export const NAME_MAX = 64;

export type NameProblem = { key: MessageKey; values?: Record<string, string | number> } | undefined;

/** What is wrong with `raw` as a task name, in the words of the dictionary, or undefined when it is fine. */
export function nameProblem(raw: string): NameProblem {
  const name = raw.replace(/^ +| +$/g, '');
  const chars = [...name];
  if (chars.length === 0) return { key: 'tasks.name.empty' };
  const bad = [...new Set(chars.filter((c) => !ALLOWED.test(c)))];
  if (bad.length > 0) return { key: 'tasks.name.badCharacters', values: { chars: bad.map(shown).join(' ') } };
  if (chars.length > NAME_MAX) return { key: 'tasks.name.tooLong', values: { count: chars.length } };
  return undefined;
}

/** An invisible character (tab, no-break space) is named by its code point, so the user can see what to remove. */
const shown = (c: string) => (/[\p{L}\p{N}\p{P}\p{S}]/u.test(c) ? c : `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
