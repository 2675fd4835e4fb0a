import { platformTimeZone } from '../../time/zone';

/**
 * Times typed in the wizard are read in the task's zone (WIB), not the browser's: `2026-01-15T09:00`
 * typed in New York is 09:00 WIB, sent as `2026-01-15T02:00:00.000Z`. The zone's offset at that
 * moment comes from Intl, so a zone with daylight saving (WITA/WIT have none, but IANA zones may)
 * stays right.
 */
export function zonedToUtc(local: string, timeZone = platformTimeZone): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m) return undefined;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi);
  const check = new Date(asUtc);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59) return undefined;
  // first guess with the offset at asUtc, then once more with the offset at the guess (a change of offset between the two)
  let utc = asUtc - offsetMs(timeZone, asUtc);
  utc = asUtc - offsetMs(timeZone, utc);
  return new Date(utc).toISOString();
}

/** The zone's offset from UTC at `at` (ms; WIB: +7 h). */
export function offsetMs(timeZone: string, at: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(at);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return wall - Math.floor(at / 1000) * 1000;
}

/** Minutes since midnight of `HH:mm` (00:00–24:00), or undefined. */
export function minutesOf(hhmm: string): number | undefined {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(hhmm);
  if (!m) return undefined;
  const v = Number(m[1]) * 60 + Number(m[2]);
  return v <= 24 * 60 ? v : undefined;
}
