import { defineErrors } from '@autocall/contracts';

export const rosterErrors = defineErrors({
  ROSTER_NOT_FOUND: { status: 404, message: 'The roster does not exist.' },
  ROSTER_NOT_XLSX: { status: 415, message: 'The file is not an .xlsx workbook (a zip with workbook parts).' },
  ROSTER_TOO_LARGE: { status: 422, message: 'The workbook decompresses to more than the allowed size or ratio.' },
  ROSTER_FILE_MISSING: { status: 400, message: 'The multipart body has no file part.' },
  ROSTER_TOO_MANY_FILES: { status: 400, message: 'Send exactly one file per request.' },
  ROSTER_IN_USE: { status: 409, message: 'A task that is not finished uses this roster.' },
  NOT_MULTIPART: { status: 415, message: 'Upload the roster as multipart/form-data.' },
});

export { ImportFailure, type FailureReason } from './import-failure';
