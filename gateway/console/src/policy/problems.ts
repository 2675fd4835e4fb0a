import { wordedProblems } from '../api/problem';

/** The API's codes of the dialing-policy and webhook pages that a person meets, in their language (the rest: problemMessage). */
const policy = wordedProblems({
  INVALID_PHONE: 'dnc.error.invalidPhone',
  DNC_IMPORT_NOT_XLSX: 'rosters.file.notXlsx',
  DNC_IMPORT_TOO_LARGE: 'rosters.file.tooLarge',
  WEBHOOK_URL_FORBIDDEN: 'webhooks.error.urlForbidden',
  WEBHOOK_LIMIT: 'webhooks.error.limit',
});

export const policyProblem = policy.problem;
/** Runs `request`; its API error becomes an Error in words, for ConfirmDialog (which shows an Error's message as is). */
export const inWords = policy.inWords;
