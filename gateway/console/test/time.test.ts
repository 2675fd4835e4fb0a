import { formatDateTime, formatLocalAndUtc, formatTime, utcOffset, zoneAbbreviation } from '../src/time/zone';

describe('console times', () => {
  it('when a UTC instant is shown, then it is in WIB and says so, whatever the process zone', () => {
    // jest runs in the machine's zone (the browser test runs the console in New York's)
    expect(formatDateTime('2026-01-15T02:00:00.000Z')).toBe('2026-01-15 09:00 WIB');
    expect(formatTime('2026-01-15T02:00:00.000Z')).toBe('09:00 WIB');
    expect(formatDateTime('2026-01-14T17:30:00.000Z')).toBe('2026-01-15 00:30 WIB');
  });

  it('when a task is in another Indonesian zone, then its time is there and named so', () => {
    expect(formatTime('2026-01-15T02:00:00.000Z', 'Asia/Makassar')).toBe('10:00 WITA');
    expect(formatTime('2026-01-15T02:00:00.000Z', 'Asia/Jayapura')).toBe('11:00 WIT');
    expect(zoneAbbreviation('Europe/Berlin')).toBe('Europe/Berlin');
  });

  it('when a task’s start, next call or end is shown, then its local time comes with its offset beside UTC, DST included', () => {
    expect(formatLocalAndUtc('2026-01-15T01:00:00.000Z', 'Asia/Makassar')).toBe('2026-01-15 09:00 WITA (UTC+08:00) · 2026-01-15 01:00 UTC');
    expect(formatLocalAndUtc('2026-01-14T20:00:00.000Z', 'Asia/Jakarta')).toBe('2026-01-15 03:00 WIB (UTC+07:00) · 2026-01-14 20:00 UTC');
    // New York: −05:00 in winter, −04:00 in summer; India's half hour
    expect(utcOffset('2026-01-15T12:00:00.000Z', 'America/New_York')).toBe('UTC−05:00');
    expect(utcOffset('2026-07-15T12:00:00.000Z', 'America/New_York')).toBe('UTC−04:00');
    expect(utcOffset('2026-07-15T12:00:00.000Z', 'Asia/Kolkata')).toBe('UTC+05:30');
  });
});
