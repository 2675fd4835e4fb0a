import { ApiError } from '../api/client';
import { problemMessage } from '../api/problem';
import type { MessageKey } from '../i18n/languages';

type T = (key: MessageKey, values?: Record<string, string | number>) => string;

/** The API's codes of these pages that a person meets, in their language (the rest: problemMessage, the API's own words). */
const WORDS: Record<string, MessageKey> = {
  TEMPLATE_IN_USE: 'templates.inUse',
  ROSTER_IN_USE: 'rosters.inUse',
  RECORDING_IN_USE: 'recordings.inUse',
  ROSTER_NOT_XLSX: 'rosters.file.notXlsx',
  ROSTER_TOO_LARGE: 'rosters.file.tooLarge',
  RECORDING_NOT_MP3: 'recordings.file.notMp3',
  RECORDING_CORRUPT: 'recordings.file.corrupt',
  RECORDING_TOO_LONG: 'recordings.file.tooLong',
};

export function libraryProblem(t: T, err: unknown): string {
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
    throw new Error(libraryProblem(t, err));
  }
}
