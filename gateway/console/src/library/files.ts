import type { MessageKey } from '../i18n/languages';

/** What an upload control accepts: checked in the browser before a byte is sent (the API checks the bytes again). */
export interface FileRule {
  /** lower-case extensions with the dot, e.g. `.xlsx` */
  extensions: readonly string[];
  /** the API's size limit for this upload (API.md) */
  maxBytes: number;
  /** the words for "not this kind of file" */
  wrongType: MessageKey;
}

const MiB = 1024 * 1024;

/** `POST /v1/rosters`: only .xlsx, at most ROSTER_MAX_BYTES (50 MiB). */
export const ROSTER_FILE: FileRule = { extensions: ['.xlsx'], maxBytes: 50 * MiB, wrongType: 'rosters.file.notXlsx' };
/** `POST /v1/dnc/import`: an .xlsx as a roster's, at most DNC_IMPORT_MAX_BYTES (50 MiB). */
export const DNC_FILE: FileRule = { extensions: ['.xlsx'], maxBytes: 50 * MiB, wrongType: 'rosters.file.notXlsx' };
/** `POST /v1/recordings`: MP3, at most RECORDING_MAX_BYTES (20 MiB). */
export const RECORDING_FILE: FileRule = { extensions: ['.mp3'], maxBytes: 20 * MiB, wrongType: 'recordings.file.notMp3' };

export type FileProblem = { key: MessageKey; values?: Record<string, string | number> };

/** Why `file` cannot be uploaded under `rule`, or undefined when it may be. */
export function checkFile(file: { name: string; size: number }, rule: FileRule): FileProblem | undefined {
  const name = file.name.toLowerCase();
  if (!rule.extensions.some((e) => name.endsWith(e))) return { key: rule.wrongType };
  if (file.size === 0) return { key: 'library.file.empty' };
  if (file.size > rule.maxBytes) return { key: 'library.file.tooLarge', values: { max: `${Math.round(rule.maxBytes / MiB)} MiB` } };
  return undefined;
}

/** A file name without its extension (what the recording's name defaults to, as the API does). */
export const baseName = (fileName: string) => fileName.replace(/\.[^.]*$/, '');
