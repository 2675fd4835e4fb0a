import { isDate } from '@autocall/dialing-time';
import { invalidField, MAX_BLACKOUTS, type Blackout, type CalendarView } from '@autocall/contracts';

/** A blackout as stored: an inclusive range of local dates; `single` when it was given as one `date`. */
export interface BlackoutRange {
  from: string;
  to: string;
  name: string;
  single: boolean;
}

/**
 * The calendar's blackouts from a PUT body, checked: real dates (2026-02-30 → 400), `to` not before
 * `from`, at most 366 entries (the schema says so too). 400 VALIDATION_FAILED naming the entry.
 */
export function blackoutRanges(blackouts: readonly Blackout[]): BlackoutRange[] {
  if (blackouts.length > MAX_BLACKOUTS) throw invalidField('blackouts', `must have at most ${MAX_BLACKOUTS} entries`);
  return blackouts.map((b, i) => {
    const field = `blackouts.${i}`;
    if ('date' in b) {
      if (!isDate(b.date)) throw invalidField(`${field}.date`, 'is not a real date');
      return { from: b.date, to: b.date, name: b.name, single: true };
    }
    if (!isDate(b.from)) throw invalidField(`${field}.from`, 'is not a real date');
    if (!isDate(b.to)) throw invalidField(`${field}.to`, 'is not a real date');
    if (b.to < b.from) throw invalidField(`${field}.to`, 'must not be before from');
    return { from: b.from, to: b.to, name: b.name, single: false };
  });
}

/** The API's view of a stored blackout. */
export const blackoutView = (b: BlackoutRange): CalendarView['blackouts'][number] => (b.single ? { date: b.from, name: b.name } : { from: b.from, to: b.to, name: b.name });
