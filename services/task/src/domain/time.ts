import { insideWindow, nextDialableAt, type BlackoutRanges } from '@autocall/dialing-time';
import { formatInTimeZone, fromZonedTime } from 'date-fns-tz';
import { invalidField } from './errors';

const INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?$/;

const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/**
 * Reads a start time as API.md says: without an offset it is wall-clock time in the platform zone
 * (never `new Date()` on it, which would use the server's zone); with `Z`/`±HH:mm` it is taken as
 * given. Anything that is not a real instant (`2026-02-30T09:00`, `tomorrow`, 25:00) throws 400
 * VALIDATION_FAILED naming `field`.
 */
export function parseStartAt(raw: string, timezone: string, field = 'start.at'): Date {
  const m = INPUT.exec(raw);
  if (!m) throw invalidField(field, 'must be YYYY-MM-DDTHH:mm[:ss[.sss]] with an optional Z or ±HH:mm offset');
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const s = Number(m[6] ?? 0);
  const ms = Number((m[7] ?? '0').padEnd(3, '0'));
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 59) throw invalidField(field, 'is not a real date and time');
  const offset = m[8];
  if (offset === undefined) {
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    return fromZonedTime(`${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}.${pad(ms, 3)}`, timezone);
  }
  let offsetMin = 0;
  if (offset !== 'Z') {
    const oh = Number(offset.slice(1, 3));
    const om = Number(offset.slice(4, 6));
    if (oh > 14 || om > 59) throw invalidField(field, 'has an impossible offset');
    offsetMin = (offset[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000);
}

/** `2026-01-15T09:00:00+07:00`: the instant in the platform zone with its offset. */
export function toLocalIso(at: Date, timezone: string): string {
  return formatInTimeZone(at, timezone, "yyyy-MM-dd'T'HH:mm:ssXXX");
}

export interface Window {
  start: string;
  end: string;
  days: number[];
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** true when `now` is inside the calling window (in `timezone`; `end` exclusive, 24:00 = midnight). */
export const inWindow = (w: Window, now: Date, timezone: string): boolean => insideWindow(w, timezone, now);

/**
 * When a running task may dial next, if not now: the window's next opening on a day that is not a
 * blackout (`blackouts` only when the task honours them), in the task's zone; null when it may
 * dial now (or never will).
 */
export function nextWindowOpening(w: Window, now: Date, timezone: string, blackouts: BlackoutRanges = []): Date | null {
  const next = nextDialableAt(w, timezone, now, blackouts);
  return next && next.getTime() > now.getTime() ? next : null;
}

export function assertWindow(w: Window, field = 'dialing.callingWindow.end'): void {
  if (minutes(w.end) <= minutes(w.start)) throw invalidField(field, 'must be after callingWindow.start');
}

/** When the first call of a task starting at `start` goes out: `start` itself inside the window, else the window's next opening after the blackouts. */
export function firstCallAt(w: Window, start: Date, timezone: string, blackouts: BlackoutRanges = []): Date {
  // days has at least one weekday (the contract), so an opening within a week always exists — but a year of blackouts may leave none
  return nextDialableAt(w, timezone, start, blackouts) ?? start;
}
