import { escapeFormula as escapeCell } from '@autocall/contracts';

/** A row of the task report: one per number, its latest attempt. */
export interface ReportRow {
  rowNumber: number;
  phone: string;
  name: string | null;
  outcome: string;
  hangupBy: string | null;
  attempts: number;
  firstCallAt: Date | null;
  lastCallAt: Date | null;
  answeredAt: Date | null;
  endedAt: Date | null;
  durationMs: number | null;
  failureReason: string | null;
  smsKind: string | null;
  smsStatus: string | null;
  /** the number's tags (DTMF and SMS-reply rules), each once, in the order they were given */
  tags: string[];
}

export const REPORT_COLUMNS: { header: string; key: keyof ReportRow; width: number }[] = [
  { header: 'Row', key: 'rowNumber', width: 8 },
  { header: 'Phone Number', key: 'phone', width: 18 },
  { header: 'Name', key: 'name', width: 24 },
  { header: 'Outcome', key: 'outcome', width: 12 },
  { header: 'Hang-up By', key: 'hangupBy', width: 10 },
  { header: 'Attempts', key: 'attempts', width: 9 },
  { header: 'First Call At (UTC)', key: 'firstCallAt', width: 26 },
  { header: 'Last Call At (UTC)', key: 'lastCallAt', width: 26 },
  { header: 'Answered At (UTC)', key: 'answeredAt', width: 26 },
  { header: 'Ended At (UTC)', key: 'endedAt', width: 26 },
  { header: 'Duration (ms)', key: 'durationMs', width: 12 },
  { header: 'Failure Reason', key: 'failureReason', width: 20 },
  { header: 'SMS Kind', key: 'smsKind', width: 12 },
  { header: 'SMS Status', key: 'smsStatus', width: 12 },
  { header: 'Tags', key: 'tags', width: 24 },
];

/** Every export escapes cells with the platform's one formula escape (libs/contracts spreadsheet.ts). */
export { escapeCell };

/** Every cell as text (times ISO 8601 UTC), escaped. */
export function reportCells(row: ReportRow): string[] {
  return REPORT_COLUMNS.map(({ key }) => {
    const v = row[key];
    if (v === null || v === undefined) return '';
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) return escapeCell(v.join(', '));
    return escapeCell(String(v));
  });
}

/** RFC 4180 field quoting. */
export function csvLine(cells: string[]): string {
  return cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',') + '\r\n';
}
