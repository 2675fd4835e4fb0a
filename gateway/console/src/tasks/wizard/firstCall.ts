import { offsetMs, minutesOf, zonedToUtc } from './wib';
import { platformTimeZone } from '../../time/zone';

/** The part of the draft that decides it (kept apart from draft.ts, which needs the browser's storage). */
export interface Timing {
  startMode: 'immediate' | 'scheduled';
  startAt: string;
  windowStart: string;
  windowEnd: string;
  /** the task's zone; the platform's (WIB) when absent */
  timeZone?: string;
}

/**
 * When the first call of the draft would go out: its start (now, or the scheduled time), moved to
 * the next opening of the calling window (every day, in the task's zone) when it falls outside it — an immediate
 * task made at 21:00 WIB with the default 08:00–20:00 window waits for 08:00. `waits` says the
 * window moved it.
 */
export function firstCall(d: Timing, now = Date.now()): { at: string; waits: boolean } | undefined {
  const zone = d.timeZone ?? platformTimeZone;
  const start = d.startMode === 'immediate' ? now : Date.parse(zonedToUtc(d.startAt, zone) ?? '');
  const ws = minutesOf(d.windowStart);
  const we = minutesOf(d.windowEnd);
  if (Number.isNaN(start) || ws === undefined || we === undefined) return undefined;
  const offset = offsetMs(zone, start);
  const wall = start + offset;
  const dayStart = wall - (((wall % 86_400_000) + 86_400_000) % 86_400_000);
  const minute = (wall - dayStart) / 60_000;
  if (minute >= ws && minute < we) return { at: new Date(start).toISOString(), waits: false };
  const opening = minute < ws ? dayStart + ws * 60_000 : dayStart + 86_400_000 + ws * 60_000;
  return { at: new Date(opening - offset).toISOString(), waits: true };
}
