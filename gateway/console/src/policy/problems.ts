import { ApiError } from '../api/client';
import { problemMessage } from '../api/problem';
import type { MessageKey } from '../i18n/languages';

type T = (key: MessageKey, values?: Record<string, string | number>) => string;

/** The API's codes of the dialing-policy and webhook pages that a person meets, in their language (the rest: problemMessage). */
const WORDS: Record<string, MessageKey> = {
  INVALID_PHONE: 'dnc.error.invalidPhone',
  DNC_IMPORT_NOT_XLSX: 'rosters.file.notXlsx',
  DNC_IMPORT_TOO_LARGE: 'rosters.file.tooLarge',
  WEBHOOK_URL_FORBIDDEN: 'webhooks.error.urlForbidden',
  WEBHOOK_LIMIT: 'webhooks.error.limit',
};

export function policyProblem(t: T, err: unknown): string {
  const code = err instanceof ApiError ? err.problem.code : undefined;
  const key = code ? WORDS[code] : undefined;
  if (key) return t(key);
  if (err instanceof ApiError && err.status === 413) return t('library.file.refusedSize');
  return problemMessage(t, err);
}

/** Runs `request`; its API error becomes an Error in words, for ConfirmDialog (which shows an Error's message as is). */
export async function inWords<R>(t: T, request: () => Promise<R>): Promise<R> {
  try {
    return await request();
  } catch (err) {
    throw new Error(policyProblem(t, err));
  }
}
