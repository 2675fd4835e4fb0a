/**
 * Times as the console shows them: in the task's time zone (`dialing.timeZone`; WIB, the platform's,
 * elsewhere), whatever the browser's own zone, always with the zone's name ("09:00 WIB").
 */
export const platformTimeZone = 'Asia/Jakarta';

/** The Indonesian abbreviations; another zone is shown by its IANA name. */
const abbreviations: Record<string, string> = { 'Asia/Jakarta': 'WIB', 'Asia/Pontianak': 'WIB', 'Asia/Makassar': 'WITA', 'Asia/Jayapura': 'WIT', UTC: 'UTC' };
export const zoneAbbreviation = (timeZone: string) => abbreviations[timeZone] ?? timeZone;

const formatters = new Map<string, Intl.DateTimeFormat>();
function partsIn(timeZone: string, at: Date) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(at)) parts[p.type] = p.value;
  return parts as { year: string; month: string; day: string; hour: string; minute: string };
}

/** `2026-01-15T02:00:00.000Z` → `2026-01-15 09:00 WIB`; the same in every language (digits, 24 h). */
export function formatDateTime(iso: string, timeZone = platformTimeZone): string {
  const p = partsIn(timeZone, new Date(iso));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${zoneAbbreviation(timeZone)}`;
}

/** `2026-01-15T02:00:00.000Z` → `09:00 WIB`. */
export function formatTime(iso: string, timeZone = platformTimeZone): string {
  const p = partsIn(timeZone, new Date(iso));
  return `${p.hour}:${p.minute} ${zoneAbbreviation(timeZone)}`;
}

/** The zone's offset at `iso` as `UTC+07:00` (`UTC−03:30`). */
export function utcOffset(iso: string, timeZone: string): string {
  const at = new Date(iso);
  const p = partsIn(timeZone, at);
  const minutes = Math.round((Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute) - Math.floor(at.getTime() / 60_000) * 60_000) / 60_000);
  const abs = Math.abs(minutes);
  return `UTC${minutes < 0 ? '−' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** `2026-01-15T01:00:00.000Z` in Asia/Makassar → `2026-01-15 09:00 WITA (UTC+08:00) · 2026-01-15 01:00 UTC`: the task's local time with its offset, beside UTC. */
export function formatLocalAndUtc(iso: string, timeZone: string): string {
  return `${formatDateTime(iso, timeZone)} (${utcOffset(iso, timeZone)}) · ${formatDateTime(iso, 'UTC')}`;
}
