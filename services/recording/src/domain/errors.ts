import { defineErrors } from '@autocall/contracts';

export const recordingErrors = defineErrors({
  RECORDING_NOT_FOUND: { status: 404, message: 'The recording does not exist.' },
  RECORDING_FILE_MISSING: { status: 400, message: 'The multipart request has no "file" part.' },
  RECORDING_TOO_MANY_FILES: { status: 400, message: 'Send exactly one file per request.' },
  RECORDING_NOT_MP3: { status: 415, message: 'The file is not an MP3 (MPEG audio layer III) stream.' },
  RECORDING_CORRUPT: { status: 422, message: 'The file is empty or its MPEG audio does not decode.' },
  RECORDING_TOO_LONG: { status: 422, message: 'The recording is longer than allowed.' },
  RECORDING_IN_USE: { status: 409, message: 'A task that is not completed or cancelled uses this recording.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The file is over the size limit.' },
  RANGE_NOT_SATISFIABLE: { status: 416, message: 'The requested range is outside the file.' },
  VALIDATION_FAILED: { status: 400, message: 'The request does not match the schema.' },
  NOT_MULTIPART: { status: 415, message: 'Send the recording as multipart/form-data.' },
});
