import { NoWorksheet, readSheet, TextBudgetExceeded, TooManySharedStrings } from '@autocall/xlsx';
import { ImportFailure } from '../domain/import-failure';
import { ImportAborted, MAX_CELL_CHARS, pickSheet, rosterRows, SinkError, textTooLarge, type ParseCounts, type RowRuleOptions } from '../domain/roster-rows';

export interface ParseOptions extends RowRuleOptions {
  /** Text the roster may expand to: cells as they are read (a shared string at each reference), then each entry's variables JSON. */
  maxExpandedBytes: number;
  /** Decompressed bytes the parts read may yield, all together (checked while inflating). */
  maxUncompressedBytes: number;
  /** Checked between chunks; when it answers true the parse stops with ImportAborted. */
  aborted: () => boolean;
}

/**
 * Streams the roster sheet of an xlsx held in memory (@autocall/xlsx) through the row rules
 * (`rosterRows`), which hand every non-blank row to the sink. Memory stays flat except for the
 * duplicate set (8 bytes a slot) and the shared strings (their UTF-8 in one buffer). The sheet is
 * the one named `Roster` (case-insensitive) else the first in tab order, read from workbook.xml
 * and its relationships.
 */
export async function parseRoster(buf: Buffer, opts: ParseOptions): Promise<{ counts: ParseCounts; columns: string[] }> {
  const text = { left: opts.maxExpandedBytes, limit: opts.maxExpandedBytes };
  const rows = rosterRows(opts, text);
  try {
    const aborted = () => {
      if (opts.aborted()) throw new ImportAborted();
    };
    await readSheet(buf, { maxUncompressedBytes: opts.maxUncompressedBytes, limits: { maxCellChars: MAX_CELL_CHARS, text }, pick: pickSheet, beforeChunk: aborted }, rows.row);
  } catch (err) {
    if (err instanceof ImportFailure || err instanceof SinkError || err instanceof ImportAborted) throw err;
    if (err instanceof NoWorksheet) throw new ImportFailure('ROSTER_UNREADABLE', 'The workbook has no readable worksheet.');
    if (err instanceof TooManySharedStrings) throw new ImportFailure('ROSTER_TOO_LARGE', `The workbook has more distinct texts than a roster may (${(err as Error).message}).`);
    if (err instanceof TextBudgetExceeded) throw textTooLarge(opts.maxExpandedBytes);
    throw new ImportFailure('ROSTER_UNREADABLE', `The workbook could not be read: ${(err as Error).message}`);
  }
  return rows.end();
}
