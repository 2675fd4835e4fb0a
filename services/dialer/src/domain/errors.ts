import { defineErrors } from '@autocall/contracts';

export const dialerErrors = defineErrors({
  TASK_NOT_FOUND: { status: 404, message: 'The task does not exist.' },
  CONTROL_SUPERSEDED: { status: 409, message: 'The task is under versioned control; an unversioned (v1) hold, release or cancel changes nothing.' },
  DNC_NOT_FOUND: { status: 404, message: 'The number is not on the do-not-call list.' },
  INVALID_PHONE: { status: 400, message: 'The phone is not a valid number of the allowed regions.' },
  DNC_IMPORT_NOT_MULTIPART: { status: 415, message: 'Upload the .xlsx as multipart/form-data with a "file" part.' },
  DNC_IMPORT_NOT_XLSX: { status: 415, message: 'The file is not an .xlsx workbook (a zip with workbook parts).' },
  DNC_IMPORT_FILE_MISSING: { status: 400, message: 'The multipart body has no file part.' },
  DNC_IMPORT_TOO_MANY_FILES: { status: 400, message: 'Send exactly one file per request.' },
  DNC_IMPORT_TOO_LARGE: { status: 422, message: 'The workbook decompresses to more than the allowed size or ratio.' },
  DNC_IMPORT_TOO_MANY_ROWS: { status: 422, message: 'The workbook has more rows than one import may (1,048,575).' },
  DNC_IMPORT_NO_PHONE_COLUMN: { status: 422, message: 'No header names a phone column (Phone Number, Phone, Nomor, No HP, …).' },
  DNC_IMPORT_UNREADABLE: { status: 422, message: 'The workbook could not be read (corrupt or password-protected).' },
});
