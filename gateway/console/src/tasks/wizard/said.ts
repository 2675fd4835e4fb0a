import type { MessageKey } from '../../i18n/languages';
import type { Errors, Field } from './check';

type T = (key: MessageKey, values?: Record<string, string | number>) => string;

/** The words of one field's error, in the user's language (the API's own text as it came). */
export function errorOf(t: T, errors: Errors, field: Field): string | undefined {
  const s = errors[field];
  if (!s) return undefined;
  return 'text' in s ? s.text : t(s.key, s.values);
}
