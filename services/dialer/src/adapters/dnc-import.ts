import { AppError } from '@autocall/contracts';
import { isPhoneHeader, type PhoneNormalizer } from '@autocall/phone';
import { inspectXlsx, NoWorksheet, readSheet, TextBudgetExceeded, TooManySharedStrings } from '@autocall/xlsx';
import { dialerErrors } from '../domain/errors';

export interface DncImportCaps {
  /** Zip-bomb guards, as the roster's: what the directory may announce, the highest part ratio. */
  maxUncompressedBytes: number;
  maxRatio: number;
  /** Text the cells may expand to, counted as they are read. */
  maxExpandedBytes: number;
  /** Most non-blank data rows (Excel's limit less the header). */
  maxRows: number;
}

/** A valid number of a row, as it was written and normalised. */
export interface DncImportNumber {
  phone: string;
  rawPhone: string;
}

/** Rows handed on at a time (one transaction each), and how often the scan lets the event loop run. */
const CHUNK = 5000;

/**
 * Reads an .xlsx do-not-call import with the shared reader (@autocall/xlsx), as a roster is read:
 * the sheet named `Roster` (or `DNC`) else the first, the phone column found by its header
 * (@autocall/phone), every later non-blank row's phone normalised with the roster's rules. Valid
 * numbers go to `onChunk` CHUNK at a time (awaited: back-pressure), so memory stays flat whatever
 * the file's size; the scan yields to the event loop between chunks, so calls keep flowing while a
 * million rows are read. Answers how many rows had no valid number. 415/422 for a file that is not
 * an xlsx, too large, unreadable or without a phone column.
 */
export async function readDncImport(bytes: Buffer, phones: PhoneNormalizer, caps: DncImportCaps, onChunk: (numbers: DncImportNumber[]) => Promise<void>): Promise<{ invalid: number }> {
  const verdict = inspectXlsx(bytes, { maxUncompressedBytes: caps.maxUncompressedBytes, maxRatio: caps.maxRatio });
  if (verdict.kind === 'not-xlsx') throw dialerErrors.DNC_IMPORT_NOT_XLSX();
  if (verdict.kind === 'encrypted') throw dialerErrors.DNC_IMPORT_UNREADABLE('The workbook is password-protected.');
  if (verdict.kind === 'too-large') throw dialerErrors.DNC_IMPORT_TOO_LARGE(`The workbook is too large once decompressed (${verdict.detail}).`);
  let phoneCol = -1;
  let rows = 0;
  let invalid = 0;
  let chunk: DncImportNumber[] = [];
  const text = { left: caps.maxExpandedBytes, limit: caps.maxExpandedBytes };
  try {
    await readSheet(
      bytes,
      {
        maxUncompressedBytes: caps.maxUncompressedBytes,
        limits: { maxCellChars: 500, text },
        pick: (sheets) => sheets.find((s) => ['roster', 'dnc'].includes(s.name.trim().toLowerCase())) ?? sheets[0],
      },
      async (_rowNumber, row) => {
        if (!row.hasText) return;
        if (phoneCol < 0) {
          for (let k = 0; k < row.count; k++) if (isPhoneHeader(row.text(row.cols[k]))) phoneCol = row.cols[k];
          if (phoneCol < 0) throw dialerErrors.DNC_IMPORT_NO_PHONE_COLUMN();
          return;
        }
        if (++rows > caps.maxRows) throw dialerErrors.DNC_IMPORT_TOO_MANY_ROWS();
        const rawPhone = row.text(phoneCol).trim();
        const r = phones.normalize(rawPhone);
        if (!r.ok) invalid++;
        else chunk.push({ phone: r.e164, rawPhone });
        if (chunk.length >= CHUNK) {
          const full = chunk;
          chunk = [];
          await onChunk(full);
          await new Promise((resolve) => setImmediate(resolve));
        }
      },
    );
  } catch (err) {
    if (err instanceof AppError) throw err;
    if (err instanceof NoWorksheet) throw dialerErrors.DNC_IMPORT_UNREADABLE('The workbook has no readable worksheet.');
    if (err instanceof TooManySharedStrings || err instanceof TextBudgetExceeded) throw dialerErrors.DNC_IMPORT_TOO_LARGE();
    throw dialerErrors.DNC_IMPORT_UNREADABLE();
  }
  if (phoneCol < 0) throw dialerErrors.DNC_IMPORT_NO_PHONE_COLUMN();
  if (chunk.length > 0) await onChunk(chunk);
  return { invalid };
}
