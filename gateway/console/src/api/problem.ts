import { ApiError } from './client';
import type { MessageKey } from '../i18n/languages';

type T = (key: MessageKey, values?: Record<string, string | number>) => string;

/**
 * An API error in words for the person at the console: the common statuses in their language, and
 * otherwise the problem's own `detail` (the API's words, which name what is wrong).
 */
export function problemMessage(t: T, err: unknown): string {
  if (!(err instanceof ApiError)) return t('error.other', { detail: err instanceof Error ? err.message : String(err) });
  if (err.status === 0) return t('error.network');
  if (err.status === 403) return t('error.forbidden');
  if (err.status === 404) return t('error.notFound');
  if (err.status === 429) return t('error.rateLimited', { seconds: err.retryAfter ?? 60 });
  if (err.status >= 500) return t('error.server');
  return t('error.other', { detail: err.message });
}

/** The API's message for one field of a 400 (`errors[{field, message}]`; `field` is a JSON pointer or a name). */
export function fieldError(err: unknown, field: string): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const hit = err.problem.errors?.find((e) => e.field === field || e.field === `/${field}` || e.field.endsWith(`/${field}`) || e.field === `body.${field}`);
  return hit?.message;
}

/**
 * The problem words of a group of pages: the API codes they expect by name in the reader's language
 * (`words`), a 413 as "too large", anything else as problemMessage; `inWords` runs a request for
 * ConfirmDialog (which shows a thrown Error's message as is) with its error already in those words.
 */
export function wordedProblems(words: Record<string, MessageKey>) {
  const problem = (t: T, err: unknown): string => {
    const code = err instanceof ApiError ? err.problem.code : undefined;
    const key = code ? words[code] : undefined;
    if (key) return t(key);
    if (err instanceof ApiError && err.status === 413) return t('library.file.refusedSize');
    return problemMessage(t, err);
  };
  const inWords = async <R>(t: T, request: () => Promise<R>): Promise<R> => {
    try {
      return await request();
    } catch (err) {
      throw new Error(problem(t, err));
    }
  };
  return { problem, inWords };
}
