import type { RowReason } from '../domain/roster-rows';

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const NEEDS_ESCAPE = /[\\\t\n\r]/;
/** PostgreSQL COPY text format escaping. */
export const copyEscape = (s: string) => (NEEDS_ESCAPE.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]) : s);

/**
 * COPY text lines of one import attempt, in the column order of EntryWriter's COPY statements.
 * Pure (no @autocall or pg imports): the import thread builds them, the main thread only sends.
 */
export class CopyLines {
  private readonly prefix: string;

  constructor(rosterId: string, attempt: number) {
    this.prefix = `${rosterId}\t${attempt}\t`;
  }

  entry(rowNumber: number, phone: string, rawPhone: string, name: string | null, variables: string): string {
    return `${this.prefix}${rowNumber}\t${phone}\t${copyEscape(rawPhone)}\t${name === null ? '\\N' : copyEscape(name)}\t${copyEscape(variables)}\n`;
  }

  error(rowNumber: number, rawPhone: string, reason: RowReason): string {
    return `${this.prefix}${rowNumber}\t${copyEscape(rawPhone)}\t${reason}\n`;
  }
}
