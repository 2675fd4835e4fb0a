import { platformTimeZone } from '../time/zone';

/** WIB is UTC+7 all year (no daylight saving), so a typed WIB time maps to one instant. */
const WIB_OFFSET = '+07:00';
export const WIB_ZONE = platformTimeZone;

/**
 * A time typed as the console shows times ("2026-01-15 09:00", meaning WIB) → the ISO 8601 the
 * API's `date-time` filters take, with the offset written out (`2026-01-15T09:00:00+07:00`), so the
 * browser's own zone never matters. `null` when it is not a real time (2026-02-30, 24:00).
 */
export function fromWibInput(text: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  const probe = new Date(Date.UTC(y, mo - 1, d, h, mi));
  const real = probe.getUTCFullYear() === y && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d && probe.getUTCHours() === h && probe.getUTCMinutes() === mi;
  return real ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00${WIB_OFFSET}` : null;
}
