import { ApiError } from '../api/client';
import { problemMessage } from '../api/problem';
import type { MessageKey } from '../i18n/languages';

type T = (key: MessageKey, values?: Record<string, string | number>) => string;

/** The codes the admin pages expect by name, in the reader's language; every other error as all pages show it. */
const byCode: Record<string, MessageKey> = {
  EMAIL_TAKEN: 'users.error.emailTaken',
  LAST_OWNER: 'users.error.lastOwner',
  SMS_PROVIDER_URL_FORBIDDEN: 'smsAccount.error.urlForbidden',
};

export function adminProblem(t: T, err: unknown): string {
  const code = err instanceof ApiError ? err.problem.code : undefined;
  const key = code ? byCode[code] : undefined;
  return key ? t(key) : problemMessage(t, err);
}

export const problemCode = (err: unknown): string | undefined => (err instanceof ApiError ? err.problem.code : undefined);

/**
 * Runs a ConfirmDialog's request with its error already in words: ConfirmDialog shows a thrown
 * error's message, so a LAST_OWNER refusal reads as this page means it, not as the API's English.
 */
export async function inWords<R>(t: T, run: () => Promise<R>): Promise<R> {
  try {
    return await run();
  } catch (err) {
    throw new Error(adminProblem(t, err));
  }
}
