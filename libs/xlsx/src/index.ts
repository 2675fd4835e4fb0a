export { NoWorksheet, TextBudgetExceeded, TooManySharedStrings, XlsxError, ZipError } from './errors';
export { inspectXlsx, type InspectCaps, type ZipVerdict } from './inspect';
export { MAX_SHARED_STRINGS, readSheet, SharedStrings, SheetRow, XlsxFile, type RowLimits, type SheetOptions, type SheetRef } from './reader';
export { partChunks, zipDirectory, type InflateBudget, type ZipEntry } from './zip';
