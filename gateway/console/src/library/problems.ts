import { wordedProblems } from '../api/problem';

/** The API's codes of these pages that a person meets, in their language (the rest: problemMessage, the API's own words). */
const library = wordedProblems({
  TEMPLATE_IN_USE: 'templates.inUse',
  ROSTER_IN_USE: 'rosters.inUse',
  RECORDING_IN_USE: 'recordings.inUse',
  ROSTER_NOT_XLSX: 'rosters.file.notXlsx',
  ROSTER_TOO_LARGE: 'rosters.file.tooLarge',
  RECORDING_NOT_MP3: 'recordings.file.notMp3',
  RECORDING_CORRUPT: 'recordings.file.corrupt',
  RECORDING_TOO_LONG: 'recordings.file.tooLong',
  TENANT_STORAGE_FULL: 'library.file.storageFull',
});

export const libraryProblem = library.problem;
/** Runs `request`; its API error becomes an Error in words, for ConfirmDialog (which shows an Error's message as is). */
export const inWords = library.inWords;
