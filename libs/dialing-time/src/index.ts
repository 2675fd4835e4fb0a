/**
 * Wall-clock rules of dialing, in a task's IANA time zone: the calling window, blackout dates and
 * the next instant a task may dial. Shared by the dialer (its dial policy) and the task service
 * (`nextCallAt`), so both answer the same. Pure: Intl only, no I/O. DST-safe: local days and times
 * are turned into instants through the zone's offset at that instant, never by adding 24 h.
 */

export interface LocalTime {
  /** the local calendar date, YYYY-MM-DD */
  date: string;
  /** ISO day of the week, 1 = Monday … 7 = Sunday */
  isoDay: number;
  /** seconds since local midnight, with the milliseconds as a fraction */
  seconds: number;
}

/** A calling window: local wall times, `end` exclusive ('24:00' = the end of the day), ISO weekdays. */
export interface WindowSpec {
  start: string;
  end: string;
  days: readonly number[];
}

/** Blackout dates, each an inclusive range of local dates (YYYY-MM-DD; a single date has from = to). */
export type BlackoutRanges = readonly { from: string; to: string }[];

const DAY_MS = 86_400_000;
const ISO_DAY: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is an IANA zone this runtime knows (`Asia/Jayapura`; not `WIB`, not `+07:00`). */
export function isTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Whether `date` is a real YYYY-MM-DD calendar date (2026-02-30 is not). */
export function isDate(date: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/** The wall clock in `timeZone` at `at`. */
export function localTime(timeZone: string, at: Date): LocalTime {
  const p: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(at)) p[part.type] = part.value;
  const ms = ((at.getTime() % 1000) + 1000) % 1000;
  return { date: `${p.year}-${p.month}-${p.day}`, isoDay: ISO_DAY[p.weekday], seconds: Number(p.hour) * 3600 + Number(p.minute) * 60 + Number(p.second) + ms / 1000 };
}

const utcOfDate = (date: string) => {
  const [y, m, d] = date.split('-').map(Number);
  return Date.UTC(y, m - 1, d);
};

/** The wall clock at `at` as if it were UTC, in ms: comparable with `utcOfDate(date) + seconds`. */
const wallMs = (timeZone: string, at: number) => {
  const l = localTime(timeZone, new Date(at));
  return utcOfDate(l.date) + Math.round(l.seconds * 1000);
};

/** `date` plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  return new Date(utcOfDate(date) + days * DAY_MS).toISOString().slice(0, 10);
}

/** ISO day of the week of a calendar date. */
export const isoDayOf = (date: string) => ((new Date(utcOfDate(date)).getUTCDay() + 6) % 7) + 1;

/** Seconds since local midnight of 'HH:MM' or 'HH:MM:SS' ('24:00' is 86400). */
export function secondsOf(hhmm: string): number {
  const [h = 0, m = 0, s = 0] = hhmm.split(':').map(Number);
  return h * 3600 + m * 60 + s;
}

/**
 * The first instant at which the wall clock in `timeZone` shows `date` at `seconds` past midnight.
 * A wall time that happens twice (clocks set back) gives the earlier instant; one that never
 * happens (clocks set forward) gives the instant of the jump, when the clock passes it.
 */
export function zonedInstant(date: string, seconds: number, timeZone: string): Date {
  const wall = utcOfDate(date) + Math.round(seconds * 1000);
  // the zone's offsets a day either side of the target cover any change of offset that day
  const candidates = [...new Set([wall - 26 * 3600_000, wall + 26 * 3600_000].map((t) => wall - (wallMs(timeZone, t) - t)))].sort((a, b) => a - b);
  const exact = candidates.filter((t) => wallMs(timeZone, t) === wall);
  if (exact.length > 0) return new Date(exact[0]);
  // a gap: the first instant whose wall clock is at or past `wall`, between the two candidates
  let lo = candidates[0];
  let hi = candidates[candidates.length - 1];
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (wallMs(timeZone, mid) >= wall) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

/** Whether a local date falls in one of the blackouts. */
export function inBlackout(blackouts: BlackoutRanges, date: string): boolean {
  for (const b of blackouts) if (b.from <= date && date <= b.to) return true;
  return false;
}

/** Whether the window is open at `at` (today is one of its days and start ≤ local time < end). */
export function insideWindow(w: WindowSpec, timeZone: string, at: Date): boolean {
  const { isoDay, seconds } = localTime(timeZone, at);
  return w.days.includes(isoDay) && seconds >= secondsOf(w.start) && seconds < secondsOf(w.end);
}

/**
 * When a blackout that holds `at`'s local date ends: the first instant of the next local day that
 * is no blackout. Undefined when `at` is not in a blackout.
 */
export function blackoutEnd(blackouts: BlackoutRanges, timeZone: string, at: Date): Date | undefined {
  const today = localTime(timeZone, at).date;
  if (!inBlackout(blackouts, today)) return undefined;
  let date = today;
  for (let i = 0; i < 3660 && inBlackout(blackouts, date); i++) date = addDays(date, 1);
  return zonedInstant(date, 0, timeZone);
}

/**
 * The first instant at or after `at` when a task may dial: inside the window, on a day that is not
 * a blackout. Null when none comes within 400 days (a window with no days, a year of blackouts).
 */
export function nextDialableAt(w: WindowSpec, timeZone: string, at: Date, blackouts: BlackoutRanges = []): Date | null {
  const now = localTime(timeZone, at);
  const start = secondsOf(w.start);
  const end = secondsOf(w.end);
  for (let d = 0; d <= 400; d++) {
    const date = d === 0 ? now.date : addDays(now.date, d);
    if (!w.days.includes(isoDayOf(date)) || inBlackout(blackouts, date)) continue;
    if (d === 0 && now.seconds >= start && now.seconds < end) return at;
    const opening = zonedInstant(date, start, timeZone);
    if (opening.getTime() > at.getTime()) return opening;
  }
  return null;
}
